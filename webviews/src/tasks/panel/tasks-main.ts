// The Tasks panel's script, in the webview: the board and the roadmaps. It shows what the
// extension sends (every message checked against panel-messages.schema.json first) and asks the
// extension for each change; the extension saves. The view, label filter and roadmap shown
// survive a reload through the webview state.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../../panels/panel.css';
import './tasks.css';
import type { Roadmap, Task, TasksToExtension } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { element, fieldValue, setValue } from '../../panels/dom';
import { undoOnShortcut } from '../../panels/undo-shortcut';
import { columnOf, statusTitles } from '../model/task-order';
import { RoadmapView } from './roadmap-view';
import { TaskBoardView } from './task-board';
import { TaskForm } from './task-form';

interface VsCodeApi {
  postMessage(message: TasksToExtension): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PanelState {
  view: 'board' | 'roadmaps';
  label?: string;
  roadmapId?: string;
}

const vscode = acquireVsCodeApi();
const saved = vscode.getState() as Partial<PanelState> | undefined;
const state: PanelState = {
  view: saved?.view === 'roadmaps' ? 'roadmaps' : 'board',
  label: typeof saved?.label === 'string' ? saved.label : undefined,
  roadmapId: typeof saved?.roadmapId === 'string' ? saved.roadmapId : undefined,
};
let tasks: Task[] = [];
let roadmaps: Roadmap[] = [];
/** The card a keyboard or mouse move is waiting on: announced and focused when the board comes back. */
let moving: { id: string; focus: boolean } | undefined;
/** A sync asked for and not yet answered: its status line stays until the board comes back. */
let syncing = false;

const status = element('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const form = new TaskForm({
  submit: (fields, editing) => send(editing ? { type: 'editTask', id: editing, fields } : { type: 'addTask', fields }),
  problem: (message) => showStatus(message, true),
});
const board = new TaskBoardView({
  move: (task, to, beforeId) => {
    moving = { id: task.id, focus: Boolean(document.activeElement?.closest('.card')) };
    send(beforeId ? { type: 'moveTask', id: task.id, status: to, beforeId } : { type: 'moveTask', id: task.id, status: to });
  },
  edit: (task) => form.edit(task),
  delete: (task) => send({ type: 'deleteTask', id: task.id }),
});
const roadmapView = new RoadmapView({
  addRoadmap: (name) => send({ type: 'addRoadmap', name }),
  deleteRoadmap: (roadmap) => send({ type: 'deleteRoadmap', id: roadmap.id }),
  addMilestone: (roadmap, fields) => send({ type: 'addMilestone', roadmapId: roadmap.id, fields }),
  editMilestone: (roadmap, id, fields) => send({ type: 'editMilestone', roadmapId: roadmap.id, id, fields }),
  deleteMilestone: (roadmap, id) => send({ type: 'deleteMilestone', roadmapId: roadmap.id, id }),
  pick: (id) => {
    state.roadmapId = id;
    render();
  },
  problem: (message) => showStatus(message, true),
});
const labelFilter = element('vscode-single-select', { id: 'label-filter', 'aria-label': 'Show the tasks with the label' });
const boardTab = element('vscode-button', { id: 'show-board', secondary: true }, 'Board');
const roadmapsTab = element('vscode-button', { id: 'show-roadmaps', secondary: true }, 'Roadmaps');
const undo = element('vscode-button', { id: 'undo', secondary: true, disabled: true, title: 'Undo (Ctrl+Z)' }, 'Undo');
const sync = element(
  'vscode-button',
  { id: 'sync', secondary: true, title: 'Sync the tasks and roadmaps with the chosen GitHub repositories' },
  'Sync with GitHub',
);
const boardSection = element(
  'section',
  { id: 'board-view', 'aria-label': 'Board' },
  form.root,
  element('div', { class: 'toolbar' }, element('label', { class: 'field inline' }, element('span', {}, 'Label'), labelFilter)),
  element(
    'p',
    { class: 'hint' },
    'Drag a card, or focus it and press Alt+←/→ to change column, Alt+↑/↓ to reorder, Enter to edit, Delete to delete.',
  ),
  board.root,
);

document.body.append(
  element(
    'main',
    {},
    element('div', { class: 'header' }, element('h1', {}, 'Tasks'), boardTab, roadmapsTab, undo, sync),
    boardSection,
    roadmapView.root,
    status,
  ),
);

function send(message: TasksToExtension): void {
  showStatus('', false);
  vscode.postMessage(message);
}

function showStatus(message: string, problem: boolean): void {
  status.textContent = message;
  status.classList.toggle('problem', problem);
}

function render(focusId?: string): void {
  const labels = [...new Set(tasks.flatMap((task) => task.labels))].sort();
  if (state.label !== undefined && !labels.includes(state.label)) state.label = undefined;
  labelFilter.replaceChildren(
    element('vscode-option', { value: '' }, 'All labels'),
    ...labels.map((label) => element('vscode-option', { value: label }, label)),
  );
  setValue(labelFilter, state.label ?? '');
  boardSection.hidden = state.view !== 'board';
  roadmapView.root.hidden = state.view !== 'roadmaps';
  boardTab.toggleAttribute('secondary', state.view !== 'board');
  roadmapsTab.toggleAttribute('secondary', state.view !== 'roadmaps');
  boardTab.setAttribute('aria-pressed', String(state.view === 'board'));
  roadmapsTab.setAttribute('aria-pressed', String(state.view === 'roadmaps'));
  form.showRoadmaps(roadmaps);
  board.show(tasks, roadmaps, state.label, focusId);
  roadmapView.show(roadmaps, tasks, state.roadmapId);
  vscode.setState(state);
}

/** "Moved Deploy to Doing, 2 of 3.": what a screen reader hears after a move. */
function announceMove(id: string): void {
  const task = tasks.find((candidate) => candidate.id === id);
  if (!task) return;
  const column = columnOf(tasks, task.status);
  const place = column.findIndex((other) => other.id === id) + 1;
  showStatus(`Moved ${task.title} to ${statusTitles[task.status]}, ${place} of ${column.length}.`, false);
}

window.addEventListener('message', (event: MessageEvent) => {
  const check = checkPanelMessage('TasksToPanel', event.data);
  if (!check.ok) {
    console.error(check.problem);
    return;
  }
  const message = check.message;
  const synced = syncing;
  syncing = false;
  if (message.type === 'error') {
    moving = undefined;
    showStatus(message.message, true);
    return;
  }
  tasks = message.tasks;
  roadmaps = message.roadmaps;
  undo.toggleAttribute('disabled', !message.canUndo);
  if (form.editingId && !tasks.some((task) => task.id === form.editingId)) form.stopEditing();
  const moved = moving;
  moving = undefined;
  render(moved?.focus ? moved.id : undefined);
  if (moved) announceMove(moved.id);
  if (synced) showStatus('Sync with GitHub ended; its outcome is in the notification.', false);
});

labelFilter.addEventListener('change', () => {
  state.label = fieldValue(labelFilter) || undefined;
  render();
});
for (const [tab, view] of [
  [boardTab, 'board'],
  [roadmapsTab, 'roadmaps'],
] as const) {
  tab.addEventListener('click', () => {
    state.view = view;
    render();
  });
}
undo.addEventListener('click', () => send({ type: 'undo' }));
// The sync's outcome shows as VS Code's notification; the board comes back once it has ended.
sync.addEventListener('click', () => {
  send({ type: 'sync' });
  syncing = true;
  showStatus('Syncing with GitHub…', false);
});
undoOnShortcut(undo, () => send({ type: 'undo' }));

vscode.postMessage({ type: 'ready' });
