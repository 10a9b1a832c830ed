// Add, edit, delete and import as changes to the list of expenses, each returning the step that
// undoes it. An undo is applied to the list as it is then (another window may have changed it),
// so it reverses only this change and keeps everyone else's.
import type { ExpenseEntry, ExpenseFields } from '@vlm/schemas';
import { expenseFieldsProblems } from './expense-fields';

export type ExpenseChange =
  | { type: 'add'; fields: ExpenseFields }
  | { type: 'edit'; id: string; fields: ExpenseFields }
  | { type: 'delete'; id: string }
  | { type: 'import'; rows: ExpenseFields[] };

/** How to undo a change to a list of records with ids (expenses, tools). */
export type UndoStep<Entry extends { id: string } = ExpenseEntry> =
  | { type: 'remove'; ids: string[] }
  | { type: 'restore'; entry: Entry; index: number }
  | { type: 'revert'; entry: Entry };

export class ExpenseChangeError extends Error {
  override readonly name = 'ExpenseChangeError';
}

/** Applies `change` to `entries` in place; returns how to undo it. Throws, changing nothing, when it cannot apply. */
export function applyExpenseChange(entries: ExpenseEntry[], change: ExpenseChange, newId: () => string): UndoStep {
  const checked = (fields: ExpenseFields, what: string): ExpenseFields => {
    const problems = expenseFieldsProblems(fields);
    if (problems.length > 0) throw new ExpenseChangeError(`${what}: ${problems.join('; ')}.`);
    return fields;
  };
  switch (change.type) {
    case 'add': {
      const entry = { ...checked(change.fields, 'The expense was not added'), id: newId() };
      entries.push(entry);
      return { type: 'remove', ids: [entry.id] };
    }
    case 'edit': {
      const index = indexOf(entries, change.id, 'edited');
      const before = entries[index] as ExpenseEntry;
      entries[index] = { ...checked(change.fields, 'The expense was not changed'), id: change.id };
      return { type: 'revert', entry: before };
    }
    case 'delete': {
      const index = indexOf(entries, change.id, 'deleted');
      const [entry] = entries.splice(index, 1) as [ExpenseEntry];
      return { type: 'restore', entry, index };
    }
    case 'import': {
      for (const [row, fields] of change.rows.entries()) checked(fields, `Row ${row + 1} was not imported, nor any other`);
      const added = change.rows.map((fields) => ({ ...fields, id: newId() }));
      entries.push(...added);
      return { type: 'remove', ids: added.map((entry) => entry.id) };
    }
  }
}

function indexOf(entries: ExpenseEntry[], id: string, verb: string): number {
  const index = entries.findIndex((entry) => entry.id === id);
  if (index < 0)
    throw new ExpenseChangeError(`The expense ${id} was not ${verb}: it no longer exists (another window may have deleted it).`);
  return index;
}

/** Reverses one change on the list as it is now; `noun` names a record in the error. */
export function applyUndo<Entry extends { id: string }>(entries: Entry[], step: UndoStep<Entry>, noun = 'expense'): void {
  switch (step.type) {
    case 'remove': {
      const ids = new Set(step.ids);
      const kept = entries.filter((entry) => !ids.has(entry.id));
      entries.splice(0, entries.length, ...kept);
      return;
    }
    case 'restore':
      if (entries.some((entry) => entry.id === step.entry.id)) return;
      entries.splice(Math.min(step.index, entries.length), 0, step.entry);
      return;
    case 'revert': {
      const index = entries.findIndex((entry) => entry.id === step.entry.id);
      if (index < 0) throw new ExpenseChangeError(`The change to ${step.entry.id} cannot be undone: the ${noun} no longer exists.`);
      entries[index] = step.entry;
      return;
    }
  }
}

/** The undo steps of one panel, newest last, at most `limit`. */
export class UndoHistory<Step = UndoStep> {
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
