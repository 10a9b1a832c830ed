// Changes to the budgets and exchange rates, applied to the dashboard's data inside the store's
// locked update. Bad input throws a BudgetInputError naming each field, and nothing is saved.
import type { Budget, BudgetFields, DashboardData, ExchangeRate } from '@vlm/schemas';
import { budgetFieldsProblems } from './budgets';
import { exchangeRateProblems } from './exchange-rates';

export class BudgetInputError extends Error {
  override readonly name = 'BudgetInputError';
  constructor(
    readonly what: string,
    readonly problems: string[],
  ) {
    super(`${what} was not saved: ${problems.join('; ')}.`);
  }
}

type BudgetSections = Pick<DashboardData, 'budgets' | 'budgetAlerts' | 'exchangeRates'>;

/** Adds a budget (id from `newId`) or replaces the one with `id`; returns it. */
export function saveBudget(draft: BudgetSections, id: string | undefined, fields: BudgetFields, newId: () => string): Budget {
  const problems = budgetFieldsProblems(fields);
  if (problems.length > 0) throw new BudgetInputError('The budget', problems);
  const budget: Budget = { id: id ?? newId(), scope: fields.scope, amountMinor: fields.amountMinor, currency: fields.currency };
  if (fields.scope !== 'all') budget.match = fields.match?.trim();
  if (id === undefined) {
    draft.budgets.push(budget);
    return budget;
  }
  const index = draft.budgets.findIndex((existing) => existing.id === id);
  if (index < 0) throw new BudgetInputError('The budget', [`id: no budget has the id ${id}; another window may have deleted it`]);
  draft.budgets[index] = budget;
  // A new limit has new thresholds: alert again when spend crosses them.
  draft.budgetAlerts = draft.budgetAlerts.filter((alert) => alert.budgetId !== id);
  return budget;
}

/** Deletes a budget and the record of its alerts; a budget already gone is no error. */
export function deleteBudget(draft: BudgetSections, id: string): void {
  draft.budgets = draft.budgets.filter((budget) => budget.id !== id);
  draft.budgetAlerts = draft.budgetAlerts.filter((alert) => alert.budgetId !== id);
}

/** Sets a rate, replacing the one set before for the same two currencies, in either direction. */
export function saveRate(draft: BudgetSections, rate: ExchangeRate): void {
  const problems = exchangeRateProblems(rate);
  if (problems.length > 0) throw new BudgetInputError('The exchange rate', problems);
  draft.exchangeRates = draft.exchangeRates.filter((existing) => !samePair(existing, rate.from, rate.to));
  draft.exchangeRates.push({ from: rate.from, to: rate.to, rateMicros: rate.rateMicros });
}

export function deleteRate(draft: BudgetSections, from: string, to: string): void {
  draft.exchangeRates = draft.exchangeRates.filter((existing) => !samePair(existing, from, to));
}

function samePair(rate: ExchangeRate, from: string, to: string): boolean {
  return (rate.from === from && rate.to === to) || (rate.from === to && rate.to === from);
}
