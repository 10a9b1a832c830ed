// The Expenses panel: a webview opened from the command palette (vlm.openExpenses) or the
// sidebar's title bar, restored after a reload by its serializer. Its page loads only the
// extension's own script and styles (CSP default-src 'none', a nonce per page).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';
import { ExpensesRequests } from './expenses-requests';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { currentUtcMonth, derivedSpendFor } from './derived-spend';
import { spendSources } from './spend-sources';

export const expensesViewType = 'vlm.expenses';
const derivedSpendRefreshMs = 20_000;

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
  private storeOpening: Promise<DashboardStore> | undefined;

  constructor(private readonly scope: ExtensionScope) {}

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
      store: () => this.store(),
      pickImportFile: async () =>
        (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { CSV: ['csv'] }, openLabel: 'Import' }))?.[0]?.fsPath,
      pickExportFile: async () => (await vscode.window.showSaveDialog({ filters: { CSV: ['csv'] }, saveLabel: 'Export' }))?.fsPath,
      inform: (message) => void vscode.window.showInformationMessage(message),
      warn: (line) => this.scope.log.warn(`Expenses panel: ${line}`),
    });
    const sources = spendSources(this.scope, () => this.store());
    const postDerivedSpend = async () => panel.webview.postMessage(await derivedSpendFor(sources, currentUtcMonth()));
    const post = async (raw: unknown) => {
      const answer = await requests.handle(raw);
      if (answer) await panel.webview.postMessage(answer);
      // Computed spend follows the entries each time the panel (re)appears.
      const ready = checkPanelMessage('ExpensesToExtension', raw);
      if (ready.ok && ready.message.type === 'ready') await postDerivedSpend();
    };
    // Running VMs keep adding spend, and the cost model or a host may change: refreshed while shown.
    const refresh = setInterval(() => {
      if (panel.visible)
        postDerivedSpend().catch((error: Error) => this.scope.log.warn(`Expenses panel: computed spend: ${error.message}`));
    }, derivedSpendRefreshMs);
    const subscriptions = [
      panel.webview.onDidReceiveMessage(post),
      // Another window may have changed the expenses while this panel was hidden.
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.visible) void post({ type: 'ready' });
      }),
    ];
    panel.onDidDispose(() => {
      clearInterval(refresh);
      for (const subscription of subscriptions) subscription.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [this.distFolder()] };
  }

  private distFolder(): vscode.Uri {
    return vscode.Uri.joinPath(this.scope.context.extensionUri, 'dist', 'webviews');
  }

  private store(): Promise<DashboardStore> {
    this.storeOpening ??= DashboardStore.open({
      directory: this.scope.context.globalStorageUri.fsPath,
      log: (line) => this.scope.log.info(line),
    }).catch((error: unknown) => {
      // Not kept: the user may fix the file and try again.
      this.storeOpening = undefined;
      throw error;
    });
    return this.storeOpening;
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.distFolder(), name)).toString();
    const policy = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('expenses.css')}">
<title>Expenses</title>
</head>
<body>
<script nonce="${nonce}" src="${asset('expenses.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
