// The pid lock: taken when free, reported with its owner when a live process holds it, taken
// over (and logged) when its owner is dead or the file is unreadable, released only by its owner.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tryPidLock } from '../src/pid-lock';

const folder = mkdtempSync(join(tmpdir(), 'vlm-pid-lock-'));
after(() => rmSync(folder, { recursive: true, force: true }));

test('a free lock is taken and released; a second taker is told who holds it', () => {
  const path = join(folder, 'free.lock');
  const first = tryPidLock(path, () => undefined);
  assert.ok('lock' in first);
  assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
  assert.deepEqual(
    tryPidLock(path, () => undefined),
    { heldBy: process.pid, path },
  );
  if ('lock' in first) first.lock.release();
  assert.equal(existsSync(path), false);
});

test('a dead owner or an unreadable file is taken over, and said so', () => {
  // A pid that was alive a moment ago and is not any more.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  for (const [contents, expected] of [
    [`${dead}\n`, `Took over the stale lock ${join(folder, 'stale.lock')} of pid ${dead}, which is no longer running.`],
    ['garbage', `Replaced an unreadable lock file ${join(folder, 'stale.lock')}.`],
  ]) {
    const path = join(folder, 'stale.lock');
    writeFileSync(path, contents as string);
    const logged: string[] = [];
    const attempt = tryPidLock(path, (line) => logged.push(line));
    assert.ok('lock' in attempt);
    assert.deepEqual(logged, [expected]);
    if ('lock' in attempt) attempt.lock.release();
  }
});

test('a lock someone else replaced is not removed by the old owner', () => {
  const path = join(folder, 'replaced.lock');
  const attempt = tryPidLock(path, () => undefined);
  writeFileSync(path, '1\n');
  if ('lock' in attempt) attempt.lock.release();
  assert.equal(readFileSync(path, 'utf8'), '1\n');
});
