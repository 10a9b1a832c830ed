// The board: three columns of cards. A card moves by drag and drop, or by keyboard on a focused
// card: Alt+Left/Right to the next column, Alt+Up/Down one place; Enter edits, Delete deletes.
// Each move is a request (column and the task to go before); the extension saves it.
import type { Roadmap, Task } from '@vlm/schemas';
import { element } from '../../panels/dom';
import { type TaskStatus, columnOf, statusTitles, taskStatuses } from '../model/task-order';

export interface TaskBoardEvents {
  move(task: Task, status: TaskStatus, beforeId: string | undefined): void;
  edit(task: Task): void;
  delete(task: Task): void;
}

const dragType = 'application/x-vlm-task';

export class TaskBoardView {
  readonly root = element('div', { id: 'board', class: 'board' });
  private tasks: readonly Task[] = [];
  private dragged: Task | undefined;
  private label: string | undefined;

  constructor(private readonly events: TaskBoardEvents) {}

  /** Draws the columns; with a label, only its tasks. Focus returns to the card `focusId`. */
  show(tasks: readonly Task[], roadmaps: readonly Roadmap[], label: string | undefined, focusId?: string): void {
    this.tasks = tasks;
    this.label = label;
    const milestones = new Map(roadmaps.flatMap((roadmap) => roadmap.milestones.map((milestone) => [milestone.id, milestone.title])));
    const columns = taskStatuses.map((status) => {
      const cards = this.visible(status, label).map((task) => this.card(task, milestones));
      const list = element('ul', { class: 'cards', 'aria-label': statusTitles[status] }, ...cards);
      const column = element(
        'section',
        { class: 'column', 'data-status': status, 'aria-label': `${statusTitles[status]}, ${cards.length} task(s)` },
        element('h2', {}, `${statusTitles[status]} `, element('span', { class: 'count' }, String(cards.length))),
        list,
      );
      this.acceptDrops(column, list, status, label);
      return column;
    });
    this.root.replaceChildren(...columns);
    if (focusId) (this.root.querySelector(`[data-id="${CSS.escape(focusId)}"]`) as HTMLElement | null)?.focus();
  }

  private visible(status: TaskStatus, label: string | undefined): Task[] {
    return columnOf(this.tasks, status).filter((task) => label === undefined || task.labels.includes(label));
  }

  private card(task: Task, milestones: ReadonlyMap<string, string>): HTMLElement {
    const details = [
      element('span', { class: `priority priority-${task.priority}` }, task.priority),
      task.due ? element('span', { class: 'due' }, `due ${task.due}`) : undefined,
      ...task.labels.map((label) => element('span', { class: 'label' }, label)),
      ...task.links.map((link) =>
        element(
          'span',
          { class: 'link' },
          link.kind === 'milestone' ? `◆ ${milestones.get(link.id) ?? link.id}` : `${link.kind}: ${link.id}`,
        ),
      ),
    ];
    const remove = element(
      'vscode-button',
      { secondary: true, class: 'delete', 'aria-label': `Delete ${task.title}`, tabindex: '-1' },
      '✕',
    );
    remove.addEventListener('click', () => this.events.delete(task));
    const card = element(
      'li',
      {
        class: 'card',
        tabindex: '0',
        draggable: 'true',
        'data-id': task.id,
        'aria-label': `${task.title}, ${task.priority} priority${task.due ? `, due ${task.due}` : ''}`,
        'aria-roledescription': 'task card; Alt and arrow keys move it',
      },
      element('div', { class: 'card-title' }, task.title, remove),
      element('div', { class: 'card-details' }, ...details),
    );
    card.addEventListener('keydown', (event) => this.onKey(event, task));
    card.addEventListener('dblclick', () => this.events.edit(task));
    card.addEventListener('dragstart', (event) => {
      this.dragged = task;
      event.dataTransfer?.setData(dragType, task.id);
      event.dataTransfer?.setData('text/plain', task.title);
      if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
      card.classList.add('dragging');
    });
    card.addEventListener('dragend', () => {
      this.dragged = undefined;
      card.classList.remove('dragging');
    });
    return card;
  }

  private onKey(event: KeyboardEvent, task: Task): void {
    if (event.target !== event.currentTarget) return;
    const label = this.label;
    if (event.key === 'Enter') this.events.edit(task);
    else if (event.key === 'Delete') this.events.delete(task);
    else if (event.altKey && (event.key === 'ArrowLeft' || event.key === 'ArrowRight')) {
      const status = taskStatuses[taskStatuses.indexOf(task.status) + (event.key === 'ArrowLeft' ? -1 : 1)];
      if (status) this.events.move(task, status, undefined);
    } else if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      const shown = this.visible(task.status, label);
      const index = shown.findIndex((other) => other.id === task.id);
      if (event.key === 'ArrowUp' && index > 0) this.events.move(task, task.status, shown[index - 1]?.id);
      else if (event.key === 'ArrowDown' && index < shown.length - 1)
        this.events.move(task, task.status, this.after(shown[index + 1] as Task));
    } else if (!event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      const sibling = (event.key === 'ArrowUp' ? 'previousElementSibling' : 'nextElementSibling') as const;
      ((event.currentTarget as HTMLElement)[sibling] as HTMLElement | null)?.focus();
    } else return;
    event.preventDefault();
  }

  /** The id of the task just below `task` in the whole column: a task put "after" `task` goes before it. */
  private after(task: Task): string | undefined {
    const column = columnOf(this.tasks, task.status);
    return column[column.findIndex((other) => other.id === task.id) + 1]?.id;
  }

  private acceptDrops(column: HTMLElement, list: HTMLElement, status: TaskStatus, label: string | undefined): void {
    column.addEventListener('dragover', (event) => {
      if (!this.dragged) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
      column.classList.add('drop-target');
    });
    column.addEventListener('dragleave', (event) => {
      if (!column.contains(event.relatedTarget as Node | null)) column.classList.remove('drop-target');
    });
    column.addEventListener('drop', (event) => {
      column.classList.remove('drop-target');
      const task = this.tasks.find((candidate) => candidate.id === event.dataTransfer?.getData(dragType));
      if (!task) return;
      event.preventDefault();
      // Before the first card whose middle is below the pointer; after the last one, the column's end.
      const cards = [...list.querySelectorAll<HTMLElement>('.card')].filter((card) => card.dataset.id !== task.id);
      const below = cards.find((card) => {
        const box = card.getBoundingClientRect();
        return event.clientY < box.top + box.height / 2;
      });
      const shown = this.visible(status, label).filter((other) => other.id !== task.id);
      const last = shown.at(-1);
      const beforeId = below?.dataset.id ?? (last ? this.after(last) : undefined);
      this.events.move(task, status, beforeId === task.id ? undefined : beforeId);
    });
  }
}
