// What JSON Schema cannot say about tasks and milestones, as sentences a user can act on: a
// title with text, a real due day, known statuses, and links to milestones that exist. The
// panel checks with these for a quick answer, the extension before it saves, the store on every
// read and write (tasksSectionProblem).
import type { DashboardData, MilestoneFields, Roadmap, TaskFields } from '@vlm/schemas';
import { isoDateProblem } from '../../expenses/model/calendar-dates';
import { taskStatuses } from './task-order';

export const taskPriorities: readonly TaskFields['priority'][] = ['low', 'normal', 'high', 'urgent'];
const linkKinds = ['lab', 'vm', 'milestone'];

/** Each problem as "field: what is wrong"; `milestones` are the ids a link may name. */
export function taskFieldsProblems(fields: TaskFields, milestones: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const title = lineProblem(fields.title, 200);
  if (title) problems.push(`title: ${title}`);
  if (!taskStatuses.includes(fields.status)) problems.push(`status: ${quoted(fields.status)} is not one of ${taskStatuses.join(', ')}`);
  if (!taskPriorities.includes(fields.priority))
    problems.push(`priority: ${quoted(fields.priority)} is not one of ${taskPriorities.join(', ')}`);
  const due = fields.due === undefined ? undefined : isoDateProblem(fields.due);
  if (due) problems.push(`due: ${due}`);
  const seen = new Set<string>();
  for (const label of fields.labels) {
    const problem = lineProblem(label, 50) ?? (seen.has(label) ? 'it is there twice' : undefined);
    if (problem) problems.push(`label ${quoted(label)}: ${problem}`);
    seen.add(label);
  }
  for (const link of fields.links) {
    if (!linkKinds.includes(link.kind)) problems.push(`link: ${quoted(link.kind)} is not one of ${linkKinds.join(', ')}`);
    else if (lineProblem(link.id, 200)) problems.push(`link to a ${link.kind}: ${lineProblem(link.id, 200)}`);
    else if (link.kind === 'milestone' && !milestones.has(link.id))
      problems.push(`link: no roadmap has the milestone ${quoted(link.id)}; pick one from a roadmap, or remove the link`);
  }
  return problems;
}

export function milestoneFieldsProblems(fields: MilestoneFields): string[] {
  const problems: string[] = [];
  const title = lineProblem(fields.title, 200);
  if (title) problems.push(`title: ${title}`);
  for (const field of ['start', 'due'] as const) {
    const value = fields[field];
    const problem = value === undefined ? undefined : isoDateProblem(value);
    if (problem) problems.push(`${field}: ${problem}`);
  }
  if (problems.length === 0 && fields.start && fields.due && fields.start > fields.due)
    problems.push(`due: ${fields.due} is before the start, ${fields.start}`);
  return problems;
}

/** What is wrong with one line of text a user typed, or undefined. */
export function lineProblem(text: string, maxLength: number): string | undefined {
  if (text.trim() === '') return 'it is empty';
  const control = [...text].find((character) => character < ' ' || character === '\u007f');
  if (control)
    return `it holds a control character (U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}); write it on one line`;
  if (text.length > maxLength) return `it is ${text.length} characters long; at most ${maxLength} are allowed`;
  return undefined;
}

/** The id of every milestone of every roadmap. */
export function milestoneIds(roadmaps: readonly Roadmap[]): Set<string> {
  return new Set(roadmaps.flatMap((roadmap) => roadmap.milestones.map((milestone) => milestone.id)));
}

/** The store's check of the tasks and roadmaps: fields, milestone ids unique everywhere, links resolving. */
export function tasksSectionProblem(data: Pick<DashboardData, 'tasks' | 'roadmaps'>): string | undefined {
  const milestones = new Set<string>();
  for (const [index, roadmap] of data.roadmaps.entries()) {
    for (const [place, milestone] of roadmap.milestones.entries()) {
      const where = `roadmaps[${index}].milestones[${place}]`;
      if (milestones.has(milestone.id)) return `${where} repeats the milestone id ${milestone.id}`;
      milestones.add(milestone.id);
      const problems = milestoneFieldsProblems(milestone);
      if (problems.length > 0) return `${where} ${problems.join('; ')}`;
    }
  }
  for (const [index, task] of data.tasks.entries()) {
    const problems = taskFieldsProblems(task, milestones);
    if (problems.length > 0) return `tasks[${index}] ${problems.join('; ')}`;
  }
  return undefined;
}

function quoted(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
