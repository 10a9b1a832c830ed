// Following an operation that has no SDK waiter: ask, wait, ask again, each wait longer up to a
// ceiling, until it is done, the deadline passes or the caller aborts. A gate holds the polling
// while nobody looks (the view is hidden) and lets it go on when the view shows again.
import { CloudError, isCloudError } from './cloud-errors.js';
import type { ProviderKind } from './cloud-provider.js';

/** Time as the poller sees it; tests hand in a clock they move by hand. */
export interface PollingClock {
  now(): number;
  /** Resolves after `milliseconds`; rejects with `signal.reason` when it aborts first. */
  sleep(milliseconds: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: PollingClock = {
  now: () => Date.now(),
  sleep: (milliseconds, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, milliseconds);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Opened and closed by whoever knows whether anyone looks; polls wait at a closed gate. */
export class PollingGate {
  private waiters: Array<() => void> = [];
  private paused = false;

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at once when open, else when resumed; rejects when `signal` aborts first. */
  passed(signal?: AbortSignal): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        reject(signal?.reason);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      this.waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export type PollResult<T> = { done: true; value: T } | { done: false };

export interface PollOptions {
  provider: ProviderKind;
  /** What is followed, for the deadline's message: "stopping i-0abc in eu-west-1". */
  what: string;
  /** First wait, before the second check; default 1 s. */
  initialDelayMs?: number;
  /** Each wait is the one before times this; default 1.5. */
  factor?: number;
  /** The longest wait; default 15 s. */
  maxDelayMs?: number;
  /** Give up this long after the start; default 10 minutes. */
  deadlineMs?: number;
  signal?: AbortSignal;
  gate?: PollingGate;
  clock?: PollingClock;
}

/**
 * Calls `check` until it reports done, waiting longer between calls. A throttled answer
 * (CloudError 'throttled') is not a failure here: it only makes the next wait longer. Other
 * errors end the polling. Past the deadline, rejects with CloudError 'unreachable'.
 */
export async function pollUntilDone<T>(check: (signal?: AbortSignal) => Promise<PollResult<T>>, options: PollOptions): Promise<T> {
  const { provider, what, signal, gate } = options;
  const clock = options.clock ?? systemClock;
  const factor = options.factor ?? 1.5;
  const maxDelayMs = options.maxDelayMs ?? 15_000;
  const deadlineMs = options.deadlineMs ?? 600_000;
  let delayMs = options.initialDelayMs ?? 1_000;
  if (!(factor >= 1) || !(delayMs > 0) || !(maxDelayMs >= delayMs) || !(deadlineMs > 0)) {
    throw new RangeError('polling needs initialDelayMs > 0, factor >= 1, maxDelayMs >= initialDelayMs and deadlineMs > 0');
  }
  const deadline = clock.now() + deadlineMs;
  for (;;) {
    signal?.throwIfAborted();
    await gate?.passed(signal);
    try {
      const result = await check(signal);
      if (result.done) return result.value;
    } catch (error) {
      if (!isCloudError(error) || error.kind !== 'throttled' || signal?.aborted) throw error;
      delayMs = Math.min(maxDelayMs, delayMs * factor);
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      throw new CloudError('unreachable', provider, `${what} did not finish within ${Math.round(deadlineMs / 1000)} s`, {
        code: 'deadline',
        hint: "The provider may still finish it: refresh to see the instance's state.",
      });
    }
    // The last wait ends at the deadline, so the last check happens then rather than a whole step later.
    await clock.sleep(Math.min(delayMs, remaining), signal);
    delayMs = Math.min(maxDelayMs, delayMs * factor);
  }
}
