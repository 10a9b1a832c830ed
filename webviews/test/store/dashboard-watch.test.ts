// Another window's changes reach this one: a second process (the writer fixture, as a second VS
// Code window) adds expenses while this process watches; this process's own writes are not
// reported back to it; a corrupt file from elsewhere is an error, not a crash.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DashboardData } from '../../src/store/dashboard-data';
import { DashboardStore } from '../../src/store/dashboard-store';
import { watchDashboardFile } from '../../src/store/dashboard-watch';

const writer = join(__dirname, 'fixtures', 'expense-writer.ts');
const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function otherWindowAdds(directory: string, prefix: string, count: number): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, directory, prefix, String(count)], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', resolve));
}

/** Waits, up to a deadline, until `found` returns something after a report; `listeners` calls it on each. */
function until<Found>(listeners: Array<() => void>, found: () => Found | undefined): Promise<Found> {
  return new Promise((resolve, reject) => {
    // The watcher does not keep the process alive; this timer does, until the report comes.
    const timer = setTimeout(() => reject(new Error('not reported within 20 s')), 20_000);
    const look = () => {
      const value = found();
      if (value !== undefined) {
        clearTimeout(timer);
        resolve(value);
      }
    };
    listeners.push(look);
    look();
  });
}

test('a second process writing is seen here; this process writing is not reported back; a corrupt file is an error', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'vlm-watch-'));
  folders.push(directory);
  const store = await DashboardStore.open({ directory });
  const seen: DashboardData[] = [];
  const errors: Error[] = [];
  const listeners: Array<() => void> = [];
  const watcher = watchDashboardFile(
    store,
    (data) => {
      seen.push(data);
      for (const listener of listeners) listener();
    },
    (error) => {
      errors.push(error);
      for (const listener of listeners) listener();
    },
  );
  try {
    assert.equal(await otherWindowAdds(directory, 'other', 3), 0);
    const first = await until(listeners, () => seen.find((data) => data.expenses.length === 3));
    assert.deepEqual(
      first.expenses.map((expense) => expense.id),
      ['other-0', 'other-1', 'other-2'],
    );

    const { data: own } = await store.update((draft) => {
      draft.expenses.push({ id: 'mine', date: '2026-03-02', amountMinor: 1, currency: 'EUR', category: 'here', note: '' });
    });
    assert.equal(await otherWindowAdds(directory, 'later', 1), 0);
    const later = await until(listeners, () => seen.find((data) => data.expenses.some((expense) => expense.id === 'later-0')));
    assert.ok(later.expenses.some((expense) => expense.id === 'mine'));
    assert.ok(!seen.some((data) => data.revision === own.revision), 'this process’s own write is not reported to it');

    writeFileSync(store.path, '{"schema_version": 2, "revision": ');
    const error = await until(listeners, () => errors[0]);
    assert.match(error.message, /is corrupt: is not JSON/);
  } finally {
    watcher.close();
    await store.close();
  }
});
