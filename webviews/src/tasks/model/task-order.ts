// The place of a task in its column: a fractional `order`, smaller is higher. A move takes the
// middle of its new neighbours' orders, so only the moved task changes; when the gap gets too
// small for another halving, the column is renumbered 1, 2, 3… in the same order.
import type { Task } from '@vlm/schemas';

export type TaskStatus = Task['status'];
export const taskStatuses: readonly TaskStatus[] = ['todo', 'doing', 'done'];
export const statusTitles: Record<TaskStatus, string> = { todo: 'To do', doing: 'Doing', done: 'Done' };

/** Below this gap neighbours are renumbered: about 20 moves into the same spot. */
export const smallestGap = 2 ** -20;

/** The tasks of one column, top first. */
export function columnOf(tasks: readonly Task[], status: TaskStatus): Task[] {
  return tasks.filter((task) => task.status === status).sort((left, right) => left.order - right.order || left.id.localeCompare(right.id));
}

/**
 * Puts `task` in column `status`, just before the task `beforeId` of that column, or last.
 * Sets its status and order, renumbering the column when needed; returns whether it did.
 * Throws a sentence when `beforeId` is not in that column.
 */
export function placeTask(tasks: readonly Task[], task: Task, status: TaskStatus, beforeId?: string): { renumbered: boolean } {
  const column = columnOf(tasks, status).filter((other) => other.id !== task.id);
  let index = column.length;
  if (beforeId !== undefined) {
    index = column.findIndex((other) => other.id === beforeId);
    if (index < 0) throw new Error(`the task ${beforeId} is not in the column ${statusTitles[status]}`);
  }
  const previous = column[index - 1];
  const next = column[index];
  const order = previous && next ? (previous.order + next.order) / 2 : previous ? previous.order + 1 : next ? next.order - 1 : 1;
  task.status = status;
  const fits =
    Number.isFinite(order) &&
    (previous === undefined || order - previous.order >= smallestGap) &&
    (next === undefined || next.order - order >= smallestGap);
  if (fits) {
    task.order = order;
    return { renumbered: false };
  }
  column.splice(index, 0, task);
  for (const [place, member] of column.entries()) member.order = place + 1;
  return { renumbered: true };
}

/** The id of the task just below `task` in its column, if any: where an undo puts it back. */
export function taskBelow(tasks: readonly Task[], task: Task): string | undefined {
  const column = columnOf(tasks, task.status);
  return column[column.findIndex((other) => other.id === task.id) + 1]?.id;
}
