// The form that adds or edits a budget, and the one that sets an exchange rate. Each is checked
// here by the model's own rules for a quick answer, and again by the extension, which saves.
import type { Budget, BudgetFields, ExchangeRate } from '@vlm/schemas';
import { budgetFieldsProblems, budgetLabel } from '../model/budgets';
import { exchangeRateProblems, parseRate } from '../model/exchange-rates';
import { currencyProblem, formatAmount, parseAmount } from '../model/money';
import { element, fieldValue, setValue } from '../../panels/dom';

export interface BudgetFormEvents {
  saveBudget(fields: BudgetFields, editing: string | undefined): void;
  saveRate(rate: ExchangeRate): void;
  problem(message: string): void;
}

const labelled = (text: string, field: HTMLElement) => element('label', { class: 'field' }, element('span', {}, text), field);

/** Enter in a text field of `form` runs `submit`, as in a native form. */
function submitOnEnter(form: HTMLElement, submit: () => void): void {
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.target as Element).localName === 'vscode-textfield') {
      event.preventDefault();
      submit();
    }
  });
  form.addEventListener('submit', (event) => event.preventDefault());
}

export class BudgetForm {
  readonly root: HTMLElement;
  readonly rateRoot: HTMLElement;
  private readonly scope = element(
    'vscode-single-select',
    { id: 'budget-scope', 'aria-label': 'Budget for' },
    element('vscode-option', { value: 'all' }, 'All spend'),
    element('vscode-option', { value: 'category' }, 'A category'),
    element('vscode-option', { value: 'provider' }, 'A provider'),
  );
  private readonly match = element('vscode-textfield', {
    id: 'budget-match',
    maxlength: '200',
    'aria-label': 'Category or provider',
    disabled: true,
  });
  private readonly amount = element('vscode-textfield', { id: 'budget-amount', placeholder: '100.00', 'aria-label': 'Limit per month' });
  private readonly currency = element('vscode-textfield', {
    id: 'budget-currency',
    maxlength: '3',
    placeholder: 'EUR',
    'aria-label': 'Budget currency',
  });
  private readonly save = element('vscode-button', { id: 'budget-save' }, 'Add budget');
  private readonly cancel = element('vscode-button', { id: 'budget-cancel', secondary: true, hidden: true }, 'Cancel');
  private readonly rateFrom = element('vscode-textfield', {
    id: 'rate-from',
    maxlength: '3',
    placeholder: 'USD',
    'aria-label': 'Rate from currency',
  });
  private readonly rateTo = element('vscode-textfield', {
    id: 'rate-to',
    maxlength: '3',
    placeholder: 'EUR',
    'aria-label': 'Rate to currency',
  });
  private readonly rateValue = element('vscode-textfield', {
    id: 'rate-value',
    placeholder: '0.92',
    'aria-label': 'Units of the second currency for one of the first',
  });
  private editing: Budget | undefined;

  constructor(private readonly events: BudgetFormEvents) {
    setValue(this.currency, 'EUR');
    this.root = element(
      'form',
      { class: 'expense-form', id: 'budget-form', 'aria-label': 'Add a budget' },
      labelled('Budget for', this.scope),
      labelled('Category or provider', this.match),
      labelled('Limit per month', this.amount),
      labelled('Currency', this.currency),
      element('div', { class: 'actions' }, this.save, this.cancel),
    );
    const setRate = element('vscode-button', { id: 'rate-save', secondary: true }, 'Set rate');
    this.rateRoot = element(
      'form',
      { class: 'expense-form', id: 'rate-form', 'aria-label': 'Set an exchange rate' },
      labelled('1 unit of', this.rateFrom),
      labelled('is worth', this.rateValue),
      labelled('of', this.rateTo),
      element('div', { class: 'actions' }, setRate),
    );
    this.scope.addEventListener('change', () => this.scopeChanged());
    this.save.addEventListener('click', () => this.submit());
    this.cancel.addEventListener('click', () => this.stopEditing());
    setRate.addEventListener('click', () => this.submitRate());
    submitOnEnter(this.root, () => this.submit());
    submitOnEnter(this.rateRoot, () => this.submitRate());
  }

  edit(budget: Budget): void {
    this.editing = budget;
    setValue(this.scope, budget.scope);
    setValue(this.match, budget.match ?? '');
    setValue(this.amount, formatAmount(budget.amountMinor, budget.currency));
    setValue(this.currency, budget.currency);
    this.scopeChanged();
    this.save.textContent = 'Save budget';
    this.cancel.hidden = false;
    this.root.setAttribute('aria-label', `Edit the budget ${budgetLabel(budget)}`);
    this.amount.focus();
  }

  stopEditing(): void {
    this.editing = undefined;
    this.save.textContent = 'Add budget';
    this.cancel.hidden = true;
    this.root.setAttribute('aria-label', 'Add a budget');
    setValue(this.amount, '');
  }

  get editingId(): string | undefined {
    return this.editing?.id;
  }

  private scopeChanged(): void {
    const all = fieldValue(this.scope) === 'all';
    this.match.toggleAttribute('disabled', all);
    if (all) setValue(this.match, '');
    (this.match as HTMLInputElement).placeholder = fieldValue(this.scope) === 'provider' ? 'aws-main' : all ? '' : 'hosting';
  }

  private submit(): void {
    const currency = fieldValue(this.currency).trim().toUpperCase();
    const currencyIssue = currencyProblem(currency);
    const amount = currencyIssue ? undefined : parseAmount(fieldValue(this.amount), currency);
    const scope = fieldValue(this.scope) as BudgetFields['scope'];
    const fields: BudgetFields = { scope, amountMinor: amount && 'minor' in amount ? amount.minor : 0, currency };
    if (scope !== 'all') fields.match = fieldValue(this.match).trim();
    const problems = budgetFieldsProblems(fields);
    if (amount && 'problem' in amount) problems.unshift(`amount: ${amount.problem}`);
    if (problems.length > 0) {
      this.events.problem(`The budget was not saved: ${problems.join('; ')}.`);
      return;
    }
    this.events.saveBudget(fields, this.editing?.id);
    this.stopEditing();
  }

  private submitRate(): void {
    const parsed = parseRate(fieldValue(this.rateValue));
    const rate: ExchangeRate = {
      from: fieldValue(this.rateFrom).trim().toUpperCase(),
      to: fieldValue(this.rateTo).trim().toUpperCase(),
      rateMicros: 'rateMicros' in parsed ? parsed.rateMicros : 1,
    };
    const problems = exchangeRateProblems(rate);
    if ('problem' in parsed) problems.push(`rate: ${parsed.problem}`);
    if (problems.length > 0) {
      this.events.problem(`The exchange rate was not saved: ${problems.join('; ')}.`);
      return;
    }
    this.events.saveRate(rate);
    setValue(this.rateValue, '');
  }
}
