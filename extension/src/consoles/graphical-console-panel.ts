// "Open Graphical Console": one webview panel per VM showing its screen through noVNC, relayed by
// GraphicalConsoleRelay over the host connection. A panel restored after a reload reconnects to
// the VM its saved state names (checked first; the state never holds the password).
import * as vscode from 'vscode';
import type { VncTarget } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import type { ExtensionScope } from '../extension-scope';
import { markWalkthroughEvent } from '../first-run-view';
import { dashboardPanelHtml, dashboardPanelOptions } from '../dashboard/dashboard-panel-page';
import type { ConsoleHosts, VmTarget } from './console-terminals';
import { GraphicalConsoleRelay } from './graphical-console-relay';

const viewType = 'vlm.graphicalConsole';

function isVmTarget(value: unknown): value is VmTarget {
  return typeof value === 'object' && value !== null && 'hostName' in value && 'labName' in value && 'vmName' in value;
}

const keyOf = (target: VncTarget) => JSON.stringify([target.hostName, target.labName, target.vmName]);

export function registerGraphicalConsoles(scope: ExtensionScope, hosts: ConsoleHosts): void {
  const open = new Map<string, vscode.WebviewPanel>();
  const options = () => ({ ...dashboardPanelOptions(scope), retainContextWhenHidden: true });

  const adopt = (panel: vscode.WebviewPanel, target: VncTarget): void => {
    const key = keyOf(target);
    open.set(key, panel);
    panel.title = `${target.vmName} screen`;
    panel.webview.options = options();
    const relay = new GraphicalConsoleRelay({
      target,
      connection: () => {
        const connection = hosts.connectionOf(target.hostName);
        if (!connection) throw new Error(`Host "${target.hostName}" is not connected. Connect it from the Virtual Labs view first.`);
        return connection;
      },
      post: (message) => void panel.webview.postMessage(message),
      readClipboard: async () => vscode.env.clipboard.readText(),
      warn: (line) => scope.log.warn(`Graphical console: ${line}`),
    });
    const received = panel.webview.onDidReceiveMessage((raw) =>
      relay.handle(raw).catch((error: unknown) => scope.log.reportError('relay the graphical console', error)),
    );
    panel.onDidDispose(() => {
      received.dispose();
      relay.dispose();
      if (open.get(key) === panel) open.delete(key);
    });
    panel.webview.html = dashboardPanelHtml(scope, panel.webview, 'vnc', 'Graphical console');
  };

  const openPanel = async (raw: unknown): Promise<void> => {
    if (!isVmTarget(raw)) return;
    const target: VncTarget = { hostName: raw.hostName, labName: raw.labName, vmName: raw.vmName };
    const existing = open.get(keyOf(target));
    if (existing) existing.reveal();
    else adopt(vscode.window.createWebviewPanel(viewType, `${target.vmName} screen`, vscode.ViewColumn.Active, options()), target);
    markWalkthroughEvent('consoleOpened');
  };

  scope.context.subscriptions.push(
    vscode.commands.registerCommand('vlm.vm.openGraphicalConsole', (target: unknown) =>
      openPanel(target).catch((error: unknown) => scope.log.reportError('open the graphical console', error)),
    ),
    vscode.window.registerWebviewPanelSerializer(viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const checked = checkPanelMessage('VncPanelState', state);
        if (checked.ok) adopt(panel, checked.message.target);
        else {
          scope.log.warn(`Graphical console: not restored: ${checked.problem}`);
          panel.dispose();
        }
      },
    }),
    {
      dispose: () => {
        for (const panel of [...open.values()]) panel.dispose();
      },
    },
  );
}
