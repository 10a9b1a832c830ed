import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateFileError, StateStore } from '../../src/state/state-store';
import { DataDirectoryLockedError, lockFileName } from '../../src/state/data-directory-lock';
import { recordedLab, setRecordedLab, type LabRecord } from '../../src/state/state-shape';

async function withDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-state-'));
  try {
    await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

test('a new data directory gets a v2 state file', async () => {
  await withDirectory(async (directory) => {
    const store = await StateStore.open({ dataDirectory: directory });
    await store.close();
    const written = JSON.parse(await readFile(join(directory, 'state.json'), 'utf8'));
    assert.deepEqual(written, { schema_version: 2, event_sequence: 0, labs: {}, allocated_ports: [], running_intervals: [] });
  });
});

test('updates are durable, in order, and visible after reopening', async () => {
  await withDirectory(async (directory) => {
    const store = await StateStore.open({ dataDirectory: directory });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        store.update((draft) => {
          draft.allocated_ports.push({ kind: 'ssh', port: 22000 + index, lab: 'web', vm: `vm-${index}` });
          return draft.allocated_ports.length;
        }),
      ),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    await store.close();
    const reopened = await StateStore.open({ dataDirectory: directory });
    assert.deepEqual(
      reopened.state.allocated_ports.map((port) => port.port),
      Array.from({ length: 20 }, (_, index) => 22000 + index),
    );
    await reopened.close();
    const entries = await readdir(directory);
    assert.deepEqual(
      entries.filter((entry) => entry.endsWith('.tmp')),
      [],
      'no temporary files left',
    );
  });
});

test('a failing or invalid update changes nothing, and later updates still run', async () => {
  await withDirectory(async (directory) => {
    const store = await StateStore.open({ dataDirectory: directory });
    const before = await readFile(join(directory, 'state.json'), 'utf8');
    await assert.rejects(
      store.update((draft) => {
        draft.event_sequence = 5;
        throw new Error('plan failed');
      }),
      /plan failed/,
    );
    await assert.rejects(
      store.update((draft) => {
        draft.allocated_ports.push({ kind: 'ssh', port: -1, lab: 'web', vm: 'a' });
      }),
      /Refusing to write an invalid state: \/allocated_ports\/0\/port must be >= 1/,
    );
    assert.equal(store.state.event_sequence, 0);
    assert.deepEqual(store.state.allocated_ports, []);
    assert.equal(await readFile(join(directory, 'state.json'), 'utf8'), before);
    assert.equal(await store.reserveEventSequences(100), 1);
    assert.equal(await store.reserveEventSequences(100), 101);
    await store.close();
  });
});

test('a corrupt state file is refused and left untouched', async () => {
  await withDirectory(async (directory) => {
    const path = join(directory, 'state.json');
    for (const contents of [
      '{"schema_version": 1, "labs": {',
      '',
      '[]',
      '{"schema_version": 1, "labs": {}, "event_sequence": "x", "allocated_ports": []}',
    ]) {
      await writeFile(path, contents);
      const refusal = await StateStore.open({ dataDirectory: directory }).then(
        () => assert.fail('opened a corrupt state file'),
        (error: unknown) => error,
      );
      assert.ok(refusal instanceof StateFileError, String(refusal));
      assert.match(refusal.message, /state\.json (is corrupt|has no valid schema_version)/);
      assert.match(refusal.message, /untouched/);
      assert.equal(await readFile(path, 'utf8'), contents, 'the file was not rewritten');
      // The refusal released the lock.
      assert.ok(!(await readdir(directory)).includes(lockFileName));
    }
  });
});

test('labs named like object keys are recorded, found, written and read back under their own names', async () => {
  await withDirectory(async (directory) => {
    const names = ['constructor', 'valueof', 'tostring', 'hasownproperty', 'prototype'];
    const lab = (name: string): LabRecord => ({
      name,
      status: 'running',
      definition: { name, vms: [{ name, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
      createdAt: '2026-11-29T00:00:00.000Z',
      updatedAt: '2026-11-29T00:00:00.000Z',
      resources: { domains: [], volumes: [], networks: [], ports: [] },
      deployLog: [],
    });
    const store = await StateStore.open({ dataDirectory: directory });
    // Nothing is recorded yet: an inherited `constructor` is not a lab.
    assert.equal(recordedLab(store.state.labs, 'constructor'), undefined);
    await store.update((draft) => {
      for (const name of names) setRecordedLab(draft.labs, name, lab(name));
    });
    assert.equal(recordedLab(store.state.labs, 'constructor')?.name, 'constructor');
    await store.close();
    const reopened = await StateStore.open({ dataDirectory: directory });
    assert.deepEqual(Object.keys(reopened.state.labs), names);
    for (const name of names) assert.equal(recordedLab(reopened.state.labs, name)?.definition.vms[0]?.name, name);
    assert.equal(recordedLab(reopened.state.labs, 'isprototypeof'), undefined);
    await reopened.close();
  });
});

test('a state file with a lab keyed __proto__ is refused as corrupt, not read as a prototype', async () => {
  await withDirectory(async (directory) => {
    const path = join(directory, 'state.json');
    const contents = '{"schema_version": 1, "event_sequence": 0, "allocated_ports": [], "labs": {"__proto__": {"name": "x"}}}';
    await writeFile(path, contents);
    await assert.rejects(StateStore.open({ dataDirectory: directory }), (error: Error) => {
      assert.ok(error instanceof StateFileError, String(error));
      assert.match(error.message, /state\.json is corrupt: \/labs must match pattern/);
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), contents);
  });
});

test('a state file from a newer version is refused and left untouched', async () => {
  await withDirectory(async (directory) => {
    const path = join(directory, 'state.json');
    const contents = JSON.stringify({ schema_version: 7, labs: {}, things: [] });
    await writeFile(path, contents);
    await assert.rejects(StateStore.open({ dataDirectory: directory }), (error: Error) => {
      assert.match(error.message, /schema_version 7, written by a newer vlm-host; this one understands versions up to 2/);
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), contents);
  });
});

test('the data directory is refused while a live process holds its lock', async () => {
  await withDirectory(async (directory) => {
    const store = await StateStore.open({ dataDirectory: directory });
    try {
      await assert.rejects(StateStore.open({ dataDirectory: directory }), (error: unknown) => {
        assert.ok(error instanceof DataDirectoryLockedError);
        assert.equal(error.ownerPid, process.pid);
        assert.match(error.message, new RegExp(`Another vlm-host \\(pid ${process.pid}\\) is using the data directory`));
        return true;
      });
    } finally {
      await store.close();
    }
  });
});

test('a stale lock of a dead process is taken over with a log line', async () => {
  await withDirectory(async (directory) => {
    // A pid that certainly is dead: a child that has exited and been reaped.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(child.stdout);
    await writeFile(join(directory, lockFileName), `${deadPid}\n`);
    const lines: string[] = [];
    const store = await StateStore.open({ dataDirectory: directory, log: (line) => lines.push(line) });
    assert.deepEqual(
      lines.filter((line) => line.includes('stale lock')),
      [`Took over the stale lock ${join(directory, lockFileName)} of pid ${deadPid}, which is no longer running.`],
    );
    assert.equal(await readFile(join(directory, lockFileName), 'utf8'), `${process.pid}\n`);
    await store.close();
    assert.ok(!(await readdir(directory)).includes(lockFileName), 'close removes the lock');
  });
});

test('a data directory of an older vlm-host is made private at start: folders passable or closed, user data owner-only', async () => {
  await withDirectory(async (directory) => {
    // As an older vlm-host left it: everything readable by every user.
    for (const folder of ['pool', 'logs', 'images', 'ssh']) await mkdir(join(directory, folder), { mode: 0o755 });
    await chmod(directory, 0o755);
    for (const folder of ['pool', 'logs', 'images', 'ssh']) await chmod(join(directory, folder), 0o755);
    const files = {
      seed: join(directory, 'pool', 'web-a.seed.iso'),
      disk: join(directory, 'pool', 'web-a.qcow2'),
      log: join(directory, 'logs', 'web-a.log'),
      key: join(directory, 'ssh', 'id_ed25519'),
      publicKey: join(directory, 'ssh', 'id_ed25519.pub'),
    };
    for (const path of Object.values(files)) await writeFile(path, 'data', { mode: 0o644 });
    await chmod(files.key, 0o640);
    const lines: string[] = [];
    const store = await StateStore.open({ dataDirectory: directory, log: (line) => lines.push(line) });
    try {
      const mode = async (path: string) => (await stat(path)).mode & 0o777;
      assert.deepEqual(
        {
          data: await mode(directory),
          pool: await mode(join(directory, 'pool')),
          images: await mode(join(directory, 'images')),
          logs: await mode(join(directory, 'logs')),
          ssh: await mode(join(directory, 'ssh')),
        },
        { data: 0o711, pool: 0o711, images: 0o711, logs: 0o700, ssh: 0o700 },
      );
      assert.deepEqual(
        {
          seed: await mode(files.seed),
          disk: await mode(files.disk),
          log: await mode(files.log),
          key: await mode(files.key),
          publicKey: await mode(files.publicKey),
        },
        { seed: 0o600, disk: 0o600, log: 0o600, key: 0o600, publicKey: 0o644 },
      );
      assert.equal(await mode(join(directory, 'state.json')), 0o600);
      assert.equal(await mode(join(directory, lockFileName)), 0o600);
      assert.ok(lines.includes(`Set ${join(directory, 'pool')} to mode 0711 (it was 0755).`), lines.join('\n'));
      assert.ok(lines.includes(`Made 2 file(s) in ${join(directory, 'pool')} readable by their owner only.`), lines.join('\n'));
    } finally {
      await store.close();
    }
  });
});
