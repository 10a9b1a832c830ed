// The expenses as a vscode-table, in the order and with the filter of the table's view. A header
// sorts by its column (click, Enter or Space; again to turn the direction; aria-sort says which).
// Only the first rows are drawn, more on demand, so 10,000 expenses open and filter quickly; a
// filter or sort rewrites the text of the rows already made (expense-table-rows.ts) and makes none.
// A row takes focus with Tab; Up and Down move between rows (drawing more at the end); Enter edits
// it, Delete deletes it (undo with Ctrl+Z or the Undo button); its buttons do the same by mouse.
import type { ExpenseEntry } from '@vlm/schemas';
import { type ExpenseRowContent, ReusedRows, changedCells, rowsToDraw } from '../model/expense-table-rows';
import { type SortColumn, type TableView, visibleEntries } from '../model/expense-table-view';
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

/** A row element made once, and the entry it shows now (its buttons and keys act on that one). */
interface ExpenseRow {
  element: HTMLElement;
  cells: HTMLElement[];
  edit: HTMLElement;
  remove: HTMLElement;
  entry?: ExpenseEntry;
}

export class ExpenseTable {
  readonly root: HTMLElement;
  readonly count = element('p', { id: 'table-count', 'aria-live': 'polite' });
  private readonly body = element('vscode-table-body', { slot: 'body' });
  private readonly headers: HTMLElement[];
  private readonly more = element('vscode-button', { id: 'show-more', secondary: true }, 'Show more');
  private shown: ExpenseEntry[] = [];
  private drawn = 0;
  private readonly rows = new ReusedRows<ExpenseRow>(
    () => this.makeRow(),
    (row, entry, content, previous) => bindRow(row, entry, content, previous),
  );
  /** "No expenses yet" or "No expense matches the filter", when shown. */
  private note: HTMLElement | undefined;

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
    this.note?.remove();
    this.note = undefined;
    // A keyboard user who deleted a row stays on the rows, at the same place.
    const drawnRows = [...this.body.children];
    const focused = drawnRows.findIndex((row) => row === document.activeElement || row.contains(document.activeElement));
    const count = rowsToDraw(this.shown.length, focused, rowsPerPage);
    // Row i shows entry i: rows past the new count leave, the rest are rebound in place.
    while (this.body.children.length > count) this.body.lastElementChild?.remove();
    this.drawn = 0;
    this.drawMore(count);
    if (focused >= 0) (this.body.children[Math.min(focused, this.body.children.length - 1)] as HTMLElement | undefined)?.focus();
    if (entries.length === 0) this.showNote('No expenses yet: add one above.');
    else if (this.shown.length === 0) this.showNote('No expense matches the filter.');
    performance.measure('expenses:table', 'expenses:table-start');
  }

  private showNote(text: string): void {
    this.note = element('vscode-table-row', {}, element('vscode-table-cell', { class: 'empty' }, text));
    this.body.append(this.note);
  }

  private drawMore(count = rowsPerPage): void {
    const next = this.shown.slice(this.drawn, this.drawn + count);
    const rows = this.rows.show(next, this.drawn);
    // Rows already in the table stay where they are; only those past its end are added.
    this.body.append(...rows.slice(Math.max(0, this.body.children.length - this.drawn)).map((row) => row.element));
    this.drawn += next.length;
    const total = this.shown.length;
    this.count.textContent = total === 0 ? '' : this.drawn < total ? `Showing ${this.drawn} of ${total} expenses.` : `${total} expense(s).`;
    if (this.drawn < total) this.count.append(' ', this.more);
    else this.more.remove();
  }

  private makeRow(): ExpenseRow {
    const cells = columns.slice(0, -1).map((_, index) => element('vscode-table-cell', index === 1 ? { class: 'amount' } : {}));
    const edit = element('vscode-button', { secondary: true }, 'Edit');
    const remove = element('vscode-button', { secondary: true }, 'Delete');
    const row: ExpenseRow = {
      element: element(
        'vscode-table-row',
        { tabindex: '0' },
        ...cells,
        element('vscode-table-cell', { class: 'row-actions' }, edit, remove),
      ),
      cells,
      edit,
      remove,
    };
    edit.addEventListener('click', () => row.entry && this.events.edit(row.entry));
    remove.addEventListener('click', () => row.entry && this.events.delete(row.entry));
    row.element.addEventListener('keydown', (event) => row.entry && this.onRowKey(event, row.element, row.entry));
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

/** Shows `entry` in a row made before: only the text and labels that changed are written. */
function bindRow(row: ExpenseRow, entry: ExpenseEntry, content: ExpenseRowContent, previous: ExpenseRowContent | undefined): void {
  row.entry = entry;
  for (const index of changedCells(previous, content)) (row.cells[index] as HTMLElement).textContent = content.cells[index] ?? '';
  if (previous?.id !== content.id) row.element.dataset.id = content.id;
  if (previous?.label !== content.label) row.element.setAttribute('aria-label', content.label);
  if (previous?.editLabel !== content.editLabel) row.edit.setAttribute('aria-label', content.editLabel);
  if (previous?.deleteLabel !== content.deleteLabel) row.remove.setAttribute('aria-label', content.deleteLabel);
}
