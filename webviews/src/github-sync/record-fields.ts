// What of a task an issue holds, and what of a roadmap milestone a GitHub milestone holds, read
// from either side in one shape so field-merge.ts can compare them. GitHub's answers are untrusted:
// each value is brought within what the dashboard's schema allows before it is kept.
import type { Milestone, Task } from '@vlm/schemas';

/** The parts of a GitHub issue the sync reads. */
export interface RemoteIssue {
  number: number;
  title: string;
  state: string;
  body?: string | null;
  labels: (string | { name?: string })[];
  milestone?: { number: number } | null;
  updated_at: string;
  pull_request?: unknown;
}

/** The parts of a GitHub milestone the sync reads. */
export interface RemoteMilestone {
  number: number;
  title: string;
  state: string;
  description?: string | null;
  due_on?: string | null;
  updated_at: string;
}

export const issueFields = ['title', 'state', 'labels', 'body', 'milestone'] as const;
export type IssueField = (typeof issueFields)[number];
export const milestoneFields = ['title', 'state', 'description', 'due'] as const;
export type MilestoneField = (typeof milestoneFields)[number];

function isControl(character: string): boolean {
  const code = character.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** A one-line text the schema accepts: control characters become spaces, cut to `max`. */
export function oneLine(text: string, max: number, fallback: string): string {
  const spaced = Array.from(text, (character) => (isControl(character) ? ' ' : character)).join('');
  const line = spaced.trim().slice(0, max).trim();
  return line.length > 0 ? line : fallback;
}

function labelNames(labels: RemoteIssue['labels']): string[] {
  const names = labels.map((label) => (typeof label === 'string' ? label : (label.name ?? '')));
  const kept = names.map((name) => oneLine(name, 50, '')).filter((name) => name.length > 0);
  return [...new Set(kept)].sort().slice(0, 50);
}

/** A task's values for the issue fields; `milestoneNumber` maps its milestone link to GitHub's number. */
export function taskValues(task: Task, milestoneNumber: (milestoneId: string) => number | undefined) {
  const link = task.links.find((candidate) => candidate.kind === 'milestone' && milestoneNumber(candidate.id));
  return {
    title: task.title,
    state: task.status === 'done' ? 'closed' : 'open',
    labels: [...task.labels].sort(),
    body: task.notes ?? '',
    milestone: link ? (milestoneNumber(link.id) ?? null) : null,
  } satisfies Record<IssueField, unknown>;
}

export function issueValues(issue: RemoteIssue) {
  return {
    title: oneLine(issue.title, 200, `Issue ${issue.number}`),
    state: issue.state === 'closed' ? 'closed' : 'open',
    labels: labelNames(issue.labels),
    body: (issue.body ?? '').slice(0, 65536),
    milestone: issue.milestone?.number ?? null,
  } satisfies Record<IssueField, unknown>;
}

export function milestoneValues(milestone: Milestone) {
  return {
    title: milestone.title,
    state: milestone.state ?? 'open',
    description: milestone.description ?? '',
    due: milestone.due ?? null,
  } satisfies Record<MilestoneField, unknown>;
}

const isoDate = /^[0-9]{4}-[0-9]{2}-[0-9]{2}/;

export function remoteMilestoneValues(milestone: RemoteMilestone) {
  const due = milestone.due_on?.match(isoDate)?.[0] ?? null;
  return {
    title: oneLine(milestone.title, 200, `Milestone ${milestone.number}`),
    state: milestone.state === 'closed' ? 'closed' : 'open',
    description: (milestone.description ?? '').slice(0, 65536),
    due,
  } satisfies Record<MilestoneField, unknown>;
}

/** GitHub keeps a due date as an instant; the dashboard's is a day, sent as that day's midnight UTC. */
export function dueOn(due: unknown): string | null {
  return typeof due === 'string' ? `${due}T00:00:00Z` : null;
}

/** Sets the issue fields' values on a task; `milestoneId` maps GitHub's number back to a milestone. */
export function applyIssueFields(
  task: Task,
  values: Partial<Record<IssueField, unknown>>,
  milestoneId: (number: number) => string | undefined,
  roadmapMilestoneIds: ReadonlySet<string>,
): void {
  if (typeof values.title === 'string') task.title = values.title;
  if (values.state === 'closed') task.status = 'done';
  if (values.state === 'open' && task.status === 'done') task.status = 'todo';
  if (Array.isArray(values.labels)) task.labels = values.labels as string[];
  if (typeof values.body === 'string') {
    if (values.body.length > 0) task.notes = values.body;
    else delete task.notes;
  }
  if ('milestone' in values) {
    const id = typeof values.milestone === 'number' ? milestoneId(values.milestone) : undefined;
    task.links = task.links.filter((link) => !(link.kind === 'milestone' && roadmapMilestoneIds.has(link.id)));
    if (id !== undefined) task.links.push({ kind: 'milestone', id });
  }
}

export function applyMilestoneFields(milestone: Milestone, values: Partial<Record<MilestoneField, unknown>>): void {
  if (typeof values.title === 'string') milestone.title = values.title;
  if (values.state === 'open' || values.state === 'closed') milestone.state = values.state;
  if (typeof values.description === 'string') {
    if (values.description.length > 0) milestone.description = values.description;
    else delete milestone.description;
  }
  if ('due' in values) {
    if (typeof values.due === 'string') milestone.due = values.due;
    else delete milestone.due;
  }
}
