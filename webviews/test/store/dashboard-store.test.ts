// The dashboard file under the conditions two VS Code windows and a crash create: concurrent
// writers from two processes, a writer killed with SIGKILL mid-write, a file from a newer version.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { DashboardStore, dashboardFileName } from '../../src/store/dashboard-store';

const writer = join(__dirname, 'fixtures', 'expense-writer.ts');
const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function temporaryFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-dashboard-'));
  folders.push(folder);
  return folder;
}

/** A writer process; with `together`, it waits to be told to start (see startWritersTogether). */
function startWriter(directory: string, prefix: string, count: number | 'forever', together = false): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', writer, directory, prefix, String(count), ...(together ? ['together'] : [])], {
    stdio: [together ? 'pipe' : 'ignore', 'pipe', 'inherit'],
  });
}

/** Writers that each open the store, then all start writing when every one of them is ready. */
async function startWritersTogether(directory: string, prefixes: string[], count: number): Promise<ChildProcess[]> {
  const writers = prefixes.map((prefix) => startWriter(directory, prefix, count, true));
  await Promise.all(
    writers.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`a writer ended (${code}) before it was ready`)));
          createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) =>
            line === 'ready' ? resolve() : reject(new Error(`a writer printed "${line}" before "ready"`)),
          );
        }),
    ),
  );
  for (const child of writers) child.stdin?.end('go\n');
  return writers;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const entry = { id: 'a', date: '2026-03-01', amountMinor: 1250, currency: 'EUR', category: 'hosting', note: '' };

describe('dashboard store with two processes', () => {
  test('two processes adding 150 expenses each at once lose none and take turns', async () => {
    const directory = temporaryFolder();
    const writers = await startWritersTogether(directory, ['left', 'right'], 150);
    assert.deepEqual(await Promise.all(writers.map(exited)), [0, 0]);
    const store = await DashboardStore.open({ directory });
    const data = await store.read();
    assert.equal(data.expenses.length, 300);
    assert.equal(new Set(data.expenses.map((expense) => expense.id)).size, 300);
    assert.equal(data.revision, 300);
    // Fair: a window waiting for the lock gets it before the other has made many more updates.
    const order = data.expenses.map((expense) => expense.id.split('-')[0]);
    let longestRun = 1;
    for (let index = 1, run = 1; index < order.length; index += 1) {
      run = order[index] === order[index - 1] ? run + 1 : 1;
      longestRun = Math.max(longestRun, run);
    }
    assert.ok(longestRun <= 10, `one writer made ${longestRun} updates in a row while the other waited`);
    assert.deepEqual(readdirSync(directory).sort(), [dashboardFileName]);
  });

  test('a writer killed with SIGKILL leaves the last acknowledged state or the next, and its stale lock is taken over', async () => {
    const directory = temporaryFolder();
    for (let round = 0; round < 4; round += 1) {
      const child = startWriter(directory, `round${round}`, 'forever');
      let acked = -1;
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      const target = 5 + round * 7;
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`the writer ended (${code}) before it was killed`)));
        lines.on('line', (line) => {
          acked = Number(line.split(' ')[1]);
          if (acked >= target) resolve();
        });
      });
      const gone = exited(child);
      child.kill('SIGKILL');
      await gone;
      const lastAcked = acked;
      const lockLeft = existsSync(join(directory, `${dashboardFileName}.lock`));
      const logged: string[] = [];
      const store = await DashboardStore.open({ directory, log: (line) => logged.push(line) });
      const { revision } = await store.read();
      assert.ok(revision === lastAcked || revision === lastAcked + 1, `revision ${revision} after acknowledging ${lastAcked}`);
      if (lockLeft)
        assert.ok(
          logged.some((line) => line.startsWith('Took over the stale lock')),
          logged.join('\n'),
        );
      assert.doesNotThrow(() => JSON.parse(readFileSync(join(directory, dashboardFileName), 'utf8')));
      await store.update((draft) => draft.expenses.push({ ...entry, id: `after-${round}` }));
    }
  });
});

describe('dashboard store in one process', () => {
  test('a file from a newer version is refused and left untouched', async () => {
    const directory = temporaryFolder();
    const path = join(directory, dashboardFileName);
    const newer = `${JSON.stringify({ schema_version: 3, revision: 4, expenses: [], burndown: [] })}\n`;
    writeFileSync(path, newer);
    await assert.rejects(
      DashboardStore.open({ directory }),
      /schema_version 3, written by a newer Virtual Lab Manager; this one understands versions up to 2/,
    );
    assert.equal(readFileSync(path, 'utf8'), newer);
  });

  test('a window whose file was upgraded by a newer window refuses to save, losing nothing', async () => {
    const directory = temporaryFolder();
    const store = await DashboardStore.open({ directory });
    await store.update((draft) => draft.expenses.push(entry));
    const path = join(directory, dashboardFileName);
    const newer = JSON.stringify({ schema_version: 3, revision: 9, expenses: [entry] });
    writeFileSync(path, newer);
    await assert.rejects(
      store.update((draft) => draft.expenses.splice(0)),
      /newer Virtual Lab Manager/,
    );
    assert.equal(readFileSync(path, 'utf8'), newer);
  });

  test('corrupt files are refused and left untouched', async () => {
    for (const [contents, expected] of [
      ['{"schema_version": 1, "revis', /is not JSON/],
      ['[]', /has no valid schema_version/],
      ['{"schema_version": 1, "revision": 0, "expenses": [{"id": "a"}]}', /expenses\[0\] must have required property/],
      [
        JSON.stringify({ schema_version: 1, revision: 0, expenses: [{ ...entry, amountMinor: 12.5 }] }),
        /expenses\[0\]\.amountMinor must be integer/,
      ],
      [
        JSON.stringify({ schema_version: 1, revision: 0, expenses: [{ ...entry, currency: 'ZZZ' }] }),
        /currency: ZZZ is not an ISO 4217 currency/,
      ],
      [JSON.stringify({ schema_version: 1, revision: 0, expenses: [entry, entry] }), /repeats the id a/],
    ] as const) {
      const directory = temporaryFolder();
      writeFileSync(join(directory, dashboardFileName), contents);
      await assert.rejects(DashboardStore.open({ directory }), expected);
      assert.equal(readFileSync(join(directory, dashboardFileName), 'utf8'), contents);
    }
  });

  test('an update that throws or makes the data invalid writes nothing', async () => {
    const directory = temporaryFolder();
    const store = await DashboardStore.open({ directory });
    await store.update((draft) => draft.expenses.push(entry));
    const before = readFileSync(join(directory, dashboardFileName), 'utf8');
    await assert.rejects(
      store.update(() => {
        throw new Error('no');
      }),
      /no/,
    );
    await assert.rejects(
      store.update((draft) => draft.expenses.push({ ...entry, id: 'b', date: '2026-02-30' })),
      /2026-02-30 is not a day of the calendar/,
    );
    assert.equal(readFileSync(join(directory, dashboardFileName), 'utf8'), before);
  });

  test('a lock held by a live process makes an update wait, then fail with who holds it', async () => {
    const directory = temporaryFolder();
    const store = await DashboardStore.open({ directory, lockTimeoutMs: 200 });
    // pid 1 is alive and is not us: a lock no one will release.
    writeFileSync(join(directory, `${dashboardFileName}.lock`), '1\n');
    await assert.rejects(
      store.update((draft) => draft.expenses.push(entry)),
      /Another process \(pid 1\) held .*dashboard\.json\.lock for over 0\.2 s, so nothing was saved/,
    );
    assert.equal((await store.read()).expenses.length, 0);
  });
});

describe('dashboard store upgrades', () => {
  test('a version 1 file is upgraded to version 2, its expenses kept and the old file backed up', async () => {
    const directory = temporaryFolder();
    const path = join(directory, dashboardFileName);
    const older = JSON.stringify({ schema_version: 1, revision: 7, expenses: [entry] });
    writeFileSync(path, older);
    const lines: string[] = [];
    const store = await DashboardStore.open({ directory, log: (line) => lines.push(line) });
    const data = await store.read();
    assert.equal(data.schema_version, 2);
    assert.equal(data.revision, 7);
    assert.deepEqual(data.expenses, [entry]);
    assert.deepEqual([data.budgets, data.tasks, data.roadmaps, data.tools, data.github], [[], [], [], [], { repositories: [] }]);
    assert.equal(readFileSync(`${path}.v1.bak`, 'utf8'), older);
    assert.match(lines.join('\n'), /from schema_version 1 to 2/);
  });
});
