// The Expenses panel: a webview opened from the command palette (vlm.openExpenses) or the
// sidebar's title bar, restored after a reload by its serializer. Its page loads only the
// extension's own script and styles (CSP default-src 'none', a nonce per page).
import * as vscode from 'vscode';
import type { ExtensionScope } from '../extension-scope';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import { registerBudgetAlerts } from './budget-alert-notifications';
import type { BudgetAlertChecker } from './budget-alerts';
import { BudgetRequests, isBudgetRequest } from './budget-requests';
import { DashboardStoreOpener, dashboardPanelHtml, dashboardPanelOptions } from './dashboard-panel-page';
import { ExpensesRequests } from './expenses-requests';
import { watchOtherWindows } from './other-windows';
import { currentUtcMonth, derivedSpendFor } from './derived-spend';
import { spendSources } from './spend-sources';

export const expensesViewType = 'vlm.expenses';
const derivedSpendRefreshMs = 20_000;

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
  private readonly opener: DashboardStoreOpener;
  alerts: BudgetAlertChecker | undefined;
  /** The budget to show once the panel is ready: the one an alert was about. */
  private focusBudget: string | undefined;
  private showBudget: ((budgetId: string) => void) | undefined;

  constructor(private readonly scope: ExtensionScope) {
    this.opener = new DashboardStoreOpener(scope);
  }

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
    const sources = spendSources(this.scope, () => this.store());
    const postDerivedSpend = async () => panel.webview.postMessage(await derivedSpendFor(sources, currentUtcMonth()));
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
        // Computed spend follows the entries each time the panel (re)appears.
        await postDerivedSpend();
      } else if (answer?.type !== 'error') void this.alerts?.check();
    };
    // VS Code holds messages until the page has loaded: the entries, read and sent while it loads
    // (a second or more), arrive as the page starts. Its `ready` gets the current ones again, in
    // case this copy came too early; the page draws that copy only if it differs.
    void requests
      .handle({ type: 'ready' })
      .then((answer) => answer && panel.webview.postMessage(answer))
      .catch(() => undefined);
    // Running VMs keep adding spend, and the cost model or a host may change: refreshed while shown.
    const refresh = setInterval(() => {
      if (panel.visible)
        postDerivedSpend().catch((error: Error) => this.scope.log.warn(`Expenses panel: computed spend: ${error.message}`));
    }, derivedSpendRefreshMs);
    this.showBudget = (budgetId) =>
      void budgets
        .state(budgetId)
        .then((state) => panel.webview.postMessage(state))
        .catch(() => undefined);
    // Before the page's first `ready`, a view-state change (a new panel becoming active) would only
    // send a third copy of the entries: the early one and the answer to `ready` cover it.
    let pageReady = false;
    const subscriptions = [
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        if ((raw as { type?: unknown } | undefined)?.type === 'ready') pageReady = true;
        return post(raw);
      }),
      // Another window may have changed the expenses while this panel was hidden.
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.visible && pageReady) void post({ type: 'ready' });
      }),
      watchOtherWindows(
        () => this.store(),
        () => {
          if (panel.visible) void post({ type: 'ready' });
        },
        (line) => this.scope.log.warn(`Expenses panel: ${line}`),
      ),
    ];
    panel.onDidDispose(() => {
      clearInterval(refresh);
      for (const subscription of subscriptions) subscription.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return dashboardPanelOptions(this.scope);
  }

  store(): Promise<DashboardStore> {
    return this.opener.store();
  }

  private html(webview: vscode.Webview): string {
    return dashboardPanelHtml(this.scope, webview, 'expenses', 'Expenses');
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
