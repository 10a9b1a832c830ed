// What JSON Schema cannot say about an expense: the date is a real day and the currency exists.
// The shape (integer amount, lengths, patterns) is checked by panel-messages.schema.json.
import type { ExpenseFields } from '@vlm/schemas';
import { isoDateProblem } from './calendar-dates';
import { currencyProblem } from './money';

/** Each problem as "field: what is wrong". */
export function expenseFieldsProblems(fields: ExpenseFields): string[] {
  const problems: string[] = [];
  const date = isoDateProblem(fields.date);
  if (date) problems.push(`date: ${date}`);
  const currency = currencyProblem(fields.currency);
  if (currency) problems.push(`currency: ${currency}`);
  if (!Number.isSafeInteger(fields.amountMinor)) problems.push(`amount: ${fields.amountMinor} is not a whole number of minor units`);
  if (fields.category.trim() === '') problems.push('category: it is empty');
  return problems;
}
