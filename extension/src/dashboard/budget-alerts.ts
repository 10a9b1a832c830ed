// Budget alerts without VS Code: find the 80% and 100% alerts due (spend so far and month-end
// forecast), claim them in the dashboard file under its lock so no other window shows them too,
// and hand each to `show`. A window checks when a panel changes something, on activation and on
// a timer (the timer's period is here, with why).
import type { DerivedSpend } from '@vlm/schemas';
import { type BudgetNotice, claimNotices, noticesDue } from '@vlm/webviews/src/expenses/model/budget-alerts';
import { localIsoDate, monthOf } from '@vlm/webviews/src/expenses/model/calendar-dates';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';

/**
 * 10 minutes. What the user records is checked the moment a panel saves it, in the window that
 * saved it; the timer only catches what changes by itself: the day (the forecast's days left),
 * the month, and computed spend that grows with running time. None of these moves in a minute,
 * and each check reads the dashboard file, so checking more often would cost disk reads for nothing.
 */
export const budgetCheckIntervalMs = 10 * 60_000;

export interface BudgetAlertHost {
  store(): Promise<DashboardStore>;
  /** The computed spend of a month (local labs, clouds), when the spend sources give it. */
  derivedSpend?(month: string): Promise<DerivedSpend[]>;
  show(notice: BudgetNotice): void;
  warn(line: string): void;
  now?(): Date;
}

export class BudgetAlertChecker {
  constructor(private readonly host: BudgetAlertHost) {}

  /** Shows the alerts that are due and not yet shown in any window; never throws. */
  async check(): Promise<BudgetNotice[]> {
    try {
      const now = this.host.now?.() ?? new Date();
      const today = localIsoDate(now);
      const store = await this.host.store();
      const derived = (await this.host.derivedSpend?.(monthOf(today))) ?? [];
      // Most checks find nothing new: they read, and leave the file and its lock alone.
      if (noticesDue(await store.read(), derived, today).length === 0) return [];
      const { result } = await store.update((draft) => claimNotices(draft, derived, today, now.toISOString()));
      for (const notice of result) this.host.show(notice);
      return result;
    } catch (error) {
      this.host.warn(`Budget alerts were not checked: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }
}
