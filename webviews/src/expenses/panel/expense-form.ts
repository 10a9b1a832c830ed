// The form that adds an expense, or edits one: each field a vscode-textfield, checked here for a
// quick answer and again by the extension, which is the one that saves.
import type { ExpenseEntry, ExpenseFields } from '@vlm/schemas';
import { isoDateProblem } from '../model/calendar-dates';
import { currencyProblem, formatAmount, parseAmount } from '../model/money';
import { element, setValue, fieldValue } from '../../panels/dom';

export interface ExpenseFormEvents {
  submit(fields: ExpenseFields, editing: string | undefined): void;
  problem(message: string): void;
}

export class ExpenseForm {
  readonly root: HTMLElement;
  private readonly date = element('vscode-textfield', { id: 'expense-date', type: 'date', 'aria-label': 'Date' });
  private readonly amount = element('vscode-textfield', { id: 'expense-amount', placeholder: '12.50', 'aria-label': 'Amount' });
  private readonly currency = element('vscode-textfield', {
    id: 'expense-currency',
    maxlength: '3',
    placeholder: 'EUR',
    'aria-label': 'Currency',
  });
  private readonly category = element('vscode-textfield', {
    id: 'expense-category',
    maxlength: '80',
    placeholder: 'hosting',
    'aria-label': 'Category',
  });
  private readonly note = element('vscode-textfield', { id: 'expense-note', maxlength: '1000', 'aria-label': 'Note' });
  private readonly monthly = element('vscode-checkbox', { id: 'expense-monthly', label: 'Monthly' });
  private readonly save = element('vscode-button', { id: 'expense-save' }, 'Add');
  private readonly cancel = element('vscode-button', { id: 'expense-cancel', secondary: true, hidden: true }, 'Cancel');
  private editing: ExpenseEntry | undefined;

  constructor(
    private readonly events: ExpenseFormEvents,
    today: string,
  ) {
    setValue(this.date, today);
    setValue(this.currency, 'EUR');
    const labelled = (text: string, field: HTMLElement) => element('label', { class: 'field' }, element('span', {}, text), field);
    this.root = element(
      'form',
      { class: 'expense-form', 'aria-label': 'Add an expense' },
      labelled('Date', this.date),
      labelled('Amount', this.amount),
      labelled('Currency', this.currency),
      labelled('Category', this.category),
      labelled('Note', this.note),
      element('div', { class: 'field checkbox' }, this.monthly),
      element('div', { class: 'actions' }, this.save, this.cancel),
    );
    this.save.addEventListener('click', () => this.submit());
    this.cancel.addEventListener('click', () => this.stopEditing());
    // Enter in any field adds, as in a native form.
    this.root.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.target as Element).localName === 'vscode-textfield') {
        event.preventDefault();
        this.submit();
      }
    });
    this.root.addEventListener('submit', (event) => event.preventDefault());
  }

  /** Fills the form with an expense to change; Save replaces it. */
  edit(entry: ExpenseEntry): void {
    this.editing = entry;
    setValue(this.date, entry.date);
    setValue(this.amount, formatAmount(entry.amountMinor, entry.currency));
    setValue(this.currency, entry.currency);
    setValue(this.category, entry.category);
    setValue(this.note, entry.note);
    (this.monthly as HTMLInputElement).checked = entry.recurrence === 'monthly';
    this.save.textContent = 'Save';
    this.cancel.hidden = false;
    this.root.setAttribute('aria-label', `Edit the expense of ${entry.date}`);
    (this.amount as HTMLElement).focus();
  }

  stopEditing(): void {
    this.editing = undefined;
    this.save.textContent = 'Add';
    this.cancel.hidden = true;
    this.root.setAttribute('aria-label', 'Add an expense');
    setValue(this.amount, '');
    setValue(this.note, '');
  }

  /** The id being edited, if any: the extension's answer may show it was deleted elsewhere. */
  get editingId(): string | undefined {
    return this.editing?.id;
  }

  private submit(): void {
    const currency = fieldValue(this.currency).trim().toUpperCase();
    const problems: string[] = [];
    const date = fieldValue(this.date).trim();
    const dateProblem = isoDateProblem(date);
    if (dateProblem) problems.push(`Date: ${dateProblem}.`);
    const currencyIssue = currencyProblem(currency);
    if (currencyIssue) problems.push(`Currency: ${currencyIssue}.`);
    const amount = currencyIssue ? undefined : parseAmount(fieldValue(this.amount), currency);
    if (amount && 'problem' in amount) problems.push(`Amount: ${amount.problem}.`);
    const category = fieldValue(this.category).trim();
    if (category === '') problems.push('Category: give one, such as hosting.');
    if (problems.length > 0 || !amount || 'problem' in amount) {
      this.events.problem(problems.join(' '));
      return;
    }
    const fields: ExpenseFields = { date, amountMinor: amount.minor, currency, category, note: fieldValue(this.note) };
    if ((this.monthly as HTMLInputElement).checked) fields.recurrence = 'monthly';
    if (this.editing?.link) fields.link = this.editing.link;
    this.events.submit(fields, this.editing?.id);
    if (this.editing) this.stopEditing();
    else {
      setValue(this.amount, '');
      setValue(this.note, '');
      (this.amount as HTMLElement).focus();
    }
  }
}
