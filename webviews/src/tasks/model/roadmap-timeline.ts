// A roadmap drawn on a timeline: each milestone's bar from its start to its due day, placed as
// fractions of the span of all its dates, and its progress, the done tasks among those linked to
// it. Milestones with no date are listed apart, not guessed onto the line.
import type { Milestone, Roadmap, Task } from '@vlm/schemas';
import { daysFrom } from '../../expenses/model/calendar-dates';

export interface MilestoneProgress {
  done: number;
  total: number;
}

/** Done and all tasks linked to each milestone, by milestone id. */
export function progressByMilestone(tasks: readonly Task[]): Map<string, MilestoneProgress> {
  const progress = new Map<string, MilestoneProgress>();
  for (const task of tasks) {
    for (const link of task.links) {
      if (link.kind !== 'milestone') continue;
      const counts = progress.get(link.id) ?? { done: 0, total: 0 };
      counts.total += 1;
      if (task.status === 'done') counts.done += 1;
      progress.set(link.id, counts);
    }
  }
  return progress;
}

/** "3 of 4 tasks done (75%)"; "no tasks yet" when none links to it. */
export function progressText({ done, total }: MilestoneProgress): string {
  if (total === 0) return 'no tasks yet';
  return `${done} of ${total} task${total === 1 ? '' : 's'} done (${Math.floor((done * 100) / total)}%)`;
}

export interface TimelineBar {
  milestone: Milestone;
  /** From the timeline's first day: 0 is its start, 1 the day after its last. */
  left: number;
  width: number;
  progress: MilestoneProgress;
}

export interface Timeline {
  first?: string;
  last?: string;
  bars: TimelineBar[];
  unscheduled: Array<{ milestone: Milestone; progress: MilestoneProgress }>;
}

/** The milestones of `roadmap` on one line, earliest first. A milestone with one date is one day long. */
export function timelineOf(roadmap: Roadmap, tasks: readonly Task[]): Timeline {
  const progress = progressByMilestone(tasks);
  const none = { done: 0, total: 0 };
  const dated = roadmap.milestones
    .filter((milestone) => milestone.start ?? milestone.due)
    .map((milestone) => ({
      milestone,
      from: (milestone.start ?? milestone.due) as string,
      to: (milestone.due ?? milestone.start) as string,
    }))
    .sort((left, right) => left.from.localeCompare(right.from) || left.to.localeCompare(right.to));
  const unscheduled = roadmap.milestones
    .filter((milestone) => !(milestone.start ?? milestone.due))
    .map((milestone) => ({ milestone, progress: progress.get(milestone.id) ?? none }));
  if (dated.length === 0) return { bars: [], unscheduled };
  const first = dated[0]?.from as string;
  const last = dated
    .map((entry) => entry.to)
    .sort()
    .at(-1) as string;
  const span = daysFrom(first, last) + 1;
  const bars = dated.map(({ milestone, from, to }) => ({
    milestone,
    left: daysFrom(first, from) / span,
    width: (daysFrom(from, to) + 1) / span,
    progress: progress.get(milestone.id) ?? none,
  }));
  return { first, last, bars, unscheduled };
}
