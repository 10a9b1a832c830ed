// Progress shown in the Hosts view itself (the bar under its title), where the user just clicked:
// for the quick row actions (start, stop, reboot, resume, revert, delete, connect). Long lab
// operations (deploy, destroy, lab snapshots) keep their notifications.
import * as vscode from 'vscode';

export async function withViewProgress<T>(title: string, task: () => Thenable<T>): Promise<T> {
  return await vscode.window.withProgress({ location: { viewId: 'vlm.labs' }, title }, task);
}
