// Polling an operation on a clock the test moves: waits grow by the factor up to the ceiling,
// throttling only slows it, the deadline ends it, a closed gate holds it, an abort stops it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudError } from '../src/cloud-errors';
import { type PollingClock, PollingGate, type PollResult, pollUntilDone } from '../src/operation-polling';

/** A clock whose sleeps end at once, moving time on by what was asked, and recording it. */
function steppingClock(): PollingClock & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    async sleep(milliseconds, signal) {
      signal?.throwIfAborted();
      waits.push(milliseconds);
      now += milliseconds;
    },
  };
}

function doneAfter(checks: number, value = 'stopped'): () => Promise<PollResult<string>> {
  let count = 0;
  return async () => {
    count += 1;
    return count >= checks ? { done: true, value } : { done: false };
  };
}

const base = { provider: 'proxmox' as const, what: 'stopping 101 on pve1' };

describe('polling an operation', () => {
  it('waits longer each time, up to the ceiling', async () => {
    const clock = steppingClock();
    const value = await pollUntilDone(doneAfter(7), { ...base, clock, initialDelayMs: 1000, factor: 2, maxDelayMs: 5000 });
    assert.equal(value, 'stopped');
    assert.deepEqual(clock.waits, [1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('returns at once when the first check says done', async () => {
    const clock = steppingClock();
    assert.equal(await pollUntilDone(doneAfter(1), { ...base, clock }), 'stopped');
    assert.deepEqual(clock.waits, []);
  });

  it('treats a throttled check as a reason to wait longer, and any other error as the end', async () => {
    const clock = steppingClock();
    let count = 0;
    const throttledTwice = async (): Promise<PollResult<string>> => {
      count += 1;
      if (count <= 2) throw new CloudError('throttled', 'proxmox', 'too many requests', { status: 429 });
      return { done: true, value: 'ok' };
    };
    assert.equal(await pollUntilDone(throttledTwice, { ...base, clock, initialDelayMs: 100, factor: 2, maxDelayMs: 10_000 }), 'ok');
    assert.deepEqual(clock.waits, [200, 800]);
    const failing = async (): Promise<PollResult<string>> => {
      throw new CloudError('provider', 'proxmox', 'task failed', { code: 'VM 101 not running' });
    };
    await assert.rejects(pollUntilDone(failing, { ...base, clock }), /task failed/);
  });

  it('gives up at the deadline with a CloudError, after a last check at the deadline', async () => {
    const clock = steppingClock();
    const never = async (): Promise<PollResult<string>> => ({ done: false });
    const error = await pollUntilDone(never, {
      ...base,
      clock,
      initialDelayMs: 1000,
      factor: 2,
      maxDelayMs: 4000,
      deadlineMs: 10_000,
    }).catch((caught: unknown) => caught);
    assert.ok(error instanceof CloudError);
    assert.equal(
      error.describe(),
      "proxmox: stopping 101 on pve1 did not finish within 10 s (deadline). The provider may still finish it: refresh to see the instance's state.",
    );
    assert.deepEqual(clock.waits, [1000, 2000, 4000, 3000]);
  });

  it('stops when aborted, during a wait or before a check', async () => {
    const controller = new AbortController();
    const clock = steppingClock();
    let checks = 0;
    const check = async (): Promise<PollResult<string>> => {
      checks += 1;
      if (checks === 2) controller.abort(new Error('view closed'));
      return { done: false };
    };
    await assert.rejects(pollUntilDone(check, { ...base, clock, signal: controller.signal }), /view closed/);
    assert.equal(checks, 2);
  });

  it('refuses settings that would never wait or never end', async () => {
    const check = doneAfter(1);
    await assert.rejects(pollUntilDone(check, { ...base, initialDelayMs: 0 }), RangeError);
    await assert.rejects(pollUntilDone(check, { ...base, factor: 0.5 }), RangeError);
    await assert.rejects(pollUntilDone(check, { ...base, initialDelayMs: 10, maxDelayMs: 5 }), RangeError);
  });
});

describe('a polling gate', () => {
  it('holds checks while paused and lets them go on resume', async () => {
    const gate = new PollingGate();
    const clock = steppingClock();
    let checks = 0;
    const check = async (): Promise<PollResult<number>> => {
      checks += 1;
      if (checks === 1) gate.pause();
      return checks === 2 ? { done: true, value: checks } : { done: false };
    };
    const polled = pollUntilDone(check, { ...base, clock, gate });
    // Let the first check and the wait run; the second waits at the gate.
    for (let turn = 0; turn < 5; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(checks, 1);
    assert.equal(gate.isPaused, true);
    gate.resume();
    assert.equal(await polled, 2);
  });

  it('lets an abort through while paused', async () => {
    const gate = new PollingGate();
    gate.pause();
    const controller = new AbortController();
    const waiting = gate.passed(controller.signal);
    controller.abort(new Error('disposed'));
    await assert.rejects(waiting, /disposed/);
    gate.resume();
    await gate.passed();
  });
});
