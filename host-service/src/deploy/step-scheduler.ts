// Runs a lab's VM steps in parallel up to a limit, each only after everything it depends on has
// finished. The first failure stops new steps from starting; running ones are told to stop
// (through the signal) and awaited, so nothing is left running unrecorded. A cancel from outside
// does the same, and the run never resolves as done while steps are left unstarted.

export interface ScheduledStep {
  name: string;
  dependsOn: readonly string[];
  run(signal: AbortSignal): Promise<void>;
}

export class StepFailedError extends Error {
  override name = 'StepFailedError';
  constructor(
    readonly step: string,
    readonly reason: unknown,
  ) {
    super(`${step}: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

/** The run was cancelled from outside before these steps started (the running ones finished). */
export class StepsCancelledError extends Error {
  override name = 'StepsCancelledError';
  constructor(readonly notStarted: readonly string[]) {
    const shown = notStarted.slice(0, 5).join(', ');
    const more = notStarted.length > 5 ? ` and ${notStarted.length - 5} more` : '';
    super(`${notStarted.length} step(s) had not started: ${shown}${more}`);
  }
}

/**
 * Resolves when all steps are done; rejects with StepFailedError for the first failing step, or
 * with StepsCancelledError when cancelled from outside before every step started.
 */
export async function runScheduled(steps: readonly ScheduledStep[], limit: number, outer: AbortSignal): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`The parallel step limit must be a positive integer, not ${limit}.`);
  const controller = new AbortController();
  const forward = () => controller.abort(outer.reason);
  if (outer.aborted) forward();
  else outer.addEventListener('abort', forward, { once: true });
  const names = new Set(steps.map((step) => step.name));
  const done = new Set<string>();
  const waiting = [...steps];
  const running = new Set<Promise<void>>();
  let failure: StepFailedError | undefined;
  try {
    for (;;) {
      if (!failure && !controller.signal.aborted) {
        for (let index = 0; index < waiting.length && running.size < limit; ) {
          const step = waiting[index] as ScheduledStep;
          // Dependencies outside this run (already deployed) count as met.
          if (step.dependsOn.every((name) => done.has(name) || !names.has(name))) {
            waiting.splice(index, 1);
            const task: Promise<void> = step.run(controller.signal).then(
              () => {
                done.add(step.name);
                running.delete(task);
              },
              (error: unknown) => {
                running.delete(task);
                if (!failure) failure = new StepFailedError(step.name, error);
                controller.abort(failure);
              },
            );
            running.add(task);
          } else {
            index += 1;
          }
        }
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
  } finally {
    outer.removeEventListener('abort', forward);
  }
  if (failure) throw failure;
  // Steps left waiting mean the run is not done: a cancel that came while no step was running
  // (or between steps that finished anyway) must not pass for success.
  if (waiting.length > 0 && outer.aborted) throw new StepsCancelledError(waiting.map((step) => step.name));
  if (waiting.length > 0) throw new Error(`Steps could not start (unmet dependencies): ${waiting.map((step) => step.name).join(', ')}.`);
}
