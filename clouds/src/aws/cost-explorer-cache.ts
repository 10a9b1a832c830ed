// When a kept Cost Explorer answer may be shown instead of asking again (each call costs USD
// 0.01), and the lines it gives. A closed month is asked once, a day after it closed (Cost
// Explorer refreshes its data at least once every 24 hours, so an earlier answer may miss the
// month's last day); the current month at most every 12 hours: at most two calls a day, about
// USD 0.60 a month per account, for figures at most half a day older than Cost Explorer's own.
import type { CostExplorerCacheEntry, DerivedSpend } from '@vlm/schemas';
import { nextMonth } from '@vlm/webviews/src/expenses/model/calendar-dates';
import { cloudCategory, monthStart } from '../instance-spend.js';

export const currentMonthMaxAgeHours = 12;
export const closedMonthSettleHours = 24;
const hourMs = 3_600_000;

/** Whether the month had ended at `now`. */
export function isClosedMonth(month: string, now: Date): boolean {
  return monthStart(nextMonth(month)) <= now.getTime();
}

/** Whether `entry` may be shown at `now` without asking Cost Explorer again. */
export function isFresh(entry: CostExplorerCacheEntry, now: Date): boolean {
  const fetched = Date.parse(entry.fetchedAt);
  // An answer from the future (a clock moved back, an edited file) proves nothing.
  if (Number.isNaN(fetched) || fetched > now.getTime()) return false;
  if (isClosedMonth(entry.month, now)) return fetched >= monthStart(nextMonth(entry.month)) + closedMonthSettleHours * hourMs;
  return now.getTime() - fetched < currentMonthMaxAgeHours * hourMs;
}

export function findEntry(cache: readonly CostExplorerCacheEntry[], account: string, month: string): CostExplorerCacheEntry | undefined {
  return cache.find((entry) => entry.account === account && entry.month === month);
}

/** `cache` with `entry` in place of the one for the same account and month. */
export function withEntry(cache: readonly CostExplorerCacheEntry[], entry: CostExplorerCacheEntry): CostExplorerCacheEntry[] {
  return [...cache.filter((kept) => kept.account !== entry.account || kept.month !== entry.month), entry];
}

/**
 * Lines of `source: 'costExplorer'`, one per service, dated the last day the answer covers
 * (the month's last day, or the day it was fetched while the month was open).
 */
export function costExplorerLines(entry: CostExplorerCacheEntry): DerivedSpend[] {
  const lastDay = new Date(monthStart(nextMonth(entry.month)) - 86_400_000).toISOString().slice(0, 10);
  const fetchedDay = entry.fetchedAt.slice(0, 10);
  const date = fetchedDay < lastDay && fetchedDay >= `${entry.month}-01` ? fetchedDay : lastDay;
  return entry.amounts.map((amount) => ({
    source: 'costExplorer',
    date,
    amountMinor: amount.amountMinor,
    currency: amount.currency,
    category: cloudCategory,
    note: `${amount.service}: unblended cost in ${entry.month}${amount.amountMinor < 0 ? ' (a credit or refund)' : ''}, from AWS Cost Explorer as of ${entry.fetchedAt}`,
    link: { kind: 'provider', id: entry.account },
  }));
}
