// The scheduler behind parallel apply: the limit holds, dependencies finish first, and the first
// failure stops new steps while the running ones are told to stop and are awaited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScheduled, StepFailedError, StepsCancelledError, type ScheduledStep } from '../../src/deploy/step-scheduler';

/** A step that finishes when the test says so, recording what happened. */
function controlled(name: string, dependsOn: string[], journal: string[]) {
  let finish!: (error?: Error) => void;
  const step: ScheduledStep & { started: boolean; signal?: AbortSignal } = {
    name,
    dependsOn,
    started: false,
    run(signal) {
      step.started = true;
      step.signal = signal;
      journal.push(`start ${name}`);
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        finish = (error) => {
          if (settled) return;
          settled = true;
          journal.push(`${error ? 'fail' : 'end'} ${name}`);
          if (error) reject(error);
          else resolve();
        };
        signal.addEventListener('abort', () => finish(new Error(`${name} stopped`)), { once: true });
      });
    },
  };
  return { step, finish: (error?: Error) => finish(error) };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('no more than the limit run at once, and a step starts only after its dependencies end', async () => {
  const journal: string[] = [];
  const a = controlled('a', [], journal);
  const b = controlled('b', [], journal);
  const c = controlled('c', [], journal);
  const d = controlled('d', ['a', 'b'], journal);
  const run = runScheduled([d.step, a.step, b.step, c.step], 2, new AbortController().signal);
  await settle();
  assert.deepEqual(journal, ['start a', 'start b'], 'd waits for a and b; c waits for a free slot');
  a.finish();
  await settle();
  assert.deepEqual(journal.slice(2), ['end a', 'start c'], 'd still waits for b');
  b.finish();
  await settle();
  assert.deepEqual(journal.slice(4), ['end b', 'start d']);
  c.finish();
  d.finish();
  await run;
});

test('a dependency outside the steps (already deployed) counts as met', async () => {
  const journal: string[] = [];
  const web = controlled('web', ['db'], journal);
  const run = runScheduled([web.step], 3, new AbortController().signal);
  await settle();
  assert.deepEqual(journal, ['start web']);
  web.finish();
  await run;
});

test('the first failure starts nothing new, stops the running steps, and names the failed step', async () => {
  const journal: string[] = [];
  const a = controlled('a', [], journal);
  const b = controlled('b', [], journal);
  const c = controlled('c', [], journal);
  const run = runScheduled([a.step, b.step, c.step], 2, new AbortController().signal);
  await settle();
  a.finish(new Error('disk full'));
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof StepFailedError);
    assert.equal(error.step, 'a');
    assert.equal(error.message, 'a: disk full');
    return true;
  });
  assert.equal(c.step.started, false, 'c never started');
  assert.equal(b.step.signal?.aborted, true, 'b was told to stop');
  assert.deepEqual(journal, ['start a', 'start b', 'fail a', 'fail b'], 'b ended before the run settled');
});

test('cancelling from outside stops the running steps and starts no more', async () => {
  const journal: string[] = [];
  const a = controlled('a', [], journal);
  const b = controlled('b', ['a'], journal);
  const outer = new AbortController();
  const run = runScheduled([a.step, b.step], 2, outer.signal);
  await settle();
  outer.abort();
  await assert.rejects(run, StepFailedError);
  assert.equal(b.step.started, false);
});

test('a run cancelled before it starts runs nothing and rejects: it never passes for done', async () => {
  const journal: string[] = [];
  const a = controlled('a', [], journal);
  const outer = new AbortController();
  outer.abort();
  await assert.rejects(runScheduled([a.step], 2, outer.signal), (error: unknown) => {
    assert.ok(error instanceof StepsCancelledError);
    assert.deepEqual(error.notStarted, ['a']);
    assert.equal(error.message, '1 step(s) had not started: a');
    return true;
  });
  assert.deepEqual(journal, []);
});

test('a cancel while the running steps finish anyway still rejects, naming the steps that never started', async () => {
  const journal: string[] = [];
  // Steps past their last check for the signal: the cancel does not stop them.
  const deaf = (name: string, dependsOn: string[]) => {
    let finish!: () => void;
    const step: ScheduledStep = {
      name,
      dependsOn,
      run: () =>
        new Promise<void>((resolve) => {
          journal.push(`start ${name}`);
          finish = () => {
            journal.push(`end ${name}`);
            resolve();
          };
        }),
    };
    return { step, finish: () => finish() };
  };
  const a = deaf('a', []);
  const later = Array.from({ length: 7 }, (_, index) => deaf(`v${index}`, ['a']));
  const outer = new AbortController();
  const run = runScheduled([a.step, ...later.map((item) => item.step)], 2, outer.signal);
  await settle();
  outer.abort();
  a.finish();
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof StepsCancelledError);
    assert.equal(error.message, '7 step(s) had not started: v0, v1, v2, v3, v4 and 2 more');
    return true;
  });
  assert.deepEqual(journal, ['start a', 'end a']);
});

test('a limit below one is refused with a clear message', async () => {
  await assert.rejects(runScheduled([], 0, new AbortController().signal), /positive integer, not 0/);
});
