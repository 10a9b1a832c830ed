// The process runner: streamed lines, exit codes and signals, errors naming the command and its
// stderr, and cancellation and timeouts that end grandchildren too (checked by pid).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CommandFailedError, requireSuccess, runCommand } from '../../src/process/process-runner';
import { waitUntil } from '../../local-libvirt/wait-until';

/** Running, not just a zombie waiting for whoever adopted it to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A shell that starts a grandchild ignoring SIGTERM, prints both pids and waits. */
const stubbornTree = {
  program: 'sh',
  args: ['-c', `sh -c 'trap "" TERM; echo grandchild $$; while :; do sleep 1; done' & echo child $$; wait`],
};

describe('runCommand', () => {
  test('streams stdout and stderr lines and reports the exit code', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const result = await runCommand(
      { program: 'sh', args: ['-c', 'printf "one\\ntwo\\nthree"; echo oops >&2; exit 3'] },
      { onStdoutLine: (line) => out.push(line), onStderrLine: (line) => err.push(line) },
    );
    assert.deepEqual(out, ['one', 'two', 'three']);
    assert.deepEqual(err, ['oops']);
    assert.equal(result.exitCode, 3);
    assert.equal(result.signal, null);
    assert.equal(result.cancelled, false);
  });

  test('over-long lines reach the callback cut, with how much was dropped; memory stays bounded', async () => {
    const lines: Array<[string, number]> = [];
    const result = await runCommand(
      { program: 'sh', args: ['-c', 'head -c 3000000 /dev/zero | tr "\\0" x; echo; printf "short\\r\\nlast"'] },
      { maximumLineCharacters: 1000, maximumKeptBytes: 100, onStdoutLine: (line, cut) => lines.push([line, cut]) },
    );
    assert.equal(result.exitCode, 0);
    assert.deepEqual(lines, [
      ['x'.repeat(1000), 2_999_000],
      ['short', 0],
      ['last', 0],
    ]);
    assert.equal(result.stdout.length, 100);
  });

  test('arguments reach the program as given, with no shell in between', async () => {
    const tricky = '$(touch /tmp/never) "quoted" ; *';
    const result = await runCommand({ program: 'printf', args: ['%s', tricky] });
    assert.equal(result.stdout, tricky);
  });

  test('a failure names the command, how it ended and its last stderr lines', async () => {
    const command = { program: 'sh', args: ['-c', 'for n in 1 2 3 4 5 6 7 8 9 10; do echo "line $n" >&2; done; exit 2'] };
    const result = await runCommand(command);
    assert.throws(
      () => requireSuccess(command, result),
      (error: unknown) => {
        assert.ok(error instanceof CommandFailedError);
        assert.match(error.message, /^sh -c "for n in .*" exited with status 2:\n/);
        assert.match(error.message, /line 10$/);
        assert.doesNotMatch(error.message, /line 2\n/);
        return true;
      },
    );
  });

  test('a program that does not exist is a clear error', async () => {
    await assert.rejects(runCommand({ program: 'vlm-no-such-program', args: ['x'] }), /Could not start vlm-no-such-program x: .*ENOENT/);
  });

  test('cancelling ends the whole process tree, grandchildren that ignore SIGTERM included', async () => {
    const controller = new AbortController();
    const pids = new Map<string, number>();
    const running = runCommand(
      { ...stubbornTree, killGraceMs: 300 },
      {
        signal: controller.signal,
        onStdoutLine: (line) => {
          const [role, pid] = line.split(' ');
          pids.set(role as string, Number(pid));
        },
      },
    );
    await waitUntil('both pids', () => pids.size === 2);
    const grandchild = pids.get('grandchild') as number;
    const child = pids.get('child') as number;
    assert.ok(alive(grandchild) && alive(child));
    controller.abort();
    const result = await running;
    assert.equal(result.cancelled, true);
    assert.equal(alive(child), false, `child ${child} is gone`);
    assert.equal(alive(grandchild), false, `grandchild ${grandchild} is gone`);
    assert.throws(() => requireSuccess({ ...stubbornTree }, result), /was cancelled/);
  });

  test('a timeout ends the tree and is reported as one', async () => {
    const pids: number[] = [];
    const result = await runCommand(
      { ...stubbornTree, timeoutMs: 300, killGraceMs: 200 },
      { onStdoutLine: (line) => pids.push(Number(line.split(' ')[1])) },
    );
    assert.equal(result.timedOut, true);
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.equal(alive(pid), false, `${pid} is gone`);
  });

  test('an already aborted signal runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runCommand({ program: 'sh', args: ['-c', 'echo ran'] }, { signal: controller.signal });
    assert.equal(result.cancelled, true);
    assert.equal(result.stdout, '');
  });
});
