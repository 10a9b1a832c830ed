// Keeps the `vlm.localLibvirt` context key (system, session, simulated, missing) up to date, so
// the walkthrough shows the step for a user without root only to that user.
import * as vscode from 'vscode';
import type { ExtensionScope } from './extension-scope';
import { localLibvirtKey } from './local-libvirt-choice';

export function registerLocalLibvirtContext(scope: ExtensionScope): void {
  let current: string | undefined;
  const update = () => {
    const local = scope.hosts.all().find((connection) => connection.host.isLocal);
    const connected = local?.state.status === 'connected' ? local.state.libvirt : undefined;
    const key = localLibvirtKey(scope.hosts.localLibvirtChoice().libvirt, connected);
    if (key === current) return;
    current = key;
    void vscode.commands.executeCommand('setContext', 'vlm.localLibvirt', key);
  };
  scope.context.subscriptions.push(scope.hosts.onDidChange(update));
  update();
}
