// The changes the Tasks panel asks for, applied to the tasks and roadmaps of the dashboard's
// data, each returning the step that undoes it (the expenses' undo steps: an undo reverses only
// its own change, on the data as it is then). A change that cannot apply throws a sentence and
// changes nothing.
import type { Milestone, MilestoneFields, Roadmap, Task, TaskFields } from '@vlm/schemas';
import { type UndoStep as RecordUndoStep, UndoHistory, applyUndo } from '../../expenses/model/expense-changes';
import { milestoneFieldsProblems, milestoneIds, taskFieldsProblems, lineProblem } from './task-fields';
import { type TaskStatus, placeTask, taskBelow } from './task-order';

export type TaskChange =
  | { type: 'addTask'; fields: TaskFields }
  | { type: 'editTask'; id: string; fields: TaskFields }
  | { type: 'deleteTask'; id: string }
  | { type: 'moveTask'; id: string; status: TaskStatus; beforeId?: string }
  | { type: 'addRoadmap'; name: string }
  | { type: 'deleteRoadmap'; id: string }
  | { type: 'addMilestone'; roadmapId: string; fields: MilestoneFields }
  | { type: 'editMilestone'; roadmapId: string; id: string; fields: MilestoneFields }
  | { type: 'deleteMilestone'; roadmapId: string; id: string };

/** A moved task put back in its column, above the task that was below it. */
type PlaceStep = { type: 'place'; id: string; status: TaskStatus; beforeId?: string };

/** How to undo a change: a record step on one list, or a task put back where it was. */
export type TasksUndoStep =
  | { list: 'tasks'; step: RecordUndoStep<Task> | PlaceStep }
  | { list: 'roadmaps'; step: RecordUndoStep<Roadmap> }
  | { list: 'milestones'; roadmapId: string; step: RecordUndoStep<Milestone> };

export class TasksUndoHistory extends UndoHistory<TasksUndoStep> {}

export class TaskChangeError extends Error {
  override readonly name = 'TaskChangeError';
}

export interface TaskBoard {
  tasks: Task[];
  roadmaps: Roadmap[];
}

export interface ChangeContext {
  newId(): string;
  /** The time stamped on what changes, as an ISO timestamp. */
  now(): string;
}

/** Applies `change` to `board` in place; returns how to undo it. */
export function applyTaskChange(board: TaskBoard, change: TaskChange, context: ChangeContext): TasksUndoStep {
  switch (change.type) {
    case 'addTask':
    case 'editTask':
    case 'deleteTask':
    case 'moveTask':
      return { list: 'tasks', step: applyToTasks(board, change, context) };
    case 'addRoadmap': {
      const name = lineProblem(change.name, 200);
      if (name) throw new TaskChangeError(`The roadmap was not added: name: ${name}.`);
      const roadmap = { id: context.newId(), name: change.name.trim(), milestones: [] };
      board.roadmaps.push(roadmap);
      return { list: 'roadmaps', step: { type: 'remove', ids: [roadmap.id] } };
    }
    case 'deleteRoadmap': {
      const index = indexOfRecord(board.roadmaps, change.id, { noun: 'roadmap', verb: 'deleted' });
      const roadmap = board.roadmaps[index] as Roadmap;
      for (const milestone of roadmap.milestones) refuseWhenLinked(board.tasks, milestone, `The roadmap ${roadmap.name} was not deleted`);
      board.roadmaps.splice(index, 1);
      return { list: 'roadmaps', step: { type: 'restore', entry: roadmap, index } };
    }
    default:
      return applyToMilestones(board, change, context);
  }
}

function applyToTasks(
  board: TaskBoard,
  change: TaskChange & { type: `${string}Task` },
  context: ChangeContext,
): RecordUndoStep<Task> | PlaceStep {
  const checked = (fields: TaskFields, what: string): TaskFields => {
    const problems = taskFieldsProblems(fields, milestoneIds(board.roadmaps));
    if (problems.length > 0) throw new TaskChangeError(`${what}: ${problems.join('; ')}.`);
    return { ...fields, title: fields.title.trim(), labels: fields.labels.map((label) => label.trim()) };
  };
  if (change.type === 'addTask') {
    const task: Task = { ...checked(change.fields, 'The task was not added'), id: context.newId(), order: 0, updatedAt: context.now() };
    placeTask(board.tasks, task, task.status);
    board.tasks.push(task);
    return { type: 'remove', ids: [task.id] };
  }
  const index = indexOfRecord(board.tasks, change.id, { noun: 'task', verb: verbs[change.type] });
  const before = board.tasks[index] as Task;
  switch (change.type) {
    case 'editTask': {
      const task: Task = {
        ...checked(change.fields, 'The task was not changed'),
        id: before.id,
        order: before.order,
        updatedAt: context.now(),
      };
      if (before.github) task.github = before.github;
      if (task.status !== before.status) placeTask(board.tasks, task, task.status);
      board.tasks[index] = task;
      return { type: 'revert', entry: before };
    }
    case 'deleteTask':
      board.tasks.splice(index, 1);
      return { type: 'restore', entry: before, index };
    case 'moveTask': {
      const undo: PlaceStep = { type: 'place', id: before.id, status: before.status, beforeId: taskBelow(board.tasks, before) };
      const task = { ...before, updatedAt: context.now() };
      board.tasks[index] = task;
      try {
        placeTask(board.tasks, task, change.status, change.beforeId);
      } catch (error) {
        throw new TaskChangeError(`The task ${before.title} was not moved: ${(error as Error).message}.`);
      }
      return undo;
    }
  }
}

const verbs = { editTask: 'changed', deleteTask: 'deleted', moveTask: 'moved' };

function applyToMilestones(board: TaskBoard, change: TaskChange & { type: `${string}Milestone` }, context: ChangeContext): TasksUndoStep {
  const roadmap = board.roadmaps[indexOfRecord(board.roadmaps, change.roadmapId, { noun: 'roadmap', verb: 'changed' })] as Roadmap;
  const milestones = roadmap.milestones;
  const checked = (fields: MilestoneFields, what: string): MilestoneFields => {
    const problems = milestoneFieldsProblems(fields);
    if (problems.length > 0) throw new TaskChangeError(`${what}: ${problems.join('; ')}.`);
    return { ...fields, title: fields.title.trim() };
  };
  const undo = (step: RecordUndoStep<Milestone>): TasksUndoStep => ({ list: 'milestones', roadmapId: roadmap.id, step });
  if (change.type === 'addMilestone') {
    const milestone = { ...checked(change.fields, 'The milestone was not added'), id: context.newId(), updatedAt: context.now() };
    milestones.push(milestone);
    return undo({ type: 'remove', ids: [milestone.id] });
  }
  const verb = change.type === 'editMilestone' ? 'changed' : 'deleted';
  const index = indexOfRecord(milestones, change.id, { noun: 'milestone', verb });
  const before = milestones[index] as Milestone;
  if (change.type === 'editMilestone') {
    const milestone: Milestone = { ...checked(change.fields, 'The milestone was not changed'), id: before.id, updatedAt: context.now() };
    if (before.github) milestone.github = before.github;
    milestones[index] = milestone;
    return undo({ type: 'revert', entry: before });
  }
  refuseWhenLinked(board.tasks, before, `The milestone ${before.title} was not deleted`);
  milestones.splice(index, 1);
  return undo({ type: 'restore', entry: before, index });
}

/** A milestone a task links to stays: its tasks would point at nothing. */
function refuseWhenLinked(tasks: readonly Task[], milestone: Milestone, what: string): void {
  const linked = tasks.filter((task) => task.links.some((link) => link.kind === 'milestone' && link.id === milestone.id));
  if (linked.length > 0) {
    const names = linked.slice(0, 3).map((task) => `"${task.title}"`);
    if (linked.length > 3) names.push(`${linked.length - 3} more`);
    throw new TaskChangeError(
      `${what}: ${linked.length} task(s) link to ${milestone.title} (${names.join(', ')}); remove those links first.`,
    );
  }
}

/** Reverses one change on the board as it is now; what it brings back is stamped `now`, as any change. */
export function applyTasksUndo(board: TaskBoard, undo: TasksUndoStep, now: string): void {
  if (undo.list === 'roadmaps') {
    applyUndo(board.roadmaps, undo.step, 'roadmap');
    return;
  }
  if (undo.list === 'milestones') {
    const roadmap = board.roadmaps.find((candidate) => candidate.id === undo.roadmapId);
    if (!roadmap) throw new TaskChangeError(`The change cannot be undone: its roadmap ${undo.roadmapId} no longer exists.`);
    applyUndo(roadmap.milestones, undo.step, 'milestone');
    if (undo.step.type !== 'remove') stamp(roadmap.milestones, undo.step.entry.id, now);
    return;
  }
  const step = undo.step;
  if (step.type !== 'place') {
    applyUndo(board.tasks, step, 'task');
    if (step.type !== 'remove') stamp(board.tasks, step.entry.id, now);
    return;
  }
  const task = board.tasks.find((candidate) => candidate.id === step.id);
  if (!task) throw new TaskChangeError(`The move cannot be undone: the task ${step.id} no longer exists.`);
  // The task that was below it may have moved away since: then it goes last.
  const below = board.tasks.find((candidate) => candidate.id === step.beforeId && candidate.status === step.status);
  placeTask(board.tasks, task, step.status, below?.id);
  task.updatedAt = now;
}

function stamp(records: Array<{ id: string; updatedAt: string }>, id: string, now: string): void {
  const record = records.find((candidate) => candidate.id === id);
  if (record) record.updatedAt = now;
}

/** The index of the record `id`; a sentence naming it and the verb when it is gone. */
function indexOfRecord(records: ReadonlyArray<{ id: string }>, id: string, what: { noun: string; verb: string }): number {
  const index = records.findIndex((record) => record.id === id);
  if (index < 0)
    throw new TaskChangeError(`The ${what.noun} ${id} was not ${what.verb}: it no longer exists (another window may have deleted it).`);
  return index;
}
