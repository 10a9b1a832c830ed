// The roadmaps: one picked at a time, its milestones as bars on a timeline (start to due) with
// the progress of their tasks, a form to add a milestone, and buttons to delete. Positions are set
// through the style object, which the CSP allows (no inline style attribute).
import type { Milestone, MilestoneFields, Roadmap, Task } from '@vlm/schemas';
import { element, fieldValue, setValue } from '../../panels/dom';
import { lineProblem, milestoneFieldsProblems } from '../model/task-fields';
import { type MilestoneProgress, progressText, timelineOf } from '../model/roadmap-timeline';

export interface RoadmapViewEvents {
  addRoadmap(name: string): void;
  deleteRoadmap(roadmap: Roadmap): void;
  addMilestone(roadmap: Roadmap, fields: MilestoneFields): void;
  editMilestone(roadmap: Roadmap, milestoneId: string, fields: MilestoneFields): void;
  deleteMilestone(roadmap: Roadmap, milestoneId: string): void;
  pick(roadmapId: string): void;
  problem(message: string): void;
}

export class RoadmapView {
  readonly root: HTMLElement;
  private readonly name = element('vscode-textfield', {
    id: 'roadmap-name',
    maxlength: '200',
    placeholder: 'Spring release',
    'aria-label': 'New roadmap name',
  });
  private readonly picker = element('vscode-single-select', { id: 'roadmap-picker', 'aria-label': 'Roadmap shown' });
  private readonly milestoneTitle = element('vscode-textfield', {
    id: 'milestone-title',
    maxlength: '200',
    'aria-label': 'Milestone title',
  });
  private readonly start = element('vscode-textfield', { id: 'milestone-start', type: 'date', 'aria-label': 'Milestone start' });
  private readonly due = element('vscode-textfield', { id: 'milestone-due', type: 'date', 'aria-label': 'Milestone due' });
  private readonly timeline = element('div', { id: 'timeline', class: 'timeline', role: 'list', 'aria-label': 'Milestones on a timeline' });
  private readonly details = element('div', { class: 'roadmap-details' });
  private readonly saveMilestone = element('vscode-button', { id: 'milestone-add' }, 'Add milestone');
  private shown: Roadmap | undefined;
  /** The milestone the form edits, if any; Add milestone then reads Save. */
  private editing: Milestone | undefined;

  constructor(private readonly events: RoadmapViewEvents) {
    const addRoadmap = element('vscode-button', { id: 'roadmap-add', secondary: true }, 'Add roadmap');
    const addMilestone = this.saveMilestone;
    const deleteRoadmap = element('vscode-button', { id: 'roadmap-delete', secondary: true }, 'Delete roadmap');
    const labelled = (text: string, field: HTMLElement) => element('label', { class: 'field' }, element('span', {}, text), field);
    this.root = element(
      'section',
      { id: 'roadmaps', 'aria-label': 'Roadmaps' },
      element('div', { class: 'toolbar' }, labelled('Roadmap', this.picker), deleteRoadmap, labelled('New roadmap', this.name), addRoadmap),
      this.details,
    );
    this.details.append(
      element(
        'div',
        { class: 'milestone-form' },
        labelled('Milestone', this.milestoneTitle),
        labelled('Start', this.start),
        labelled('Due', this.due),
        addMilestone,
      ),
      this.timeline,
    );
    addRoadmap.addEventListener('click', () => this.addRoadmap());
    this.name.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter') this.addRoadmap();
    });
    addMilestone.addEventListener('click', () => this.addMilestone());
    this.milestoneTitle.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter') this.addMilestone();
    });
    deleteRoadmap.addEventListener('click', () => this.shown && this.events.deleteRoadmap(this.shown));
    this.picker.addEventListener('change', () => this.events.pick(fieldValue(this.picker)));
  }

  show(roadmaps: readonly Roadmap[], tasks: readonly Task[], pickedId: string | undefined): void {
    this.shown = roadmaps.find((roadmap) => roadmap.id === pickedId) ?? roadmaps[0];
    this.picker.replaceChildren(...roadmaps.map((roadmap) => element('vscode-option', { value: roadmap.id }, roadmap.name)));
    if (this.shown) setValue(this.picker, this.shown.id);
    this.details.hidden = this.shown === undefined;
    if (!this.shown) {
      this.timeline.replaceChildren();
      return;
    }
    const timeline = timelineOf(this.shown, tasks);
    const rows = timeline.bars.map((bar) => {
      const track = element('div', { class: 'track' });
      const span = element('div', { class: 'bar' }, this.progressBar(bar.milestone.title, bar.progress));
      span.style.left = `${(bar.left * 100).toFixed(3)}%`;
      span.style.width = `${Math.max(bar.width * 100, 1).toFixed(3)}%`;
      track.append(span);
      const dates = [bar.milestone.start, bar.milestone.due].filter(Boolean).join(' → ');
      return this.row(this.shown as Roadmap, bar.milestone, `${dates} · ${progressText(bar.progress)}`, track);
    });
    const axis = timeline.first
      ? element('div', { class: 'axis' }, element('span', {}, timeline.first), element('span', {}, timeline.last))
      : undefined;
    const unscheduled = timeline.unscheduled.map((entry) =>
      this.row(
        this.shown as Roadmap,
        entry.milestone,
        `no dates · ${progressText(entry.progress)}`,
        this.progressBar(entry.milestone.title, entry.progress),
      ),
    );
    const empty =
      rows.length + unscheduled.length === 0 ? element('p', { class: 'empty' }, 'No milestones yet: add one above.') : undefined;
    this.timeline.replaceChildren(...[axis, ...rows, ...unscheduled, empty].filter((node) => node !== undefined));
  }

  private row(roadmap: Roadmap, milestone: Milestone, summary: string, graphic: HTMLElement): HTMLElement {
    const { id, title } = milestone;
    const edit = element('vscode-button', { secondary: true, 'aria-label': `Edit the milestone ${title}` }, 'Edit');
    const remove = element('vscode-button', { secondary: true, 'aria-label': `Delete the milestone ${title}` }, 'Delete');
    edit.addEventListener('click', () => this.edit(milestone));
    remove.addEventListener('click', () => this.events.deleteMilestone(roadmap, id));
    return element(
      'div',
      { class: 'milestone', role: 'listitem', 'data-id': id },
      element('div', { class: 'milestone-name' }, element('strong', {}, title), element('span', { class: 'summary' }, summary)),
      graphic,
      element('div', { class: 'actions' }, edit, remove),
    );
  }

  /** Fills the form with a milestone; Save replaces its title and dates, keeping the rest. */
  private edit(milestone: Milestone): void {
    this.editing = milestone;
    setValue(this.milestoneTitle, milestone.title);
    setValue(this.start, milestone.start ?? '');
    setValue(this.due, milestone.due ?? '');
    this.saveMilestone.textContent = 'Save milestone';
    (this.milestoneTitle as HTMLElement).focus();
  }

  private progressBar(title: string, progress: MilestoneProgress): HTMLElement {
    const percent = progress.total === 0 ? 0 : Math.floor((progress.done * 100) / progress.total);
    const fill = element('div', { class: 'fill' });
    fill.style.width = `${percent}%`;
    return element(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-valuenow': String(percent),
        'aria-label': `${title}: ${progressText(progress)}`,
      },
      fill,
    );
  }

  private addRoadmap(): void {
    const name = fieldValue(this.name);
    const problem = lineProblem(name, 200);
    if (problem) {
      this.events.problem(`Roadmap name: ${problem}.`);
      return;
    }
    this.events.addRoadmap(name);
    setValue(this.name, '');
  }

  private addMilestone(): void {
    if (!this.shown) {
      this.events.problem('Add a roadmap first.');
      return;
    }
    const fields: MilestoneFields = { title: fieldValue(this.milestoneTitle) };
    const start = fieldValue(this.start).trim();
    const due = fieldValue(this.due).trim();
    if (start) fields.start = start;
    if (due) fields.due = due;
    const problems = milestoneFieldsProblems(fields);
    if (problems.length > 0) {
      this.events.problem(`Milestone ${problems.join('; ')}.`);
      return;
    }
    const editing = this.editing && this.shown.milestones.some((milestone) => milestone.id === this.editing?.id) ? this.editing : undefined;
    if (editing) {
      if (editing.description !== undefined) fields.description = editing.description;
      if (editing.state !== undefined) fields.state = editing.state;
      this.events.editMilestone(this.shown, editing.id, fields);
    } else this.events.addMilestone(this.shown, fields);
    this.editing = undefined;
    this.saveMilestone.textContent = 'Add milestone';
    for (const field of [this.milestoneTitle, this.start, this.due]) setValue(field, '');
  }
}
