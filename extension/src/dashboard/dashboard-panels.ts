// One dashboard panel of a kind: its command opens or reveals it, its serializer restores it after
// a reload, and its requests answer the panel's messages. A panel re-reads when it is shown again
// or another window changes the dashboard file. Tasks and Tools use it as they are.
import * as vscode from 'vscode';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';
import { DashboardStoreOpener, dashboardPanelHtml, dashboardPanelOptions } from './dashboard-panel-page';
import { watchOtherWindows } from './other-windows';

export interface PanelRequests {
  /** The answer to post back, if any; never throws. */
  handle(raw: unknown): Promise<unknown>;
  dispose?(): void;
}

export interface DashboardPanelKind {
  viewType: string;
  command: string;
  /** The panel's tab title, and the name its log lines start with. */
  title: string;
  /** The bundle's name in dist/webviews. */
  bundle: string;
  requests(context: {
    store: () => Promise<DashboardStore>;
    post: (message: unknown) => void;
    warn: (line: string) => void;
  }): PanelRequests;
}

export function registerDashboardPanel(scope: ExtensionScope, kind: DashboardPanelKind): void {
  const opener = new DashboardStoreOpener(scope);
  let current: vscode.WebviewPanel | undefined;

  const adopt = (panel: vscode.WebviewPanel): void => {
    current = panel;
    panel.webview.options = dashboardPanelOptions(scope);
    panel.webview.html = dashboardPanelHtml(scope, panel.webview, kind.bundle, kind.title);
    const warn = (line: string) => scope.log.warn(`${kind.title} panel: ${line}`);
    const requests = kind.requests({
      store: () => opener.store(),
      post: (message) => void panel.webview.postMessage(message),
      warn,
    });
    const answer = async (raw: unknown) => {
      const reply = await requests.handle(raw);
      if (reply !== undefined) await panel.webview.postMessage(reply);
    };
    const refresh = () => {
      if (panel.visible) void answer({ type: 'ready' });
    };
    const subscriptions = [
      panel.webview.onDidReceiveMessage(answer),
      panel.onDidChangeViewState(refresh),
      watchOtherWindows(() => opener.store(), refresh, warn),
    ];
    panel.onDidDispose(() => {
      for (const subscription of subscriptions) subscription.dispose();
      requests.dispose?.();
      if (current === panel) current = undefined;
    });
  };

  const open = (): void => {
    if (current) current.reveal();
    else adopt(vscode.window.createWebviewPanel(kind.viewType, kind.title, vscode.ViewColumn.Active, dashboardPanelOptions(scope)));
  };

  scope.context.subscriptions.push(
    vscode.commands.registerCommand(kind.command, open),
    vscode.window.registerWebviewPanelSerializer(kind.viewType, { deserializeWebviewPanel: async (panel) => adopt(panel) }),
    { dispose: () => current?.dispose() },
  );
}
