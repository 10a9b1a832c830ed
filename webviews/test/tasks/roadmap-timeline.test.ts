// Milestone progress (done tasks among those linked) and the timeline's layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Roadmap, Task } from '@vlm/schemas';
import { progressByMilestone, progressText, timelineOf } from '../../src/tasks/model/roadmap-timeline';

const task = (id: string, status: Task['status'], milestone?: string): Task => ({
  id,
  title: id,
  status,
  priority: 'normal',
  labels: [],
  links: milestone ? [{ kind: 'milestone', id: milestone }] : [],
  order: 1,
  updatedAt: '2026-03-01T00:00:00.000Z',
});
const at = '2026-03-01T00:00:00.000Z';

test('progress counts done tasks among those linked to each milestone', () => {
  const tasks = [task('a', 'done', 'm1'), task('b', 'doing', 'm1'), task('c', 'todo', 'm1'), task('d', 'done', 'm1'), task('e', 'done')];
  const progress = progressByMilestone(tasks);
  assert.deepEqual(progress.get('m1'), { done: 2, total: 4 });
  assert.equal(progressText(progress.get('m1') as never), '2 of 4 tasks done (50%)');
  assert.equal(progressText({ done: 0, total: 0 }), 'no tasks yet');
  assert.equal(progressText({ done: 1, total: 3 }), '1 of 3 tasks done (33%)');
});

test('the timeline spans every date; a milestone with one date is one day; undated ones are apart', () => {
  const roadmap: Roadmap = {
    id: 'r',
    name: 'Q2',
    milestones: [
      { id: 'm2', title: 'GA', due: '2026-04-10', updatedAt: at },
      { id: 'm1', title: 'Beta', start: '2026-04-01', due: '2026-04-05', updatedAt: at },
      { id: 'm3', title: 'Someday', updatedAt: at },
    ],
  };
  const timeline = timelineOf(roadmap, [task('a', 'done', 'm1')]);
  assert.deepEqual([timeline.first, timeline.last], ['2026-04-01', '2026-04-10']);
  assert.deepEqual(
    timeline.bars.map((bar) => [bar.milestone.title, bar.left, bar.width, bar.progress.done]),
    [
      ['Beta', 0, 0.5, 1],
      ['GA', 0.9, 0.1, 0],
    ],
  );
  assert.deepEqual(
    timeline.unscheduled.map((entry) => entry.milestone.title),
    ['Someday'],
  );
});
