// Add, edit, delete and import as changes to the list of expenses, each returning the step that
// undoes it. An undo is applied to the list as it is then (another window may have changed it),
// so it reverses only this change and keeps everyone else's.
import type { ExpenseEntry, ExpenseFields } from '@vlm/schemas';
import {
  type RecordUndoStep,
  RecordChangeError,
  UndoHistory as RecordUndoHistory,
  applyRecordUndo,
  indexOfRecord,
} from '../../undo/record-undo';
import { expenseFieldsProblems } from './expense-fields';

export type ExpenseChange =
  | { type: 'add'; fields: ExpenseFields }
  | { type: 'edit'; id: string; fields: ExpenseFields }
  | { type: 'delete'; id: string }
  | { type: 'import'; rows: ExpenseFields[] };

export type UndoStep = RecordUndoStep<ExpenseEntry>;
/** This panel's undo steps. */
export class UndoHistory extends RecordUndoHistory<UndoStep> {}

export class ExpenseChangeError extends RecordChangeError {
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
  return indexOfRecord(entries, id, { noun: 'expense', verb, error: ExpenseChangeError });
}

/** Reverses one change on the list as it is now. */
export function applyUndo(entries: ExpenseEntry[], step: UndoStep): void {
  applyRecordUndo(entries, step, 'expense');
}
