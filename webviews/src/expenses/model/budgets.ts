// Budgets: a spending limit per month for all spend, one category or one provider. What counts
// against a budget is the user's expenses (monthly ones on each month's day) and the computed
// spend (DerivedSpend) of the month, in the budget's currency or converted by a rate the user set.
import type { Budget, BudgetFields, DerivedSpend, ExpenseEntry, ExpenseLink } from '@vlm/schemas';
import { daysInMonth } from './calendar-dates';
import { occurrences } from './expense-aggregation';
import { currencyProblem, formatAmount } from './money';

/** Each problem as "field: what is wrong, what is allowed". */
export function budgetFieldsProblems(fields: BudgetFields): string[] {
  const problems: string[] = [];
  const currency = currencyProblem(fields.currency);
  if (currency) problems.push(`currency: ${currency}`);
  if (!Number.isSafeInteger(fields.amountMinor)) {
    problems.push(`amount: ${fields.amountMinor} is not a whole number of minor units`);
  } else if (fields.amountMinor < 0) {
    const shown = currency ? String(fields.amountMinor) : formatAmount(fields.amountMinor, fields.currency);
    problems.push(`amount: a budget cannot be negative (${shown}); give 0 or more`);
  }
  const match = fields.match?.trim() ?? '';
  if (fields.scope === 'all' && fields.match !== undefined) {
    problems.push('match: a budget for all spend applies to every expense; leave the match out');
  } else if (fields.scope !== 'all' && match === '') {
    problems.push(`match: a ${fields.scope} budget needs the ${fields.scope} it is for, such as ${exampleMatch[fields.scope]}`);
  }
  return problems;
}

const exampleMatch = { category: 'hosting', provider: 'the id of a cloud account' };

/** The budgets of a file, checked: each valid (ids are checked with the other sections). */
export function budgetListProblem(budgets: readonly Budget[]): string | undefined {
  for (const [index, budget] of budgets.entries()) {
    const problems = budgetFieldsProblems(budget);
    if (problems.length > 0) return `budgets[${index}] ${problems.join('; ')}`;
  }
  return undefined;
}

/** How a user names a budget: "All spend", "Category hosting", "Provider aws-main". */
export function budgetLabel(budget: BudgetFields): string {
  if (budget.scope === 'all') return 'All spend';
  return `${budget.scope === 'category' ? 'Category' : 'Provider'} ${budget.match ?? ''}`;
}

/** Spend due on one day of a month, whether the user recorded it or the extension computed it. */
export interface SpendLine {
  date: string;
  amountMinor: number;
  currency: string;
  category: string;
  link?: ExpenseLink;
  /** A monthly expense: due on its day whatever else is spent, so the forecast does not extrapolate it. */
  recurring: boolean;
}

/** Every expense due in `month` (YYYY-MM), monthly ones on their day, and the month's computed spend. */
export function monthSpendLines(expenses: readonly ExpenseEntry[], derived: readonly DerivedSpend[], month: string): SpendLine[] {
  const first = `${month}-01`;
  const last = `${month}-${String(daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)))).padStart(2, '0')}`;
  const lines: SpendLine[] = occurrences(expenses, first, last).map((entry) => ({
    date: entry.date,
    amountMinor: entry.amountMinor,
    currency: entry.currency,
    category: entry.category,
    link: entry.link,
    recurring: entry.recurrence === 'monthly',
  }));
  for (const line of derived) {
    if (line.date >= first && line.date <= last) lines.push({ ...line, recurring: false });
  }
  return lines;
}

/** Whether a line counts against the budget: categories and provider ids match exactly. */
export function appliesTo(budget: Budget, line: SpendLine): boolean {
  if (budget.scope === 'all') return true;
  if (budget.scope === 'category') return line.category === budget.match;
  return line.link?.kind === 'provider' && line.link.id === budget.match;
}
