// The Expenses panel's script, in the webview. It shows what the extension sends (every message
// checked against panel-messages.schema.json first) and asks the extension for each change; the
// extension saves. Its view settings survive a reload through the webview state.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import 'uplot/dist/uPlot.min.css';
import './expenses.css';
import type { ExpenseEntry, ExpensesToExtension } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { addDays, firstOfMonth, localIsoDate } from '../model/calendar-dates';
import { type Granularity, mainCurrency, spendSeries, totalsByCurrency } from '../model/expense-aggregation';
import { displayAmount } from '../model/money';
import { element, setValue, fieldValue } from './dom';
import { BudgetSection } from './budget-section';
import { ExpenseForm } from './expense-form';
import { ExpenseTable } from './expense-table';
import { SpendChart } from './spend-chart';

interface VsCodeApi {
  postMessage(message: ExpensesToExtension): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PanelState {
  granularity: Granularity;
  currency?: string;
  /** The budget charted in the Budgets section. */
  budget?: string;
}

const vscode = acquireVsCodeApi();
const saved = vscode.getState() as Partial<PanelState> | undefined;
const state: PanelState = {
  granularity: saved?.granularity === 'daily' ? 'daily' : 'monthly',
  currency: saved?.currency,
  budget: typeof saved?.budget === 'string' ? saved.budget : undefined,
};
const today = new Date().toISOString().slice(0, 10);
let entries: ExpenseEntry[] = [];

const status = element('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const totals = element('p', { id: 'totals', 'aria-label': 'Totals per currency' });
const form = new ExpenseForm(
  {
    submit: (fields, editing) => send(editing ? { type: 'edit', id: editing, fields } : { type: 'add', fields }),
    problem: (message) => showStatus(message, true),
  },
  today,
);
const table = new ExpenseTable({ edit: (entry) => form.edit(entry), delete: (entry) => send({ type: 'delete', id: entry.id }) });
const chartElement = element('div', { id: 'spend-chart', role: 'img' });
const chart = new SpendChart(chartElement);
const currencyPicker = element('vscode-single-select', { id: 'chart-currency', 'aria-label': 'Currency of the chart' });
const granularityPicker = element(
  'vscode-single-select',
  { id: 'chart-granularity', 'aria-label': 'Spend per' },
  element('vscode-option', { value: 'monthly' }, 'Per month'),
  element('vscode-option', { value: 'daily' }, 'Per day'),
);
const undo = element('vscode-button', { id: 'undo', secondary: true, disabled: true, title: 'Undo (Ctrl+Z)' }, 'Undo');
const importCsv = element('vscode-button', { id: 'import-csv', secondary: true }, 'Import CSV…');
const exportCsv = element('vscode-button', { id: 'export-csv', secondary: true }, 'Export CSV…');
// Budgets are per month where the user is, so the section's today is their local day.
const budgets = new BudgetSection(
  {
    send,
    selected: (budgetId) => {
      state.budget = budgetId;
      vscode.setState(state);
    },
  },
  localIsoDate(new Date()),
  state.budget,
);

document.body.append(
  element(
    'main',
    {},
    element('h1', {}, 'Expenses'),
    totals,
    form.root,
    element('div', { class: 'toolbar' }, currencyPicker, granularityPicker, undo, importCsv, exportCsv),
    chartElement,
    budgets.root,
    table.root,
    status,
  ),
);

function send(message: ExpensesToExtension): void {
  showStatus('', false);
  vscode.postMessage(message);
}

function showStatus(message: string, problem: boolean): void {
  status.textContent = message;
  status.classList.toggle('problem', problem);
}

function render(): void {
  const codes = [...totalsByCurrency(entries).keys()];
  if (!state.currency || !codes.includes(state.currency)) state.currency = mainCurrency(entries);
  totals.textContent =
    codes.length === 0
      ? 'No expenses yet.'
      : `Total: ${[...totalsByCurrency(entries)].map(([currency, minor]) => displayAmount(Number(minor), currency)).join(' · ')}`;
  currencyPicker.replaceChildren(...codes.map((code) => element('vscode-option', { value: code }, code)));
  if (state.currency) setValue(currencyPicker, state.currency);
  setValue(granularityPicker, state.granularity);
  table.show(entries);
  budgets.showSpend(entries);
  const from = state.granularity === 'monthly' ? firstOfMonth(today, -11) : addDays(today, -30);
  if (state.currency) chart.draw(spendSeries(entries, { currency: state.currency, granularity: state.granularity, from, through: today }));
  vscode.setState(state);
}

window.addEventListener('message', (event: MessageEvent) => {
  const check = checkPanelMessage('ExpensesToPanel', event.data);
  if (!check.ok) {
    console.error(check.problem);
    return;
  }
  const message = check.message;
  if (message.type === 'error') {
    showStatus(message.message, true);
    return;
  }
  // Drawn by the spend sources' part of the panel once they exist (issue 10); budgets count it.
  if (message.type === 'derivedSpend') {
    budgets.showDerived(message.lines);
    return;
  }
  if (message.type === 'budgets') {
    budgets.showBudgets(message.budgets, message.exchangeRates, message.focus);
    return;
  }
  entries = message.entries;
  undo.toggleAttribute('disabled', !message.canUndo);
  if (form.editingId && !entries.some((entry) => entry.id === form.editingId)) form.stopEditing();
  render();
});

currencyPicker.addEventListener('change', () => {
  state.currency = fieldValue(currencyPicker);
  render();
});
granularityPicker.addEventListener('change', () => {
  state.granularity = fieldValue(granularityPicker) === 'daily' ? 'daily' : 'monthly';
  render();
});
undo.addEventListener('click', () => send({ type: 'undo' }));
importCsv.addEventListener('click', () => send({ type: 'importCsv' }));
exportCsv.addEventListener('click', () => send({ type: 'exportCsv' }));
// Ctrl+Z undoes the last change, except in a text field, where it undoes typing.
window.addEventListener('keydown', (event) => {
  const inField = (event.target as Element | null)?.localName === 'vscode-textfield';
  if (
    (event.ctrlKey || event.metaKey) &&
    !event.shiftKey &&
    event.key.toLowerCase() === 'z' &&
    !inField &&
    !undo.hasAttribute('disabled')
  ) {
    event.preventDefault();
    send({ type: 'undo' });
  }
});

vscode.postMessage({ type: 'ready' });
