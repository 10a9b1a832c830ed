// Which budget alerts are due, and claiming them in the dashboard file so that each is shown once
// across every VS Code window: a window claims inside the store's locked update, which re-reads
// the file, so a second window finds the alert recorded and shows nothing.
import type { BudgetAlert, DashboardData, DerivedSpend } from '@vlm/schemas';
import { monthOf } from './calendar-dates';
import { budgetLabel, monthSpendLines } from './budgets';
import { type BudgetStatus, budgetStatus, percentOf } from './forecast';
import { displayAmount, formatAmount } from './money';

export const alertPercents = [80, 100] as const;

/**
 * Forecast alerts wait for this day of the month: before it, one purchase averaged over a day or
 * two says little about the month, and would alert at 100% almost every month.
 */
export const forecastAlertsFromDay = 7;

export type BudgetData = Pick<DashboardData, 'expenses' | 'budgets' | 'budgetAlerts' | 'exchangeRates'>;

/** One notification: a budget's newly crossed thresholds in a month, and the sentence to show. */
export interface BudgetNotice {
  budgetId: string;
  month: string;
  alerts: Array<Pick<BudgetAlert, 'percent' | 'basis'>>;
  message: string;
}

/** Every threshold the status has reached. */
export function crossedThresholds(status: BudgetStatus): Array<Pick<BudgetAlert, 'percent' | 'basis'>> {
  const crossed: Array<Pick<BudgetAlert, 'percent' | 'basis'>> = [];
  for (const percent of alertPercents) {
    if (status.spentMinor > 0 && percentOf(status.spentMinor, status.budget) >= percent) crossed.push({ percent, basis: 'actual' });
  }
  if (status.today < forecastAlertsFromDay) return crossed;
  for (const percent of alertPercents) {
    if (status.forecastMinor > 0 && percentOf(status.forecastMinor, status.budget) >= percent) crossed.push({ percent, basis: 'forecast' });
  }
  return crossed;
}

/** The month's status of each budget, as of `today`. */
export function budgetStatuses(data: BudgetData, derived: readonly DerivedSpend[], today: string): BudgetStatus[] {
  const lines = monthSpendLines(data.expenses, derived, monthOf(today));
  return data.budgets.map((budget) => budgetStatus(budget, lines, data.exchangeRates, today));
}

/** The notices not yet shown in any window: one per budget with thresholds newly crossed. */
export function noticesDue(data: BudgetData, derived: readonly DerivedSpend[], today: string): BudgetNotice[] {
  const notices: BudgetNotice[] = [];
  for (const status of budgetStatuses(data, derived, today)) {
    const shown = (alert: Pick<BudgetAlert, 'percent' | 'basis'>) =>
      data.budgetAlerts.some(
        (record) =>
          record.budgetId === status.budget.id &&
          record.month === status.month &&
          record.percent === alert.percent &&
          record.basis === alert.basis,
      );
    const alerts = crossedThresholds(status).filter((alert) => !shown(alert));
    if (alerts.length > 0)
      notices.push({ budgetId: status.budget.id, month: status.month, alerts, message: noticeMessage(status, alerts) });
  }
  return notices;
}

/** Records the due notices in `draft` (run it inside the store's update) and returns them to show. */
export function claimNotices(draft: DashboardData, derived: readonly DerivedSpend[], today: string, shownAt: string): BudgetNotice[] {
  const notices = noticesDue(draft, derived, today);
  if (notices.length === 0) return notices;
  // Only this month's alerts can still repeat: earlier months' records are dropped, keeping the file small.
  draft.budgetAlerts = draft.budgetAlerts.filter((alert) => alert.month >= monthOf(today));
  for (const notice of notices) {
    for (const alert of notice.alerts) draft.budgetAlerts.push({ budgetId: notice.budgetId, month: notice.month, ...alert, shownAt });
  }
  return notices;
}

function noticeMessage(status: BudgetStatus, alerts: BudgetNotice['alerts']): string {
  const { budget } = status;
  const money = (minor: number) => displayAmount(minor, budget.currency);
  const highest = (basis: BudgetAlert['basis']) =>
    Math.max(...alerts.filter((alert) => alert.basis === basis).map((alert) => alert.percent));
  const share = (minor: number) => (budget.amountMinor === 0 ? 'over a budget of 0' : `${percentOf(minor, budget)}%`);
  const parts = [`Budget ${budgetLabel(budget)}, ${money(budget.amountMinor)} for ${status.month}:`];
  if (alerts.some((alert) => alert.basis === 'actual')) {
    parts.push(`${money(status.spentMinor)} spent so far, ${share(status.spentMinor)} (past ${highest('actual')}%).`);
  }
  if (alerts.some((alert) => alert.basis === 'forecast')) {
    parts.push(`Forecast to month end ${money(status.forecastMinor)}, ${share(status.forecastMinor)} (past ${highest('forecast')}%).`);
  }
  if (status.leftOut.length > 0) {
    parts.push(
      `Not counted, for want of a rate: ${status.leftOut.map((part) => `${formatAmount(part.minor, part.currency)} ${part.currency}`).join(', ')}.`,
    );
  }
  return parts.join(' ');
}

/** The alerts of a file, checked: each for a budget that exists, none recorded twice. */
export function budgetAlertListProblem(data: Pick<DashboardData, 'budgets' | 'budgetAlerts'>): string | undefined {
  const ids = new Set(data.budgets.map((budget) => budget.id));
  const seen = new Set<string>();
  for (const [index, alert] of data.budgetAlerts.entries()) {
    if (!ids.has(alert.budgetId)) return `budgetAlerts[${index}] is for the budget ${alert.budgetId}, which does not exist`;
    const key = `${alert.budgetId} ${alert.month} ${alert.percent} ${alert.basis}`;
    if (seen.has(key))
      return `budgetAlerts[${index}] repeats the ${alert.percent}% ${alert.basis} alert of ${alert.budgetId} in ${alert.month}`;
    seen.add(key);
  }
  return undefined;
}
