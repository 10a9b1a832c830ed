// The Tasks model: moves between columns and within one, renumbering when the gaps get small,
// undo of each change on the board as it is then, milestone progress, and bad input refused
// with a sentence that names the field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TaskFields } from '@vlm/schemas';
import { type TaskBoard, TaskChangeError, TasksUndoHistory, applyTaskChange, applyTasksUndo } from '../../src/tasks/model/task-changes';
import { tasksSectionProblem } from '../../src/tasks/model/task-fields';
import { columnOf, smallestGap } from '../../src/tasks/model/task-order';

function context() {
  let next = 0;
  return { newId: () => `id-${++next}`, now: () => '2026-03-01T10:00:00.000Z' };
}

const fields = (title: string, extra: Partial<TaskFields> = {}): TaskFields => ({
  title,
  status: 'todo',
  priority: 'normal',
  labels: [],
  links: [],
  ...extra,
});

function boardWith(...titles: string[]) {
  const board: TaskBoard = { tasks: [], roadmaps: [] };
  const ids = context();
  for (const title of titles) applyTaskChange(board, { type: 'addTask', fields: fields(title) }, ids);
  return { board, ids };
}

const titles = (board: TaskBoard, status: 'todo' | 'doing' | 'done') => columnOf(board.tasks, status).map((task) => task.title);

describe('task moves', () => {
  test('added tasks go last in their column; a move changes column and place, and undo puts it back', () => {
    const { board, ids } = boardWith('a', 'b', 'c');
    assert.deepEqual(titles(board, 'todo'), ['a', 'b', 'c']);
    const history = new TasksUndoHistory();
    history.push(applyTaskChange(board, { type: 'moveTask', id: 'id-2', status: 'doing' }, ids));
    assert.deepEqual([titles(board, 'todo'), titles(board, 'doing')], [['a', 'c'], ['b']]);
    history.push(applyTaskChange(board, { type: 'moveTask', id: 'id-3', status: 'todo', beforeId: 'id-1' }, ids));
    assert.deepEqual(titles(board, 'todo'), ['c', 'a']);
    applyTasksUndo(board, history.pop() as never, '2026-03-02T00:00:00.000Z');
    assert.deepEqual(titles(board, 'todo'), ['a', 'c']);
    applyTasksUndo(board, history.pop() as never, '2026-03-02T00:00:00.000Z');
    assert.deepEqual([titles(board, 'todo'), titles(board, 'doing')], [['a', 'b', 'c'], []]);
    assert.equal(board.tasks.find((task) => task.id === 'id-2')?.updatedAt, '2026-03-02T00:00:00.000Z');
    assert.equal(history.canUndo, false);
  });

  test('a move before a task of another column is refused and changes nothing', () => {
    const { board, ids } = boardWith('a', 'b');
    applyTaskChange(board, { type: 'moveTask', id: 'id-2', status: 'done' }, ids);
    const before = structuredClone(board);
    assert.throws(
      () => applyTaskChange(board, { type: 'moveTask', id: 'id-1', status: 'doing', beforeId: 'id-2' }, ids),
      /The task a was not moved: the task id-2 is not in the column Doing\./,
    );
    assert.deepEqual(board, before);
  });

  test('moving again and again into the same gap renumbers the column, keeping its order, and undo still works', () => {
    const { board, ids } = boardWith('top', 'bottom');
    const history = new TasksUndoHistory();
    let renumbered = false;
    for (let round = 0; round < 30; round += 1) {
      applyTaskChange(board, { type: 'addTask', fields: fields(`t${round}`) }, ids);
      const id = board.tasks.at(-1)?.id as string;
      history.push(applyTaskChange(board, { type: 'moveTask', id, status: 'todo', beforeId: 'id-2' }, ids));
      const orders = columnOf(board.tasks, 'todo').map((task) => task.order);
      if (orders.every((order, index) => order === index + 1)) renumbered = true;
      for (const [index, order] of orders.entries()) if (index > 0) assert.ok(order - (orders[index - 1] as number) >= smallestGap);
    }
    assert.ok(renumbered, 'the column was renumbered 1, 2, 3…');
    const expected = ['top', ...Array.from({ length: 30 }, (_, round) => `t${round}`), 'bottom'];
    assert.deepEqual(titles(board, 'todo'), expected);
    applyTasksUndo(board, history.pop() as never, ids.now());
    assert.deepEqual(titles(board, 'todo'), [...expected.slice(0, 30), 'bottom', 't29']);
  });

  test('moving a task up and down by one place, as Alt+Up and Alt+Down do', () => {
    const { board, ids } = boardWith('a', 'b', 'c');
    applyTaskChange(board, { type: 'moveTask', id: 'id-3', status: 'todo', beforeId: 'id-2' }, ids);
    assert.deepEqual(titles(board, 'todo'), ['a', 'c', 'b']);
    applyTaskChange(board, { type: 'moveTask', id: 'id-1', status: 'todo' }, ids);
    assert.deepEqual(titles(board, 'todo'), ['c', 'b', 'a']);
  });
});

describe('task edits and undo', () => {
  test('edit keeps the place, the id and the GitHub link; delete and undo bring the task back where it was', () => {
    const { board, ids } = boardWith('a', 'b');
    (board.tasks[0] as { github?: unknown }).github = { repository: 'octo/repo', number: 7 };
    const history = new TasksUndoHistory();
    history.push(
      applyTaskChange(board, { type: 'editTask', id: 'id-1', fields: fields('a2', { priority: 'high', due: '2026-04-30' }) }, ids),
    );
    assert.deepEqual(board.tasks[0]?.github, { repository: 'octo/repo', number: 7 });
    assert.deepEqual(titles(board, 'todo'), ['a2', 'b']);
    history.push(applyTaskChange(board, { type: 'editTask', id: 'id-1', fields: fields('a2', { status: 'done' }) }, ids));
    assert.deepEqual(titles(board, 'done'), ['a2']);
    history.push(applyTaskChange(board, { type: 'deleteTask', id: 'id-2' }, ids));
    assert.equal(board.tasks.length, 1);
    for (const step of [history.pop(), history.pop(), history.pop()]) applyTasksUndo(board, step as never, ids.now());
    assert.deepEqual(titles(board, 'todo'), ['a', 'b']);
    assert.equal(board.tasks[0]?.priority, 'normal');
  });

  test('an undo of an edit of a task another window deleted says so', () => {
    const { board, ids } = boardWith('a');
    const step = applyTaskChange(board, { type: 'editTask', id: 'id-1', fields: fields('b') }, ids);
    board.tasks.length = 0;
    assert.throws(() => applyTasksUndo(board, step, ids.now()), /cannot be undone: the task no longer exists/);
  });
});

describe('bad task input', () => {
  const refused = (input: TaskFields, pattern: RegExp) => {
    const { board, ids } = boardWith('kept');
    const before = structuredClone(board);
    assert.throws(
      () => applyTaskChange(board, { type: 'addTask', fields: input }, ids),
      (error: Error) => {
        assert.ok(error instanceof TaskChangeError);
        assert.match(error.message, pattern);
        return true;
      },
    );
    assert.deepEqual(board, before, 'nothing changed');
  };

  test('an empty title, or one of spaces', () => {
    refused(fields(''), /The task was not added: title: it is empty\./);
    refused(fields('   '), /title: it is empty/);
  });
  test('a title with control characters', () => {
    refused(fields('line one\nline two'), /title: it holds a control character \(U\+000A\); write it on one line/);
    refused(fields('bell\u0007'), /U\+0007/);
  });
  test('an unknown status or priority', () => {
    refused(fields('x', { status: 'later' as never }), /status: "later" is not one of todo, doing, done/);
    refused(fields('x', { priority: 'meh' as never }), /priority: "meh" is not one of low, normal, high, urgent/);
  });
  test('a due date that is not a day of the calendar', () => {
    refused(fields('x', { due: '2026-02-30' }), /due: 2026-02-30 is not a day of the calendar/);
    refused(fields('x', { due: 'tomorrow' }), /due: "tomorrow" is not a date: write YYYY-MM-DD/);
  });
  test('a label twice, or empty', () => {
    refused(fields('x', { labels: ['ops', 'ops'] }), /label "ops": it is there twice/);
    refused(fields('x', { labels: [''] }), /label "": it is empty/);
  });
  test('a link to a milestone no roadmap has', () => {
    refused(
      fields('x', { links: [{ kind: 'milestone', id: 'm-404' }] }),
      /link: no roadmap has the milestone "m-404"; pick one from a roadmap, or remove the link/,
    );
  });
});

describe('roadmaps and milestones', () => {
  function roadmap() {
    const { board, ids } = boardWith();
    applyTaskChange(board, { type: 'addRoadmap', name: 'Q2' }, ids);
    const roadmapId = board.roadmaps[0]?.id as string;
    applyTaskChange(board, { type: 'addMilestone', roadmapId, fields: { title: 'Beta', start: '2026-04-01', due: '2026-04-30' } }, ids);
    const milestoneId = board.roadmaps[0]?.milestones[0]?.id as string;
    return { board, ids, roadmapId, milestoneId };
  }

  test('a task links to a milestone that exists; the milestone cannot be deleted while linked', () => {
    const { board, ids, roadmapId, milestoneId } = roadmap();
    applyTaskChange(board, { type: 'addTask', fields: fields('ship', { links: [{ kind: 'milestone', id: milestoneId }] }) }, ids);
    assert.throws(
      () => applyTaskChange(board, { type: 'deleteMilestone', roadmapId, id: milestoneId }, ids),
      /The milestone Beta was not deleted: 1 task\(s\) link to Beta \("ship"\); remove those links first\./,
    );
    assert.throws(() => applyTaskChange(board, { type: 'deleteRoadmap', id: roadmapId }, ids), /The roadmap Q2 was not deleted/);
    assert.equal(tasksSectionProblem(board), undefined);
  });

  test('milestone edits and deletes undo; a due date before the start is refused', () => {
    const { board, ids, roadmapId, milestoneId } = roadmap();
    assert.throws(
      () =>
        applyTaskChange(
          board,
          { type: 'editMilestone', roadmapId, id: milestoneId, fields: { title: 'B', start: '2026-05-02', due: '2026-05-01' } },
          ids,
        ),
      /due: 2026-05-01 is before the start, 2026-05-02/,
    );
    const edit = applyTaskChange(
      board,
      { type: 'editMilestone', roadmapId, id: milestoneId, fields: { title: 'GA', due: '2026-06-01' } },
      ids,
    );
    const remove = applyTaskChange(board, { type: 'deleteMilestone', roadmapId, id: milestoneId }, ids);
    assert.equal(board.roadmaps[0]?.milestones.length, 0);
    applyTasksUndo(board, remove, ids.now());
    assert.equal(board.roadmaps[0]?.milestones[0]?.title, 'GA');
    applyTasksUndo(board, edit, ids.now());
    assert.deepEqual(board.roadmaps[0]?.milestones[0]?.start, '2026-04-01');
  });

  test('the store check finds a link to a missing milestone and a milestone id used twice', () => {
    const { board, ids, milestoneId } = roadmap();
    applyTaskChange(board, { type: 'addTask', fields: fields('ship', { links: [{ kind: 'milestone', id: milestoneId }] }) }, ids);
    const orphan = structuredClone(board);
    orphan.roadmaps[0]?.milestones.splice(0, 1);
    assert.match(tasksSectionProblem(orphan) ?? '', /^tasks\[0\] link: no roadmap has the milestone "id-2"/);
    const twice = structuredClone(board);
    twice.roadmaps.push({ id: 'r2', name: 'Again', milestones: structuredClone(board.roadmaps[0]?.milestones ?? []) });
    assert.match(tasksSectionProblem(twice) ?? '', /^roadmaps\[1\]\.milestones\[0\] repeats the milestone id id-2/);
  });
});
