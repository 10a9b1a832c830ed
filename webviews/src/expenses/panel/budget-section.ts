// The Budgets section of the Expenses panel: each budget's month (spent, forecast, share of the
// limit), "this month against budget" for the selected one, and the exchange rates. A budget row
// takes focus with Tab; focusing it charts it, Enter edits it, Delete deletes it.
import type { Budget, DerivedSpend, ExchangeRate, ExpenseEntry, ExpensesToExtension } from '@vlm/schemas';
import { budgetStatuses } from '../model/budget-alerts';
import { budgetLabel } from '../model/budgets';
import { formatRate } from '../model/exchange-rates';
import { type BudgetStatus, percentOf } from '../model/forecast';
import { displayAmount, formatAmount } from '../model/money';
import { BudgetChart } from './budget-chart';
import { BudgetForm } from './budget-form';
import { element } from '../../panels/dom';

export interface BudgetSectionEvents {
  send(message: ExpensesToExtension): void;
  /** The budget charted changed: the panel keeps it across reloads. */
  selected(budgetId: string | undefined): void;
}

const columns = ['Budget', 'Limit', 'Spent', 'Forecast', ''];

export class BudgetSection {
  readonly root: HTMLElement;
  private readonly form: BudgetForm;
  private readonly body = element('vscode-table-body', { slot: 'body' });
  private readonly chartElement = element('div', { id: 'budget-chart', role: 'img' });
  private readonly chart = new BudgetChart(this.chartElement);
  private readonly leftOut = element('p', { id: 'budget-left-out', class: 'description' });
  private readonly rates = element('ul', { id: 'rate-list', 'aria-label': 'Exchange rates' });
  private readonly status = element('div', { id: 'budget-status', role: 'status', 'aria-live': 'polite', class: 'problem' });
  private budgets: Budget[] = [];
  private exchangeRates: ExchangeRate[] = [];
  private entries: readonly ExpenseEntry[] = [];
  private derived: readonly DerivedSpend[] = [];

  constructor(
    private readonly events: BudgetSectionEvents,
    private readonly today: string,
    private selectedId: string | undefined,
  ) {
    this.form = new BudgetForm({
      saveBudget: (fields, editing) => this.send(editing ? { type: 'saveBudget', id: editing, fields } : { type: 'saveBudget', fields }),
      saveRate: (rate) => this.send({ type: 'saveRate', rate }),
      problem: (message) => {
        this.status.textContent = message;
      },
    });
    const table = element(
      'vscode-table',
      { id: 'budget-table', zebra: true, 'bordered-rows': true, columns: '["auto","8em","10em","10em","9.5em"]', 'aria-label': 'Budgets' },
      element('vscode-table-header', { slot: 'header' }, ...columns.map((title) => element('vscode-table-header-cell', {}, title))),
      this.body,
    );
    this.root = element(
      'section',
      { id: 'budgets', 'aria-labelledby': 'budgets-heading' },
      element('h2', { id: 'budgets-heading' }, `Budgets for ${today.slice(0, 7)}`),
      this.form.root,
      this.status,
      table,
      this.chartElement,
      this.leftOut,
      element('h3', {}, 'Exchange rates'),
      element('p', { class: 'description' }, 'Spend in another currency counts against a budget only with a rate you set.'),
      this.form.rateRoot,
      this.rates,
    );
  }

  /** Every budget and rate, after a change; `focus` brings a budget into view (an alert's button). */
  showBudgets(budgets: Budget[], rates: ExchangeRate[], focus?: string): void {
    this.budgets = budgets;
    this.exchangeRates = rates;
    this.status.textContent = '';
    if (this.form.editingId && !budgets.some((budget) => budget.id === this.form.editingId)) this.form.stopEditing();
    if (focus) this.select(focus);
    this.render();
    this.showRates();
    if (focus) {
      const row = this.body.querySelector<HTMLElement>(`[data-id="${CSS.escape(focus)}"]`);
      row?.scrollIntoView({ block: 'center' });
      row?.focus();
    }
  }

  private send(message: ExpensesToExtension): void {
    this.status.textContent = '';
    this.events.send(message);
  }

  showSpend(entries: readonly ExpenseEntry[]): void {
    this.entries = entries;
    this.render();
  }

  showDerived(lines: readonly DerivedSpend[]): void {
    this.derived = lines;
    this.render();
  }

  private select(budgetId: string | undefined): void {
    if (budgetId === this.selectedId) return;
    this.selectedId = budgetId;
    this.events.selected(budgetId);
  }

  private render(): void {
    const statuses = budgetStatuses(
      { expenses: [...this.entries], budgets: this.budgets, budgetAlerts: [], exchangeRates: this.exchangeRates },
      this.derived,
      this.today,
    );
    if (!statuses.some((status) => status.budget.id === this.selectedId)) this.select(statuses[0]?.budget.id);
    const focused = document.activeElement ? [...this.body.children].indexOf(document.activeElement) : -1;
    this.body.replaceChildren(...statuses.map((status) => this.row(status)));
    if (focused >= 0) (this.body.children[Math.min(focused, this.body.children.length - 1)] as HTMLElement | undefined)?.focus();
    if (statuses.length === 0) {
      this.body.append(element('vscode-table-row', {}, element('vscode-table-cell', { class: 'empty' }, 'No budgets yet: add one above.')));
    }
    const selected = statuses.find((status) => status.budget.id === this.selectedId);
    this.chart.draw(selected);
    this.leftOut.textContent =
      selected && selected.leftOut.length > 0
        ? `Not counted in ${budgetLabel(selected.budget)}, for want of a rate to ${selected.budget.currency}: ` +
          `${selected.leftOut.map((part) => `${formatAmount(part.minor, part.currency)} ${part.currency}`).join(', ')}. Set a rate below.`
        : '';
  }

  private row(status: BudgetStatus): HTMLElement {
    const { budget } = status;
    const label = budgetLabel(budget);
    const share = (minor: number) => `${displayAmount(minor, budget.currency)} (${percentOf(minor, budget)}%)`;
    const edit = element('vscode-button', { secondary: true, 'aria-label': `Edit the budget ${label}` }, 'Edit');
    const remove = element('vscode-button', { secondary: true, 'aria-label': `Delete the budget ${label}` }, 'Delete');
    edit.addEventListener('click', () => this.form.edit(budget));
    remove.addEventListener('click', () => this.events.send({ type: 'deleteBudget', id: budget.id }));
    const percent = percentOf(status.spentMinor, budget);
    const row = element(
      'vscode-table-row',
      {
        tabindex: '0',
        'data-id': budget.id,
        class: percent >= 100 ? 'over' : percent >= 80 ? 'near' : undefined,
        'aria-selected': budget.id === this.selectedId ? 'true' : 'false',
        'aria-label': `${label}: ${share(status.spentMinor)} spent of ${displayAmount(budget.amountMinor, budget.currency)}, forecast ${share(status.forecastMinor)}`,
      },
      element('vscode-table-cell', {}, label),
      element('vscode-table-cell', { class: 'amount' }, displayAmount(budget.amountMinor, budget.currency)),
      element('vscode-table-cell', { class: 'amount' }, share(status.spentMinor)),
      element('vscode-table-cell', { class: 'amount' }, share(status.forecastMinor)),
      element('vscode-table-cell', { class: 'row-actions' }, edit, remove),
    );
    const chartThis = () => {
      if (budget.id === this.selectedId) return;
      this.select(budget.id);
      this.render();
    };
    row.addEventListener('focus', chartThis);
    row.addEventListener('click', chartThis);
    row.addEventListener('keydown', (event) => {
      if (event.target !== row) return;
      if (event.key === 'Delete') {
        event.preventDefault();
        this.events.send({ type: 'deleteBudget', id: budget.id });
      } else if (event.key === 'Enter') {
        event.preventDefault();
        this.form.edit(budget);
      }
    });
    return row;
  }

  private showRates(): void {
    this.rates.replaceChildren(
      ...this.exchangeRates.map((rate) => {
        const text = `1 ${rate.from} = ${formatRate(rate.rateMicros)} ${rate.to}`;
        const remove = element('vscode-button', { secondary: true, 'aria-label': `Delete the rate ${text}` }, 'Delete');
        remove.addEventListener('click', () => this.events.send({ type: 'deleteRate', from: rate.from, to: rate.to }));
        return element('li', {}, element('span', {}, text), remove);
      }),
    );
  }
}
