// The Tasks panel's Sync button, on the extension's side: a sync message runs the host's sync (the
// GitHub sync command in VS Code) and answers with the board as the sync left it; a sync message of
// another shape runs nothing, a press during a sync joins it, and a window without a sync says so.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import { TasksRequests } from '../../src/dashboard/tasks-requests';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function session(withSync: boolean) {
  const directory = mkdtempSync(join(tmpdir(), 'vlm-tasks-sync-'));
  folders.push(directory);
  const store = await DashboardStore.open({ directory });
  const warnings: string[] = [];
  let syncs = 0;
  // What a sync does to the store, as the command does: a task from an issue, written by another store.
  const sync = async () => {
    syncs += 1;
    const other = await DashboardStore.open({ directory });
    await other.update((draft) => {
      draft.tasks.push({
        id: `synced-${syncs}`,
        title: 'From issue #1',
        status: 'todo',
        priority: 'normal',
        labels: [],
        links: [],
        order: 0,
        updatedAt: '2026-03-01T09:00:00.000Z',
      });
    });
  };
  const requests = new TasksRequests({ store: async () => store, warn: (line) => warnings.push(line), ...(withSync ? { sync } : {}) });
  return { requests, warnings, syncs: () => syncs };
}

describe('Tasks panel sync requests', () => {
  test('a sync runs the sync once and answers with the board it left', async () => {
    const { requests, syncs } = await session(true);
    const answer = await requests.handle({ type: 'sync' });
    assert.equal(syncs(), 1);
    assert.equal(answer.type, 'board', JSON.stringify(answer));
    assert.deepEqual(answer.type === 'board' ? answer.tasks.map((task) => task.title) : [], ['From issue #1']);
  });

  test('a second press while the sync runs joins it: one sync, two boards', async () => {
    const { requests, syncs } = await session(true);
    const answers = await Promise.all([requests.handle({ type: 'sync' }), requests.handle({ type: 'sync' })]);
    assert.equal(syncs(), 1);
    assert.deepEqual(
      answers.map((answer) => (answer.type === 'board' ? answer.tasks.length : answer.type)),
      [1, 1],
    );
    await requests.handle({ type: 'sync' });
    assert.equal(syncs(), 2, 'a press after the sync ended syncs again');
  });

  test('a sync message of another shape runs nothing and is logged', async () => {
    const { requests, syncs, warnings } = await session(true);
    for (const hostile of [{ type: 'sync', repository: '../../etc' }, { type: 'sync', token: 'gho_x' }, { type: 'Sync' }]) {
      const answer = await requests.handle(hostile);
      assert.equal(answer.type, 'error', JSON.stringify(answer));
    }
    assert.equal(syncs(), 0);
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /must NOT have additional properties/);
  });

  test('a window without the GitHub sync says so', async () => {
    const { requests } = await session(false);
    assert.deepEqual(await requests.handle({ type: 'sync' }), {
      type: 'error',
      message: 'Sync with GitHub is not available in this window.',
    });
  });
});
