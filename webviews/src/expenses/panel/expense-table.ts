// The expenses as a vscode-table, newest first. A row takes focus with Tab; Enter edits it,
// Delete deletes it (undo with Ctrl+Z or the Undo button); its buttons do the same by mouse.
import type { ExpenseEntry } from '@vlm/schemas';
import { displayAmount } from '../model/money';
import { element } from './dom';

export interface ExpenseTableEvents {
  edit(entry: ExpenseEntry): void;
  delete(entry: ExpenseEntry): void;
}

const columns = ['Date', 'Amount', 'Category', 'Note', 'Link', 'Repeats', ''];

export class ExpenseTable {
  readonly root: HTMLElement;
  private readonly body = element('vscode-table-body', { slot: 'body' });

  constructor(private readonly events: ExpenseTableEvents) {
    const header = element(
      'vscode-table-header',
      { slot: 'header' },
      ...columns.map((title) => element('vscode-table-header-cell', {}, title)),
    );
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
  }

  show(entries: readonly ExpenseEntry[]): void {
    const sorted = [...entries].sort((left, right) => right.date.localeCompare(left.date) || left.id.localeCompare(right.id));
    // A keyboard user who deleted a row stays on the rows, at the same place.
    const rows = [...this.body.children];
    const focused = rows.findIndex((row) => row === document.activeElement || row.contains(document.activeElement));
    this.body.replaceChildren(...sorted.map((entry) => this.row(entry)));
    if (focused >= 0) (this.body.children[Math.min(focused, this.body.children.length - 1)] as HTMLElement | undefined)?.focus();
    if (sorted.length === 0)
      this.body.append(
        element('vscode-table-row', {}, element('vscode-table-cell', { class: 'empty' }, 'No expenses yet: add one above.')),
      );
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
      element('vscode-table-cell', {}, entry.link ? `${entry.link.kind}: ${entry.link.id}` : ''),
      element('vscode-table-cell', {}, entry.recurrence === 'monthly' ? 'monthly' : ''),
      element('vscode-table-cell', { class: 'row-actions' }, edit, remove),
    );
    row.addEventListener('keydown', (event) => {
      if (event.target !== row) return;
      if (event.key === 'Delete') {
        event.preventDefault();
        this.events.delete(entry);
      } else if (event.key === 'Enter') {
        event.preventDefault();
        this.events.edit(entry);
      }
    });
    return row;
  }
}
