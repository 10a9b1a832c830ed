// What each row of the Expenses table shows, and the rule by which the table keeps its row elements
// across filters and sorts: row i always shows visible entry i, so a keystroke rewrites the text
// that changed in the ~50 rows there are instead of building ~50 rows of web components again.
// Kept free of the DOM so the rule is tested on its own; the table does the DOM part.
import type { ExpenseEntry } from '@vlm/schemas';
import { linkText } from './expense-table-view';
import { displayAmount } from './money';

/** A row's text: its label for screen readers, its cells in column order, its buttons' labels. */
export interface ExpenseRowContent {
  id: string;
  label: string;
  cells: string[];
  editLabel: string;
  deleteLabel: string;
}

export function expenseRowContent(entry: ExpenseEntry): ExpenseRowContent {
  const amount = displayAmount(entry.amountMinor, entry.currency);
  return {
    id: entry.id,
    label: `${entry.date}, ${amount}, ${entry.category}`,
    cells: [entry.date, amount, entry.category, entry.note, linkText(entry), entry.recurrence === 'monthly' ? 'monthly' : ''],
    editLabel: `Edit the expense of ${entry.date}`,
    deleteLabel: `Delete the expense of ${entry.date}`,
  };
}

/** How many rows to draw: a page, or more to keep the row a keyboard user is on (-1: none). */
export function rowsToDraw(visible: number, focused: number, perPage: number): number {
  return Math.min(visible, Math.max(perPage, focused + 1));
}

/** The cells whose text differs from what the row showed (all of them for a new row). */
export function changedCells(previous: ExpenseRowContent | undefined, next: ExpenseRowContent): number[] {
  return next.cells.flatMap((text, index) => (previous?.cells[index] === text ? [] : [index]));
}

/**
 * Rows made once and shown again: `show` binds row i to entry i, making rows only past those made
 * before; a row whose entry is gone waits, detached, for a later, longer list.
 */
export class ReusedRows<Row> {
  private readonly rows: Row[] = [];
  private readonly contents: Array<ExpenseRowContent | undefined> = [];

  constructor(
    private readonly make: () => Row,
    private readonly bind: (row: Row, entry: ExpenseEntry, content: ExpenseRowContent, previous: ExpenseRowContent | undefined) => void,
  ) {}

  /** The rows for `entries`, in their order, each bound to its entry. */
  show(entries: readonly ExpenseEntry[], from = 0): Row[] {
    return entries.map((entry, offset) => {
      const index = from + offset;
      if (index >= this.rows.length) this.rows.push(this.make());
      const row = this.rows[index] as Row;
      const content = expenseRowContent(entry);
      this.bind(row, entry, content, this.contents[index]);
      this.contents[index] = content;
      return row;
    });
  }

  /** Every row made so far: never more than the most rows shown at once. */
  get made(): number {
    return this.rows.length;
  }
}
