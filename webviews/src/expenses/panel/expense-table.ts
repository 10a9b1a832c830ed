// The expenses as a vscode-table, in the order and with the filter of the table's view. A header
// sorts by its column (click, Enter or Space; again to turn the direction; aria-sort says which).
// Only the first rows are drawn, more on demand, so 10,000 expenses open and filter quickly.
// A row takes focus with Tab; Up and Down move between rows (drawing more at the end); Enter edits
// it, Delete deletes it (undo with Ctrl+Z or the Undo button); its buttons do the same by mouse.
import type { ExpenseEntry } from '@vlm/schemas';
import { type SortColumn, type TableView, linkText, visibleEntries } from '../model/expense-table-view';
import { displayAmount } from '../model/money';
import { element } from '../../panels/dom';

export interface ExpenseTableEvents {
  edit(entry: ExpenseEntry): void;
  delete(entry: ExpenseEntry): void;
  sort(column: SortColumn): void;
}

const columns: Array<{ title: string; sort?: SortColumn }> = [
  { title: 'Date', sort: 'date' },
  { title: 'Amount', sort: 'amount' },
  { title: 'Category', sort: 'category' },
  { title: 'Note', sort: 'note' },
  { title: 'Link', sort: 'link' },
  { title: 'Repeats', sort: 'recurrence' },
  { title: '' },
];

/** Rows drawn at first and per "Show more": more than a screen holds; each row is several web components. */
export const rowsPerPage = 50;

export class ExpenseTable {
  readonly root: HTMLElement;
  readonly count = element('p', { id: 'table-count', 'aria-live': 'polite' });
  private readonly body = element('vscode-table-body', { slot: 'body' });
  private readonly headers: HTMLElement[];
  private readonly more = element('vscode-button', { id: 'show-more', secondary: true }, 'Show more');
  private shown: ExpenseEntry[] = [];
  private drawn = 0;

  constructor(private readonly events: ExpenseTableEvents) {
    this.headers = columns.map(({ title, sort }) => {
      const cell = element('vscode-table-header-cell', sort ? { tabindex: '0', class: 'sortable', 'data-sort': sort } : {}, title);
      if (sort) {
        cell.addEventListener('click', () => events.sort(sort));
        cell.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            events.sort(sort);
          }
        });
      }
      return cell;
    });
    const header = element('vscode-table-header', { slot: 'header' }, ...this.headers);
    this.root = element(
      'vscode-table',
      {
        id: 'expense-table',
        zebra: true,
        'bordered-rows': true,
        columns: '["7em","8em","9em","auto","8em","5em","9.5em"]',
        'aria-label': 'Expenses',
      },
      header,
      this.body,
    );
    this.more.addEventListener('click', () => this.drawMore());
  }

  show(entries: readonly ExpenseEntry[], view: TableView): void {
    performance.mark('expenses:table-start');
    for (const cell of this.headers) {
      const sort = cell.dataset.sort;
      if (!sort) continue;
      const active = sort === view.sort.column;
      cell.setAttribute('aria-sort', active ? view.sort.direction : 'none');
      cell.toggleAttribute('data-active', active);
    }
    this.shown = visibleEntries(entries, view);
    // A keyboard user who deleted a row stays on the rows, at the same place.
    const rows = [...this.body.children];
    const focused = rows.findIndex((row) => row === document.activeElement || row.contains(document.activeElement));
    this.drawn = 0;
    this.body.replaceChildren();
    this.drawMore(Math.max(rowsPerPage, focused + 1));
    if (focused >= 0) (this.body.children[Math.min(focused, this.body.children.length - 1)] as HTMLElement | undefined)?.focus();
    if (entries.length === 0) this.body.append(this.note('No expenses yet: add one above.'));
    else if (this.shown.length === 0) this.body.append(this.note('No expense matches the filter.'));
    performance.measure('expenses:table', 'expenses:table-start');
  }

  private note(text: string): HTMLElement {
    return element('vscode-table-row', {}, element('vscode-table-cell', { class: 'empty' }, text));
  }

  private drawMore(count = rowsPerPage): void {
    const next = this.shown.slice(this.drawn, this.drawn + count);
    this.body.append(...next.map((entry) => this.row(entry)));
    this.drawn += next.length;
    const total = this.shown.length;
    this.count.textContent = total === 0 ? '' : this.drawn < total ? `Showing ${this.drawn} of ${total} expenses.` : `${total} expense(s).`;
    if (this.drawn < total) this.count.append(' ', this.more);
    else this.more.remove();
  }

  private row(entry: ExpenseEntry): HTMLElement {
    const edit = element('vscode-button', { secondary: true, 'aria-label': `Edit the expense of ${entry.date}` }, 'Edit');
    const remove = element('vscode-button', { secondary: true, 'aria-label': `Delete the expense of ${entry.date}` }, 'Delete');
    edit.addEventListener('click', () => this.events.edit(entry));
    remove.addEventListener('click', () => this.events.delete(entry));
    const row = element(
      'vscode-table-row',
      {
        tabindex: '0',
        'data-id': entry.id,
        'aria-label': `${entry.date}, ${displayAmount(entry.amountMinor, entry.currency)}, ${entry.category}`,
      },
      element('vscode-table-cell', {}, entry.date),
      element('vscode-table-cell', { class: 'amount' }, displayAmount(entry.amountMinor, entry.currency)),
      element('vscode-table-cell', {}, entry.category),
      element('vscode-table-cell', {}, entry.note),
      element('vscode-table-cell', {}, linkText(entry)),
      element('vscode-table-cell', {}, entry.recurrence === 'monthly' ? 'monthly' : ''),
      element('vscode-table-cell', { class: 'row-actions' }, edit, remove),
    );
    row.addEventListener('keydown', (event) => this.onRowKey(event, row, entry));
    return row;
  }

  private onRowKey(event: KeyboardEvent, row: HTMLElement, entry: ExpenseEntry): void {
    if (event.target !== row) return;
    if (event.key === 'Delete') this.events.delete(entry);
    else if (event.key === 'Enter') this.events.edit(entry);
    else if (event.key === 'ArrowDown') {
      if (!row.nextElementSibling && this.drawn < this.shown.length) this.drawMore();
      (row.nextElementSibling as HTMLElement | null)?.focus();
    } else if (event.key === 'ArrowUp') (row.previousElementSibling as HTMLElement | null)?.focus();
    else return;
    event.preventDefault();
  }
}
