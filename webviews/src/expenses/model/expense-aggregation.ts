// Totals and chart series from the expenses. Money is summed per currency as bigint, never
// across currencies; monthly expenses count once in each month from their date on.
import type { ExpenseEntry } from '@vlm/schemas';
import { daysInMonth, monthOf, nextDay, nextMonth } from './calendar-dates';

/** Each expense once per date it is due, from `from` to `through` (both inclusive). */
export function occurrences(entries: readonly ExpenseEntry[], from: string, through: string): ExpenseEntry[] {
  const due: ExpenseEntry[] = [];
  for (const entry of entries) {
    if (entry.date > through) continue;
    if (entry.date >= from) due.push(entry);
    if (entry.recurrence !== 'monthly') continue;
    const day = Number(entry.date.slice(8, 10));
    // Months before `from` are skipped, not walked: a recurrence may start decades back.
    const start = monthOf(entry.date) < monthOf(from) ? monthOf(from) : nextMonth(monthOf(entry.date));
    for (let month = start; ; month = nextMonth(month)) {
      // The 31st falls on the last day of shorter months.
      const last = daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)));
      const date = `${month}-${String(Math.min(day, last)).padStart(2, '0')}`;
      if (date > through) break;
      if (date >= from) due.push({ ...entry, date });
    }
  }
  return due;
}

/** The sum of each currency's amounts, in minor units. */
export function totalsByCurrency(entries: readonly ExpenseEntry[]): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const entry of entries) totals.set(entry.currency, (totals.get(entry.currency) ?? 0n) + BigInt(entry.amountMinor));
  return new Map([...totals].sort(([left], [right]) => left.localeCompare(right)));
}

export type Granularity = 'daily' | 'monthly';

export interface SpendSeries {
  currency: string;
  /** "2026-03" (monthly) or "2026-03-14" (daily), every bucket from `from` to `through`, none skipped. */
  buckets: string[];
  categories: string[];
  /** values[category][bucket]: minor units spent. */
  values: number[][];
}

export interface SeriesRange {
  currency: string;
  granularity: Granularity;
  /** First and last day shown (YYYY-MM-DD); the caller keeps the span small (a chart's width). */
  from: string;
  through: string;
}

/** Spend of one currency per bucket and category, for a chart stacked by category. */
export function spendSeries(entries: readonly ExpenseEntry[], range: SeriesRange): SpendSeries {
  const { currency, granularity, from, through } = range;
  const due = occurrences(entries, from, through).filter((entry) => entry.currency === currency);
  const bucketOf = granularity === 'monthly' ? monthOf : (date: string) => date;
  const step = granularity === 'monthly' ? nextMonth : nextDay;
  const buckets: string[] = [];
  for (let bucket = bucketOf(from); bucket <= bucketOf(through); bucket = step(bucket)) buckets.push(bucket);
  const categories = [...new Set(due.map((entry) => entry.category))].sort((left, right) => left.localeCompare(right));
  const bucketIndex = new Map(buckets.map((bucket, index) => [bucket, index]));
  const categoryIndex = new Map(categories.map((category, index) => [category, index]));
  const values = categories.map(() => buckets.map(() => 0));
  for (const entry of due) {
    const row = values[categoryIndex.get(entry.category) as number] as number[];
    const column = bucketIndex.get(bucketOf(entry.date)) as number;
    row[column] = (row[column] as number) + entry.amountMinor;
  }
  return { currency, buckets, categories, values };
}

/** Running sums over the categories, bottom first: what a stacked chart draws as its lines. */
export function stacked(values: readonly number[][]): number[][] {
  const result: number[][] = [];
  values.forEach((row, index) => {
    const below = result[index - 1];
    result.push(row.map((value, column) => value + (below?.[column] ?? 0)));
  });
  return result;
}

/** The currency with the most expenses, for the chart to show first. */
export function mainCurrency(entries: readonly ExpenseEntry[]): string | undefined {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.currency, (counts.get(entry.currency) ?? 0) + 1);
  return [...counts].sort(([leftCode, left], [rightCode, right]) => right - left || leftCode.localeCompare(rightCode))[0]?.[0];
}
