// Whether two lists of expenses hold the same entries in the same order. The extension sends the
// entries as soon as a panel is created and again when the page says it is ready; the page draws
// the second copy only if it differs, so 10,000 rows are not built twice for nothing.
import type { ExpenseEntry } from '@vlm/schemas';

export function sameExpenses(left: readonly ExpenseEntry[], right: readonly ExpenseEntry[]): boolean {
  if (left === right) return true;
  if (left.length !== right.length) return false;
  return left.every((entry, index) => sameEntry(entry, right[index] as ExpenseEntry));
}

function sameEntry(left: ExpenseEntry, right: ExpenseEntry): boolean {
  return (
    left.id === right.id &&
    left.date === right.date &&
    left.amountMinor === right.amountMinor &&
    left.currency === right.currency &&
    left.category === right.category &&
    left.note === right.note &&
    left.recurrence === right.recurrence &&
    left.link?.kind === right.link?.kind &&
    left.link?.id === right.link?.id &&
    Object.keys(left).length === Object.keys(right).length
  );
}
