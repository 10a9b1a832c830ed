// The Expenses panel: a webview opened from the command palette (vlm.openExpenses) or the
// sidebar's title bar, restored after a reload by its serializer. Its page loads only the
// extension's own script and styles (CSP default-src 'none', a nonce per page).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';
import { registerBudgetAlerts } from './budget-alert-notifications';
import type { BudgetAlertChecker } from './budget-alerts';
import { BudgetRequests, isBudgetRequest } from './budget-requests';
import { ExpensesRequests } from './expenses-requests';

export const expensesViewType = 'vlm.expenses';

export function registerExpensesPanel(scope: ExtensionScope): void {
  const panels = new ExpensesPanels(scope);
  panels.alerts = registerBudgetAlerts(
    scope,
    () => panels.store(),
    (budgetId) => panels.open(budgetId),
  );
  scope.context.subscriptions.push(
    panels,
    // A budget alert's button passes { budgetId }; the Command Palette passes nothing.
    vscode.commands.registerCommand('vlm.openExpenses', (target?: unknown) => panels.open(budgetIdOf(target))),
    vscode.window.registerWebviewPanelSerializer(expensesViewType, {
      deserializeWebviewPanel: async (panel) => panels.adopt(panel),
    }),
  );
}

function budgetIdOf(target: unknown): string | undefined {
  const id = typeof target === 'object' && target !== null ? (target as { budgetId?: unknown }).budgetId : undefined;
  return typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

class ExpensesPanels implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private storeOpening: Promise<DashboardStore> | undefined;
  alerts: BudgetAlertChecker | undefined;
  /** The budget to show once the panel is ready: the one an alert was about. */
  private focusBudget: string | undefined;
  private showBudget: ((budgetId: string) => void) | undefined;

  constructor(private readonly scope: ExtensionScope) {}

  open(focusBudget?: string): void {
    if (this.panel) {
      this.panel.reveal();
      if (focusBudget) this.showBudget?.(focusBudget);
      return;
    }
    this.focusBudget = focusBudget;
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
    const budgets = new BudgetRequests({ store: () => this.store(), warn: (line) => this.scope.log.warn(`Expenses panel: ${line}`) });
    const post = async (raw: unknown) => {
      const answer = isBudgetRequest(raw) ? await budgets.handle(raw) : await requests.handle(raw);
      if (answer) await panel.webview.postMessage(answer);
      const type = (raw as { type?: unknown } | undefined)?.type;
      if (type === 'ready') {
        // The entries' answer already carried any error of the store.
        const state = await budgets.state(this.focusBudget).catch(() => undefined);
        this.focusBudget = undefined;
        if (state) await panel.webview.postMessage(state);
      } else if (answer?.type !== 'error') void this.alerts?.check();
    };
    this.showBudget = (budgetId) =>
      void budgets
        .state(budgetId)
        .then((state) => panel.webview.postMessage(state))
        .catch(() => undefined);
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
    return { enableScripts: true, localResourceRoots: [this.distFolder()] };
  }

  private distFolder(): vscode.Uri {
    return vscode.Uri.joinPath(this.scope.context.extensionUri, 'dist', 'webviews');
  }

  store(): Promise<DashboardStore> {
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
