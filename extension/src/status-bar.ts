// The status bar item: hosts connected out of all and a running deploy; a click shows the view.
// It follows every host's events for the deploy steps (status-bar-text.ts says what shows).
import * as vscode from 'vscode';
import type { HostConnection, Hosts } from './hosts';
import { deployKey, runningDeploys, statusBarLook } from './status-bar-text';

export function registerStatusBar(context: vscode.ExtensionContext, hosts: Hosts): void {
  const item = vscode.window.createStatusBarItem('vlm.hosts', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Virtual Labs Hosts';
  item.command = 'vlm.labs.focus';
  const steps = new Map<string, string>();
  const listening = new Map<HostConnection, vscode.Disposable>();
  const update = () => {
    const current = new Set(hosts.all());
    for (const [connection, listener] of listening) {
      if (current.has(connection)) continue;
      listener.dispose();
      listening.delete(connection);
    }
    for (const connection of current) {
      if (listening.has(connection)) continue;
      listening.set(
        connection,
        connection.onEvent((event) => {
          if (event.type === 'deploy-log') {
            steps.set(deployKey(connection.host.name, event.lab), event.line.vm ? `${event.line.vm}: ${event.line.text}` : event.line.text);
            update();
          } else if (event.type === 'lab-status' && event.status !== 'deploying') steps.delete(deployKey(connection.host.name, event.lab));
        }),
      );
    }
    const snapshots = hosts.snapshots();
    const look = statusBarLook(snapshots, runningDeploys(snapshots, steps));
    item.text = look.text;
    item.tooltip = look.tooltip;
  };
  update();
  item.show();
  context.subscriptions.push(item, hosts.onDidChange(update), {
    dispose: () => {
      for (const listener of listening.values()) listener.dispose();
    },
  });
}
