// Budget alerts as VS Code notifications: checked on activation and every budgetCheckIntervalMs
// (the Expenses panel checks after each change); the button opens the panel on the budget.
import * as vscode from 'vscode';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';
import { BudgetAlertChecker, budgetCheckIntervalMs } from './budget-alerts';

export const openBudgetAction = 'Open Budget';

export function registerBudgetAlerts(
  scope: ExtensionScope,
  store: () => Promise<DashboardStore>,
  openBudget: (budgetId: string) => void,
): BudgetAlertChecker {
  const checker = new BudgetAlertChecker({
    store,
    show: (notice) => {
      void vscode.window.showWarningMessage(notice.message, openBudgetAction).then((action) => {
        if (action === openBudgetAction) openBudget(notice.budgetId);
      });
    },
    warn: (line) => scope.log.warn(line),
  });
  const timer = setInterval(() => void checker.check(), budgetCheckIntervalMs);
  scope.context.subscriptions.push({ dispose: () => clearInterval(timer) });
  void checker.check();
  return checker;
}
