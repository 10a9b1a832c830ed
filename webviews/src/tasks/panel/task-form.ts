// The form that adds a task, or edits one: title, priority, due day, labels, a milestone and a
// lab or VM. Checked here with the model's own rules for a quick answer, and again by the
// extension, which is the one that saves.
import type { Roadmap, Task, TaskFields, TaskLink } from '@vlm/schemas';
import { element, fieldValue, setValue } from '../../panels/dom';
import { milestoneIds, taskFieldsProblems, taskPriorities } from '../model/task-fields';

export interface TaskFormEvents {
  submit(fields: TaskFields, editing: string | undefined): void;
  problem(message: string): void;
}

export class TaskForm {
  readonly root: HTMLElement;
  private readonly title = element('vscode-textfield', {
    id: 'task-title',
    maxlength: '200',
    placeholder: 'What needs doing',
    'aria-label': 'Title',
  });
  private readonly priority = element(
    'vscode-single-select',
    { id: 'task-priority', 'aria-label': 'Priority' },
    ...taskPriorities.map((priority) => element('vscode-option', { value: priority }, priority)),
  );
  private readonly due = element('vscode-textfield', { id: 'task-due', type: 'date', 'aria-label': 'Due' });
  private readonly labels = element('vscode-textfield', {
    id: 'task-labels',
    placeholder: 'ops, docs',
    'aria-label': 'Labels, separated by commas',
  });
  private readonly milestone = element('vscode-single-select', { id: 'task-milestone', 'aria-label': 'Milestone' });
  private readonly linkKind = element(
    'vscode-single-select',
    { id: 'task-link-kind', 'aria-label': 'Link to a lab or VM' },
    element('vscode-option', { value: '' }, 'No lab or VM'),
    element('vscode-option', { value: 'lab' }, 'Lab'),
    element('vscode-option', { value: 'vm' }, 'VM'),
  );
  private readonly linkName = element('vscode-textfield', {
    id: 'task-link-name',
    maxlength: '200',
    placeholder: 'web-lab',
    'aria-label': 'Lab or VM name',
  });
  private readonly save = element('vscode-button', { id: 'task-save' }, 'Add');
  private readonly cancel = element('vscode-button', { id: 'task-cancel', secondary: true, hidden: true }, 'Cancel');
  private editing: Task | undefined;
  private roadmaps: readonly Roadmap[] = [];

  constructor(private readonly events: TaskFormEvents) {
    setValue(this.priority, 'normal');
    const labelled = (text: string, field: HTMLElement) => element('label', { class: 'field' }, element('span', {}, text), field);
    this.root = element(
      'form',
      { class: 'task-form', 'aria-label': 'Add a task' },
      labelled('Title', this.title),
      labelled('Priority', this.priority),
      labelled('Due', this.due),
      labelled('Labels', this.labels),
      labelled('Milestone', this.milestone),
      labelled('Lab or VM', this.linkKind),
      labelled('Name', this.linkName),
      element('div', { class: 'actions' }, this.save, this.cancel),
    );
    this.save.addEventListener('click', () => this.submit());
    this.cancel.addEventListener('click', () => this.stopEditing());
    this.root.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.target as Element).localName === 'vscode-textfield') {
        event.preventDefault();
        this.submit();
      }
    });
    this.root.addEventListener('submit', (event) => event.preventDefault());
  }

  /** The milestones a task may link to, from every roadmap. */
  showRoadmaps(roadmaps: readonly Roadmap[]): void {
    this.roadmaps = roadmaps;
    const chosen = fieldValue(this.milestone);
    this.milestone.replaceChildren(
      element('vscode-option', { value: '' }, 'No milestone'),
      ...roadmaps.flatMap((roadmap) =>
        roadmap.milestones.map((milestone) => element('vscode-option', { value: milestone.id }, `${roadmap.name} › ${milestone.title}`)),
      ),
    );
    setValue(this.milestone, milestoneIds(roadmaps).has(chosen) ? chosen : '');
  }

  edit(task: Task): void {
    this.editing = task;
    setValue(this.title, task.title);
    setValue(this.priority, task.priority);
    setValue(this.due, task.due ?? '');
    setValue(this.labels, task.labels.join(', '));
    setValue(this.milestone, task.links.find((link) => link.kind === 'milestone')?.id ?? '');
    const place = task.links.find((link) => link.kind !== 'milestone');
    setValue(this.linkKind, place?.kind ?? '');
    setValue(this.linkName, place?.id ?? '');
    this.save.textContent = 'Save';
    this.cancel.hidden = false;
    this.root.setAttribute('aria-label', `Edit the task ${task.title}`);
    (this.title as HTMLElement).focus();
  }

  stopEditing(): void {
    this.editing = undefined;
    this.save.textContent = 'Add';
    this.cancel.hidden = true;
    this.root.setAttribute('aria-label', 'Add a task');
    for (const field of [this.title, this.due, this.labels, this.linkName]) setValue(field, '');
  }

  get editingId(): string | undefined {
    return this.editing?.id;
  }

  private submit(): void {
    const links: TaskLink[] = [];
    const milestone = fieldValue(this.milestone);
    if (milestone) links.push({ kind: 'milestone', id: milestone });
    const kind = fieldValue(this.linkKind);
    const name = fieldValue(this.linkName).trim();
    if ((kind === 'lab' || kind === 'vm') && name) links.push({ kind, id: name });
    else if (kind && !name) {
      this.events.problem('Name: give the name of the lab or VM, or pick "No lab or VM".');
      return;
    }
    // Links the form does not show (a second milestone, set elsewhere) are kept.
    const editing = this.editing?.links ?? [];
    const shown = [editing.find((link) => link.kind === 'milestone'), editing.find((link) => link.kind !== 'milestone')];
    for (const link of editing) if (!shown.includes(link)) links.push(link);
    const fields: TaskFields = {
      title: fieldValue(this.title),
      status: this.editing?.status ?? 'todo',
      priority: fieldValue(this.priority) as TaskFields['priority'],
      labels: fieldValue(this.labels)
        .split(',')
        .map((label) => label.trim())
        .filter((label) => label !== ''),
      links,
    };
    const due = fieldValue(this.due).trim();
    if (due) fields.due = due;
    if (this.editing?.notes !== undefined) fields.notes = this.editing.notes;
    const problems = taskFieldsProblems(fields, milestoneIds(this.roadmaps));
    if (problems.length > 0) {
      this.events.problem(`${problems.map((problem) => problem[0]?.toUpperCase() + problem.slice(1)).join('. ')}.`);
      return;
    }
    this.events.submit(fields, this.editing?.id);
    this.stopEditing();
    (this.title as HTMLElement).focus();
  }
}
