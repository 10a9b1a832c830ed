// The Tools panel's script, in the webview. It shows what the extension sends (every message
// checked against panel-messages.schema.json first) and asks the extension for each change, each
// health check and each URL to open. Its filter and selected tool survive a reload (setState).
import '@vscode-elements/elements/dist/vscode-badge/index.js';
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
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../../panels/panel.css';
import './tools.css';
import type { Tool, ToolsToExtension } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { element, fieldValue, setValue } from '../../panels/dom';
import { undoOnShortcut } from '../../panels/undo-shortcut';
import { categoriesOf, filterTools, tagsOf } from '../model/tool-catalog-view';
import { ToolForm } from './tool-form';
import { ToolTable } from './tool-table';

interface VsCodeApi {
  postMessage(message: ToolsToExtension): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PanelState {
  text: string;
  category: string;
  tag: string;
  selected?: string;
}

const vscode = acquireVsCodeApi();
const saved = (vscode.getState() ?? {}) as Partial<Record<keyof PanelState, unknown>>;
const text = (value: unknown) => (typeof value === 'string' ? value : '');
const state: PanelState = {
  text: text(saved.text),
  category: text(saved.category),
  tag: text(saved.tag),
  selected: text(saved.selected) || undefined,
};
let tools: Tool[] = [];

const status = element('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const summary = element('p', { id: 'summary' });
const form = new ToolForm({
  submit: (fields, editing) => send(editing ? { type: 'edit', id: editing, fields } : { type: 'add', fields }),
  problem: (message) => showStatus(message, true),
});
const table = new ToolTable({
  open: (tool) => send({ type: 'open', id: tool.id }),
  edit: (tool) => form.edit(tool),
  delete: (tool) => send({ type: 'delete', id: tool.id }),
  select: (tool) => select(tool.id),
});
const search = element('vscode-textfield', {
  id: 'tool-search',
  type: 'search',
  placeholder: 'Search by name, category or tag',
  'aria-label': 'Search tools',
});
const categoryPicker = element('vscode-single-select', { id: 'filter-category', 'aria-label': 'Category' });
const tagPicker = element('vscode-single-select', { id: 'filter-tag', 'aria-label': 'Tag' });
const checkNow = element('vscode-button', { id: 'check-now', secondary: true }, 'Check now');
const undo = element('vscode-button', { id: 'undo', secondary: true, disabled: true, title: 'Undo (Ctrl+Z)' }, 'Undo');

document.body.append(
  element(
    'main',
    {},
    element('h1', {}, 'Tools'),
    summary,
    form.root,
    element(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Filter and check' },
      search,
      categoryPicker,
      tagPicker,
      checkNow,
      undo,
    ),
    table.root,
    status,
  ),
);
setValue(search, state.text);

function send(message: ToolsToExtension): void {
  showStatus('', false);
  vscode.postMessage(message);
}

function showStatus(message: string, problem: boolean): void {
  status.textContent = message;
  status.classList.toggle('problem', problem);
}

function select(id: string | undefined): void {
  state.selected = id;
  vscode.setState(state);
  for (const row of table.root.querySelectorAll('vscode-table-row[data-id]')) {
    const selected = row.getAttribute('data-id') === id;
    row.setAttribute('aria-selected', String(selected));
    row.classList.toggle('selected', selected);
  }
}

/** A filter select: "All" and each value; a saved value that no longer exists is dropped. */
function fillPicker(picker: HTMLElement, all: string, values: string[], current: string): string {
  const kept = values.includes(current) ? current : '';
  picker.replaceChildren(
    element('vscode-option', { value: '' }, all),
    ...values.map((value) => element('vscode-option', { value }, value)),
  );
  setValue(picker, kept);
  return kept;
}

function render(): void {
  state.category = fillPicker(categoryPicker, 'All categories', categoriesOf(tools), state.category);
  state.tag = fillPicker(tagPicker, 'All tags', tagsOf(tools), state.tag);
  const shown = filterTools(tools, state);
  summary.textContent =
    tools.length === 0 ? 'No tools yet.' : `${shown.length} of ${tools.length} tool${tools.length === 1 ? '' : 's'} shown.`;
  table.show(shown, state.selected, tools.length === 0 ? 'No tools yet: add one above.' : 'No tool matches the filter.');
  vscode.setState(state);
}

window.addEventListener('message', (event: MessageEvent) => {
  const check = checkPanelMessage('ToolsToPanel', event.data);
  if (!check.ok) {
    console.error(check.problem);
    return;
  }
  const message = check.message;
  if (message.type === 'error') {
    showStatus(message.message, true);
    return;
  }
  tools = message.tools;
  undo.toggleAttribute('disabled', !message.canUndo);
  checkNow.toggleAttribute('disabled', message.checking);
  checkNow.textContent = message.checking ? 'Checking…' : 'Check now';
  if (form.editingId && !tools.some((tool) => tool.id === form.editingId)) form.stopEditing();
  render();
});

search.addEventListener('input', () => {
  state.text = fieldValue(search);
  render();
});
categoryPicker.addEventListener('change', () => {
  state.category = fieldValue(categoryPicker);
  render();
});
tagPicker.addEventListener('change', () => {
  state.tag = fieldValue(tagPicker);
  render();
});
checkNow.addEventListener('click', () => send({ type: 'checkNow' }));
undo.addEventListener('click', () => send({ type: 'undo' }));
undoOnShortcut(undo, () => send({ type: 'undo' }));

vscode.postMessage({ type: 'ready' });
