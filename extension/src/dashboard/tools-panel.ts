// The Tools panel: a webview opened from the command palette (vlm.openTools) or the Hosts view's
// title bar, restored after a reload by its serializer. Opening a tool goes through
// vscode.env.openExternal, after tools-requests.ts has checked its URL again.
import * as vscode from 'vscode';
import type { ExtensionScope } from '../extension-scope';
import { DashboardStoreOpener, dashboardPanelHtml, dashboardPanelOptions } from './dashboard-panel-page';
import { ToolsRequests } from './tools-requests';

export const toolsViewType = 'vlm.tools';

export function registerToolsPanel(scope: ExtensionScope): void {
  const panels = new ToolsPanels(scope);
  scope.context.subscriptions.push(
    panels,
    vscode.commands.registerCommand('vlm.openTools', () => panels.open()),
    vscode.window.registerWebviewPanelSerializer(toolsViewType, {
      deserializeWebviewPanel: async (panel) => panels.adopt(panel),
    }),
  );
}

class ToolsPanels implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly opener: DashboardStoreOpener;

  constructor(private readonly scope: ExtensionScope) {
    this.opener = new DashboardStoreOpener(scope);
  }

  open(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    this.adopt(vscode.window.createWebviewPanel(toolsViewType, 'Tools', vscode.ViewColumn.Active, dashboardPanelOptions(this.scope)));
  }

  /** Fills a new panel, or one VS Code restored after a reload, and answers its messages. */
  adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = dashboardPanelOptions(this.scope);
    panel.webview.html = dashboardPanelHtml(this.scope, panel.webview, 'tools', 'Tools');
    const requests = new ToolsRequests({
      store: () => this.opener.store(),
      openExternal: (url) => Promise.resolve(vscode.env.openExternal(vscode.Uri.parse(url, true))),
      post: (message) => void panel.webview.postMessage(message),
      warn: (line) => this.scope.log.warn(`Tools panel: ${line}`),
    });
    const post = async (raw: unknown) => {
      const answer = await requests.handle(raw);
      if (answer) await panel.webview.postMessage(answer);
    };
    const subscriptions = [
      panel.webview.onDidReceiveMessage(post),
      // Another window may have changed the tools while this panel was hidden.
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.visible) void post({ type: 'ready' });
      }),
    ];
    panel.onDidDispose(() => {
      requests.dispose();
      for (const subscription of subscriptions) subscription.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
