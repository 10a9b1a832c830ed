// The Expenses panel: a webview opened from the command palette (vlm.openExpenses) or the
// sidebar's title bar, restored after a reload by its serializer. Its page loads only the
// extension's own script and styles (CSP default-src 'none', a nonce per page).
import * as vscode from 'vscode';
import type { ExtensionScope } from '../extension-scope';
import { DashboardStoreOpener, dashboardPanelHtml, dashboardPanelOptions } from './dashboard-panel-page';
import { ExpensesRequests } from './expenses-requests';

export const expensesViewType = 'vlm.expenses';

export function registerExpensesPanel(scope: ExtensionScope): void {
  const panels = new ExpensesPanels(scope);
  scope.context.subscriptions.push(
    panels,
    vscode.commands.registerCommand('vlm.openExpenses', () => panels.open()),
    vscode.window.registerWebviewPanelSerializer(expensesViewType, {
      deserializeWebviewPanel: async (panel) => panels.adopt(panel),
    }),
  );
}

class ExpensesPanels implements vscode.Disposable {
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
    const panel = vscode.window.createWebviewPanel(expensesViewType, 'Expenses', vscode.ViewColumn.Active, this.options());
    this.adopt(panel);
  }

  /** Fills a new panel, or one VS Code restored after a reload, and answers its messages. */
  adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = this.options();
    panel.webview.html = this.html(panel.webview);
    const requests = new ExpensesRequests({
      store: () => this.opener.store(),
      pickImportFile: async () =>
        (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { CSV: ['csv'] }, openLabel: 'Import' }))?.[0]?.fsPath,
      pickExportFile: async () => (await vscode.window.showSaveDialog({ filters: { CSV: ['csv'] }, saveLabel: 'Export' }))?.fsPath,
      inform: (message) => void vscode.window.showInformationMessage(message),
      warn: (line) => this.scope.log.warn(`Expenses panel: ${line}`),
    });
    const post = async (raw: unknown) => {
      const answer = await requests.handle(raw);
      if (answer) await panel.webview.postMessage(answer);
    };
    const subscriptions = [
      panel.webview.onDidReceiveMessage(post),
      // Another window may have changed the expenses while this panel was hidden.
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.visible) void post({ type: 'ready' });
      }),
    ];
    panel.onDidDispose(() => {
      for (const subscription of subscriptions) subscription.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return dashboardPanelOptions(this.scope);
  }

  private html(webview: vscode.Webview): string {
    return dashboardPanelHtml(this.scope, webview, 'expenses', 'Expenses');
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
