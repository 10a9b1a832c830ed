// The layout of the dashboard's file, its migrations and its check. Version 0 is "no file yet",
// so the first migration creates the version 1 shape. A newer layout adds a migration here.
import type { ExpenseEntry } from '@vlm/schemas';
import { panelMessagesAjv } from '@vlm/schemas/src/panel-messages/panel-message-validators';
import { panelMessagesSchemaId } from '@vlm/schemas/src/panel-messages';
import { expenseFieldsProblems } from '../expenses/model/expense-fields';
import { applyMigrations, type Migration, migrationTable } from '@vlm/storage/src/migrations';

export const currentSchemaVersion = 1;

export interface DashboardData {
  schema_version: number;
  /** Bumped by every write, so a reader can tell whether the file changed. */
  revision: number;
  expenses: ExpenseEntry[];
}

export const migrations = migrationTable(
  [
    {
      to: 1,
      description: 'expenses as integer minor units with an ISO 4217 currency',
      up: (): DashboardData => ({ schema_version: 1, revision: 0, expenses: [] }),
    },
  ],
  currentSchemaVersion,
  'dashboard',
);

/** Applies every migration above `fromVersion`; returns the upgraded data and the steps taken. */
export function migrate(data: unknown, fromVersion: number): { data: unknown; applied: Migration[] } {
  return applyMigrations(migrations, data, fromVersion);
}

const validateEntry = panelMessagesAjv().getSchema(`${panelMessagesSchemaId}#/definitions/ExpenseEntry`);

/** What is wrong with data of the current version, or undefined. */
export function dashboardDataProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'it is not a JSON object';
  const { schema_version, revision, expenses } = data as Partial<DashboardData>;
  if (schema_version !== currentSchemaVersion) return `schema_version is ${JSON.stringify(schema_version)}, not ${currentSchemaVersion}`;
  if (!Number.isSafeInteger(revision) || (revision as number) < 0) return 'revision is not a whole number';
  if (!Array.isArray(expenses)) return 'expenses is not a list';
  const ids = new Set<string>();
  for (const [index, entry] of expenses.entries()) {
    if (!validateEntry?.(entry)) {
      const error = validateEntry?.errors?.[0];
      return `expenses[${index}]${error?.instancePath ?? ''} ${error?.message ?? 'is not an expense'}`;
    }
    const problems = expenseFieldsProblems(entry);
    if (problems.length > 0) return `expenses[${index}] ${problems.join('; ')}`;
    if (ids.has(entry.id)) return `expenses[${index}] repeats the id ${entry.id}`;
    ids.add(entry.id);
  }
  return undefined;
}

/** The schema_version of a file's data; a sentence when it has none. */
export function schemaVersionOf(data: unknown): number | string {
  const version =
    typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>).schema_version : undefined;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return `it has no valid schema_version (found ${JSON.stringify(version) ?? 'nothing'})`;
  }
  return version;
}
