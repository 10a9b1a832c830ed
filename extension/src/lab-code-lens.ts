// Deploy, Plan, Destroy and Topology above the `name:` line of a lab file.
import * as vscode from 'vscode';
import { readLabHeader } from './lab-document';

export class LabCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  /** Settings and trust decide which lenses show; call when either changes. */
  refresh(): void {
    this.changeEmitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('vlm', document.uri).get<boolean>('codeLens.enable', true)) return [];
    const header = readLabHeader(document.getText());
    if (!header?.name) return [];
    const range = new vscode.Range(header.nameLine, 0, header.nameLine, 0);
    const lens = (title: string, command: string, tooltip: string) =>
      new vscode.CodeLens(range, { title, command, tooltip, arguments: [document.uri] });
    const plan = lens('$(checklist) Plan', 'vlm.plan', `Show what deploying ${header.name} on ${header.host} would change`);
    const topology = lens('$(type-hierarchy) Topology', 'vlm.showLabTopology', `Draw lab ${header.name}'s VMs and networks`);
    if (!vscode.workspace.isTrusted) return [plan, topology];
    return [
      lens('$(rocket) Deploy', 'vlm.deploy', `Create or update lab ${header.name} on host ${header.host}`),
      plan,
      lens('$(trash) Destroy', 'vlm.destroy', `Delete lab ${header.name} and its VMs from host ${header.host}`),
      topology,
    ];
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
