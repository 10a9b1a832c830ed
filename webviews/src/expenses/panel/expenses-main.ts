// The Expenses panel's script, in the webview. It shows what the extension sends (every message
// checked against panel-messages.schema.json first) and asks the extension for each change; the
// extension saves. Its view settings survive a reload through the webview state.
import './script-start-mark';
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
import '../../panels/panel.css';
import './expenses.css';
import type { DerivedSpend, ExpenseEntry, ExpensesToExtension } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { addDays, firstOfMonth, localIsoDate } from '../model/calendar-dates';
import { type TableView, prepareSearch, sortedBy, tableViewOf } from '../model/expense-table-view';
import { type Granularity, mainCurrency, spendSeries, totalsByCurrency } from '../model/expense-aggregation';
import { displayAmount } from '../model/money';
import { sameExpenses } from '../model/same-expenses';
import { element, setValue, fieldValue } from '../../panels/dom';
import { undoOnShortcut } from '../../panels/undo-shortcut';
import { BudgetSection } from './budget-section';
import { DerivedSpendRows, derivedAsEntries } from './derived-spend-rows';
import { ExpenseForm } from './expense-form';
import { ExpenseTable } from './expense-table';
import { SpendChart } from './spend-chart';
import { TableFilter } from './table-filter';

// Read by the benchmark: every imported module has run (the web components are defined).
performance.mark('expenses:modules-loaded');

interface VsCodeApi {
  postMessage(message: ExpensesToExtension): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PanelState {
  granularity: Granularity;
  currency?: string;
  table: TableView;
  /** The budget charted in the Budgets section. */
  budget?: string;
}

const vscode = acquireVsCodeApi();
const saved = vscode.getState() as Partial<PanelState> | undefined;
const state: PanelState = {
  granularity: saved?.granularity === 'daily' ? 'daily' : 'monthly',
  currency: saved?.currency,
  table: tableViewOf(saved?.table),
  budget: typeof saved?.budget === 'string' ? saved.budget : undefined,
};
const today = new Date().toISOString().slice(0, 10);
let entries: ExpenseEntry[] = [];
let firstRenderMarked = false;
/** Messages received between the first data and the frame that shows it, in order; undefined otherwise. */
let held: unknown[] | undefined;
/** Whether the answer to `ready` may still come after the copy the extension sent at creation. */
let answerToReady = true;
/** The currencies of the entries and the computed spend, as the last render found them. */
let currencies: string[] = [];
// Computed spend (local labs, clouds): counted in the totals and the chart, never saved.
let derived: ExpenseEntry[] = [];

const status = element('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const totals = element('p', { id: 'totals', 'aria-label': 'Totals per currency' });
const form = new ExpenseForm(
  {
    submit: (fields, editing) => send(editing ? { type: 'edit', id: editing, fields } : { type: 'add', fields }),
    problem: (message) => showStatus(message, true),
  },
  today,
);
const table = new ExpenseTable({
  edit: (entry) => form.edit(entry),
  delete: (entry) => send({ type: 'delete', id: entry.id }),
  sort: (column) => showTable({ ...state.table, sort: sortedBy(state.table, column).sort }),
});
const tableFilter = new TableFilter((filter) => showTable({ ...state.table, filter }));
const derivedRows = new DerivedSpendRows();
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

// What lies below the chart (budgets, the filter, the table: dozens of web components) joins the
// page in the frame after the first chart, so the first layout is the chart's alone.
const belowChart = [budgets.root, element('div', { class: 'toolbar' }, tableFilter.root, table.count), table.root, derivedRows.root];
document.body.append(
  element(
    'main',
    {},
    element('h1', {}, 'Expenses'),
    totals,
    form.root,
    element('div', { class: 'toolbar' }, currencyPicker, granularityPicker, undo, importCsv, exportCsv),
    chartElement,
    status,
  ),
);

/** Puts the budgets and the table in the page, once: after the first chart, or at a message that needs them. */
function showBelowChart(): void {
  if (!budgets.root.isConnected) status.before(...belowChart);
}

function send(message: ExpensesToExtension): void {
  showStatus('', false);
  vscode.postMessage(message);
}

function showStatus(message: string, problem: boolean): void {
  status.textContent = message;
  status.classList.toggle('problem', problem);
}

/** Draws the totals, the chart, the budgets' spend and the table; the first time, the table waits for the frame with the chart. */
function render(): void {
  const counted = [...entries, ...derived];
  const sums = totalsByCurrency(counted);
  const codes = [...sums.keys()];
  currencies = codes;
  if (!state.currency || !codes.includes(state.currency)) state.currency = mainCurrency(counted);
  totals.textContent =
    codes.length === 0
      ? 'No expenses yet.'
      : `Total: ${[...sums].map(([currency, minor]) => displayAmount(Number(minor), currency)).join(' · ')}`;
  currencyPicker.replaceChildren(...codes.map((code) => element('vscode-option', { value: code }, code)));
  if (state.currency) setValue(currencyPicker, state.currency);
  setValue(granularityPicker, state.granularity);
  budgets.showSpend(entries);
  const from = state.granularity === 'monthly' ? firstOfMonth(today, -11) : addDays(today, -30);
  if (state.currency) chart.draw(spendSeries(counted, { currency: state.currency, granularity: state.granularity, from, through: today }));
  vscode.setState(state);
  if (firstRenderMarked) {
    // Also without new entries: redrawing puts a keyboard user's focus back on their row.
    showTable(state.table);
    return;
  }
  firstRenderMarked = true;
  // Read by the benchmark: the frame after the first data was drawn (the chart, when there is spend).
  // The budgets and the table join the page in that frame; the table's rows, in the next task.
  // Messages that come before that frame (the answer to `ready`, budgets, computed spend) wait for it.
  held = [];
  requestAnimationFrame(() => {
    performance.mark('expenses:first-render');
    showBelowChart();
    setTimeout(() => {
      showTable(state.table);
      const waiting = held ?? [];
      held = undefined;
      for (const data of waiting) receive(data);
    });
  });
}

/** Sort and filter redraw the table alone, kept in the panel's state. */
function showTable(view: TableView): void {
  state.table = view;
  tableFilter.show(view.filter, currencies);
  table.show(entries, view);
  vscode.setState(state);
}

function showDerived(lines: DerivedSpend[], problems: string[]): void {
  derived = derivedAsEntries(lines);
  derivedRows.show(lines, problems);
  render();
}

window.addEventListener('message', (event: MessageEvent) => {
  // Read by the benchmark: where the extension's part of the first data ends and the panel's begins.
  if (!firstRenderMarked && performance.getEntriesByName('expenses:entries-arrived').length === 0)
    performance.mark('expenses:entries-arrived');
  if (held) held.push(event.data);
  else receive(event.data);
});

/** A message from the extension, checked, then shown. */
function receive(data: unknown): void {
  const check = checkPanelMessage('ExpensesToPanel', data);
  if (!check.ok) {
    console.error(check.problem);
    return;
  }
  const message = check.message;
  if (!firstRenderMarked && performance.getEntriesByName('expenses:entries-checked').length === 0)
    performance.mark('expenses:entries-checked');
  if (message.type !== 'entries') showBelowChart();
  if (message.type === 'error') {
    showStatus(message.message, true);
    return;
  }
  if (message.type === 'derivedSpend') {
    // Budgets count computed spend too.
    budgets.showDerived(message.lines);
    showDerived(message.lines, message.problems);
    return;
  }
  if (message.type === 'budgets') {
    budgets.showBudgets(message.budgets, message.exchangeRates, message.focus);
    return;
  }
  undo.toggleAttribute('disabled', !message.canUndo);
  // The copy the extension sent at creation and the answer to `ready` are often the same.
  if (answerToReady && firstRenderMarked) {
    answerToReady = false;
    if (sameExpenses(entries, message.entries)) return;
  }
  entries = message.entries;
  if (form.editingId && !entries.some((entry) => entry.id === form.editingId)) form.stopEditing();
  render();
  const arrived = entries;
  requestIdleCallback(() => prepareSearch(arrived));
}

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
undoOnShortcut(undo, () => send({ type: 'undo' }));

// Read by the benchmark: the panel's script is ready, the extension's part starts.
performance.mark('expenses:ready-posted');
vscode.postMessage({ type: 'ready' });
