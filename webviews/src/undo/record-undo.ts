// Undo for any list of records with ids (expenses, tasks, milestones). Each change returns the
// step that undoes it; the step is applied to the list as it is then (another window may have
// changed it), so it reverses only that change and keeps everyone else's.

export type RecordUndoStep<Record extends { id: string }> =
  | { type: 'remove'; ids: string[] }
  | { type: 'restore'; entry: Record; index: number }
  | { type: 'revert'; entry: Record };

export class RecordChangeError extends Error {
  override readonly name: string = 'RecordChangeError';
}

/** Reverses one change on the list as it is now; `noun` names a record in the error ("expense"). */
export function applyRecordUndo<Record extends { id: string }>(records: Record[], step: RecordUndoStep<Record>, noun: string): void {
  switch (step.type) {
    case 'remove': {
      const ids = new Set(step.ids);
      const kept = records.filter((record) => !ids.has(record.id));
      records.splice(0, records.length, ...kept);
      return;
    }
    case 'restore':
      if (records.some((record) => record.id === step.entry.id)) return;
      records.splice(Math.min(step.index, records.length), 0, step.entry);
      return;
    case 'revert': {
      const index = records.findIndex((record) => record.id === step.entry.id);
      if (index < 0) throw new RecordChangeError(`The change to ${step.entry.id} cannot be undone: the ${noun} no longer exists.`);
      records[index] = step.entry;
      return;
    }
  }
}

/** The index of the record `id`; throws a sentence naming the record and the verb when it is gone. */
export function indexOfRecord(
  records: ReadonlyArray<{ id: string }>,
  id: string,
  what: { noun: string; verb: string; error?: new (message: string) => Error },
): number {
  const index = records.findIndex((record) => record.id === id);
  if (index < 0) {
    const message = `The ${what.noun} ${id} was not ${what.verb}: it no longer exists (another window may have deleted it).`;
    throw new (what.error ?? RecordChangeError)(message);
  }
  return index;
}

/** The undo steps of one panel, newest last, at most `limit`. */
export class UndoHistory<Step> {
  private readonly steps: Step[] = [];
  constructor(private readonly limit = 100) {}

  get canUndo(): boolean {
    return this.steps.length > 0;
  }

  push(step: Step): void {
    this.steps.push(step);
    if (this.steps.length > this.limit) this.steps.shift();
  }

  pop(): Step | undefined {
    return this.steps.pop();
  }
}
