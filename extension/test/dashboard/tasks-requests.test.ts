// The extension's side of the Tasks panel: each message checked on arrival (a wrong shape is
// logged and changes nothing), changes saved in the dashboard store with undo per panel, and a
// link to a milestone that does not exist refused with a sentence.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { TasksToPanel } from '@vlm/schemas';
import { DashboardStore, dashboardFileName } from '@vlm/webviews/src/store/dashboard-store';
import { TasksRequests } from '../../src/dashboard/tasks-requests';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function session(directory = mkdtempSync(join(tmpdir(), 'vlm-tasks-'))) {
  folders.push(directory);
  const warnings: string[] = [];
  const store = DashboardStore.open({ directory });
  const requests = new TasksRequests({
    store: () => store,
    warn: (line) => warnings.push(line),
    now: () => new Date('2026-03-01T09:00:00Z'),
  });
  return { directory, warnings, requests, file: join(directory, dashboardFileName) };
}

const fields = { title: 'Write the runbook', status: 'todo', priority: 'high', due: '2026-03-31', labels: ['ops'], links: [] };

function boardOf(answer: TasksToPanel) {
  assert.equal(answer.type, 'board', JSON.stringify(answer));
  return answer.type === 'board' ? answer : { tasks: [], roadmaps: [], canUndo: false };
}

describe('Tasks panel requests', () => {
  test('add, move, link to a milestone, undo; each saved where another window sees it', async () => {
    const { requests, directory } = session();
    assert.deepEqual(await requests.handle({ type: 'ready' }), { type: 'board', tasks: [], roadmaps: [], canUndo: false });
    const added = boardOf(await requests.handle({ type: 'addTask', fields }));
    const id = added.tasks[0]?.id as string;
    assert.deepEqual([added.tasks[0]?.status, added.tasks[0]?.updatedAt, added.canUndo], ['todo', '2026-03-01T09:00:00.000Z', true]);
    await requests.handle({ type: 'addTask', fields: { ...fields, title: 'Second' } });
    await requests.handle({ type: 'moveTask', id, status: 'doing' });
    const roadmap = boardOf(await requests.handle({ type: 'addRoadmap', name: 'Spring' })).roadmaps[0]?.id as string;
    const milestones = boardOf(
      await requests.handle({
        type: 'addMilestone',
        roadmapId: roadmap,
        fields: { title: 'Beta', start: '2026-03-01', due: '2026-03-20' },
      }),
    ).roadmaps[0]?.milestones;
    const milestone = milestones?.[0]?.id as string;
    const linked = boardOf(
      await requests.handle({
        type: 'editTask',
        id,
        fields: { ...fields, status: 'doing', links: [{ kind: 'milestone', id: milestone }] },
      }),
    );
    assert.deepEqual(linked.tasks.find((task) => task.id === id)?.links, [{ kind: 'milestone', id: milestone }]);

    // Another window (a second store on the same folder) sees the saved board.
    const other = boardOf(await session(directory).requests.handle({ type: 'ready' }));
    assert.deepEqual(
      other.tasks.map((task) => [task.title, task.status]),
      [
        ['Write the runbook', 'doing'],
        ['Second', 'todo'],
      ],
    );
    assert.equal(other.canUndo, false, 'undo is per panel');

    for (let step = 0; step < 3; step += 1) await requests.handle({ type: 'undo' });
    const undone = boardOf(await requests.handle({ type: 'undo' }));
    assert.deepEqual([undone.tasks.find((task) => task.id === id)?.status, undone.roadmaps.length], ['todo', 0]);
  });

  test('a message of the wrong shape, or that the model refuses, is answered with the problem and changes nothing', async () => {
    const { requests, warnings, file } = session();
    const id = boardOf(await requests.handle({ type: 'addTask', fields })).tasks[0]?.id as string;
    const before = readFileSync(file, 'utf8');
    const hostile = [
      { type: 'addTask', fields: { ...fields, title: '' } },
      { type: 'addTask', fields: { ...fields, title: 'two\nlines' } },
      { type: 'addTask', fields: { ...fields, status: 'later' } },
      { type: 'addTask', fields: { ...fields, due: '2026-02-30' } },
      { type: 'addTask', fields: { ...fields, links: [{ kind: 'milestone', id: 'nowhere' }] } },
      { type: 'addTask', fields: { ...fields, title: '   ' } },
      { type: 'moveTask', id: '../../etc/passwd', status: 'done' },
      { type: 'moveTask', id, status: 'done', beforeId: 'missing' },
      { type: 'deleteTask', id: 'missing' },
      { type: 'addMilestone', roadmapId: 'missing', fields: { title: 'x' } },
      { type: 'eval', code: 'process.exit()' },
      null,
    ];
    const answers = [];
    for (const message of hostile) answers.push(await requests.handle(message));
    assert.deepEqual(
      answers.map((answer) => answer.type),
      hostile.map(() => 'error'),
    );
    const text = answers.map((answer) => (answer.type === 'error' ? answer.message : ''));
    assert.match(text[0] ?? '', /\/fields\/title must NOT have fewer than 1 characters\. Nothing was changed\./);
    assert.match(text[1] ?? '', /\/fields\/title must match pattern/);
    assert.match(text[2] ?? '', /\/fields\/status must be equal to one of the allowed values \(todo, doing, done\)/);
    assert.match(text[3] ?? '', /The task was not added: due: 2026-02-30 is not a day of the calendar\./);
    assert.match(text[4] ?? '', /link: no roadmap has the milestone "nowhere"/);
    assert.match(text[5] ?? '', /title: it is empty/);
    assert.match(text[6] ?? '', /\/id must match pattern/);
    assert.match(text[7] ?? '', /was not moved: the task missing is not in the column Done/);
    assert.match(text[8] ?? '', /The task missing was not deleted: it no longer exists/);
    assert.match(text[9] ?? '', /The roadmap missing was not changed/);
    assert.match(warnings.at(-2) ?? '', /Dropped a?n? ?TasksToExtension message "eval": \/type must be one of ready, addTask/);
    assert.equal(warnings.length, 6, warnings.join('\n'));
    assert.equal(readFileSync(file, 'utf8'), before, 'nothing saved');
  });
});
