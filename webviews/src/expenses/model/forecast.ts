// A budget's month: what was spent so far and the forecast to month end, in the budget's currency.
//
// The forecast rule, for today = day t of a month of D days:
//   forecast = spent so far (days 1..t)
//            + spend already known after today (monthly expenses on their day, and expenses the
//              user dated ahead)
//            + the daily average of the other spend so far × the days left:
//              round(one-off spend of days 1..t × (D − t) / t).
// Monthly expenses are not averaged: rent paid on the 1st does not repeat every day. Lines in a
// currency with no rate to the budget's are left out, and the status says which and how much.
import type { Budget, ExchangeRate } from '@vlm/schemas';
import { daysInMonth, monthOf } from './calendar-dates';
import { appliesTo, type SpendLine } from './budgets';
import { convertMinor } from './exchange-rates';
import { divideRounded } from './money';

export interface BudgetStatus {
  budget: Budget;
  /** YYYY-MM, the month of `today`. */
  month: string;
  /** The day of the month it is (t). */
  today: number;
  days: number;
  spentMinor: number;
  forecastMinor: number;
  /** Spend that matched the budget but has no rate to its currency, per currency, in that currency's minor units. */
  leftOut: Array<{ currency: string; minor: number }>;
  /** Spend so far, cumulative: actualByDay[0] is day 1, up to today. */
  actualByDay: number[];
  /** The forecast, cumulative, from today (index t − 1) to month end; null before today. */
  forecastByDay: Array<number | null>;
}

/** The budget's month as of `today` (YYYY-MM-DD), from the month's spend lines. */
export function budgetStatus(budget: Budget, lines: readonly SpendLine[], rates: readonly ExchangeRate[], today: string): BudgetStatus {
  const month = monthOf(today);
  const days = daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)));
  const t = Number(today.slice(8, 10));
  const spentPerDay = Array.from({ length: days }, () => 0n);
  const knownAhead = Array.from({ length: days }, () => 0n);
  let oneOffSoFar = 0n;
  const leftOut = new Map<string, bigint>();
  for (const line of lines) {
    if (monthOf(line.date) !== month || !appliesTo(budget, line)) continue;
    const amount = convertMinor(BigInt(line.amountMinor), line.currency, budget.currency, rates);
    if (amount === undefined) {
      leftOut.set(line.currency, (leftOut.get(line.currency) ?? 0n) + BigInt(line.amountMinor));
      continue;
    }
    const day = Number(line.date.slice(8, 10));
    if (day > t) knownAhead[day - 1] = (knownAhead[day - 1] as bigint) + amount;
    else {
      spentPerDay[day - 1] = (spentPerDay[day - 1] as bigint) + amount;
      if (!line.recurring) oneOffSoFar += amount;
    }
  }
  const actualByDay: number[] = [];
  let spent = 0n;
  for (let day = 1; day <= t; day += 1) {
    spent += spentPerDay[day - 1] as bigint;
    actualByDay.push(Number(spent));
  }
  const forecastByDay: Array<number | null> = [];
  let known = 0n;
  for (let day = 1; day <= days; day += 1) {
    if (day < t) {
      forecastByDay.push(null);
      continue;
    }
    if (day > t) known += knownAhead[day - 1] as bigint;
    forecastByDay.push(Number(spent + known + divideRounded(oneOffSoFar * BigInt(day - t), BigInt(t))));
  }
  return {
    budget,
    month,
    today: t,
    days,
    spentMinor: Number(spent),
    forecastMinor: forecastByDay[days - 1] ?? Number(spent),
    leftOut: [...leftOut]
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([currency, minor]) => ({ currency, minor: Number(minor) })),
    actualByDay,
    forecastByDay,
  };
}

/** The share of the budget, in whole percent rounded down; Infinity for spend against a zero budget. */
export function percentOf(minor: number, budget: Budget): number {
  if (budget.amountMinor === 0) return minor > 0 ? Number.POSITIVE_INFINITY : 0;
  return Number((BigInt(minor) * 100n) / BigInt(budget.amountMinor));
}
