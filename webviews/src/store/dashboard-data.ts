// The layout of the dashboard's file, its migrations and its check. Version 0 is "no file yet",
// so the first migration creates the version 1 shape. A newer layout adds a migration here.
// The shape is `DashboardData` in panel-messages.schema.json; what JSON Schema cannot say
// (ids that repeat, a currency that does not exist) is each section's own check, listed below.
import type { DashboardData } from '@vlm/schemas';
import { panelMessagesAjv } from '@vlm/schemas/src/panel-messages/panel-message-validators';
import { panelMessagesSchemaId } from '@vlm/schemas/src/panel-messages';
import { applyMigrations, type Migration, migrationTable } from '@vlm/storage/src/migrations';
import { costModelProblem } from '../costs/cost-model';
import { budgetAlertListProblem } from '../expenses/model/budget-alerts';
import { budgetListProblem } from '../expenses/model/budgets';
import { exchangeRateListProblem } from '../expenses/model/exchange-rates';
import { expenseFieldsProblems } from '../expenses/model/expense-fields';
import { toolsSectionProblem } from '../tools/model/tool-fields';
import { tasksSectionProblem } from '../tasks/model/task-fields';
import { githubSettingsProblem } from '../github-sync/github-settings';
import { costExplorerCacheProblem } from './cost-explorer-cache-check';

export type { DashboardData } from '@vlm/schemas';

export const currentSchemaVersion = 2;

export const migrations = migrationTable(
  [
    {
      to: 1,
      description: 'expenses as integer minor units with an ISO 4217 currency',
      up: () => ({ schema_version: 1, revision: 0, expenses: [] }),
    },
    {
      to: 2,
      description: 'budgets, exchange rates, a cost model, tasks, roadmaps, tools and GitHub sync beside the expenses',
      up: (data: unknown): DashboardData => {
        const { revision, expenses } = data as { revision: number; expenses: DashboardData['expenses'] };
        return { ...emptySections(), schema_version: 2, revision, expenses };
      },
    },
  ],
  currentSchemaVersion,
  'dashboard',
);

/** Every list of the current version, empty: what a new file holds. */
export function emptySections(): Omit<DashboardData, 'schema_version' | 'revision'> {
  return {
    expenses: [],
    budgets: [],
    budgetAlerts: [],
    exchangeRates: [],
    tasks: [],
    roadmaps: [],
    tools: [],
    github: { repositories: [] },
    costExplorerCache: [],
  };
}

/** Applies every migration above `fromVersion`; returns the upgraded data and the steps taken. */
export function migrate(data: unknown, fromVersion: number): { data: unknown; applied: Migration[] } {
  return applyMigrations(migrations, data, fromVersion);
}

/** A section's own check of what the schema cannot say; a sentence per problem. */
type SectionCheck = (data: DashboardData) => string | undefined;

const sectionChecks: SectionCheck[] = [
  (data) => uniqueIds('expenses', data.expenses),
  (data) => {
    for (const [index, entry] of data.expenses.entries()) {
      const problems = expenseFieldsProblems(entry);
      if (problems.length > 0) return `expenses[${index}] ${problems.join('; ')}`;
    }
    return undefined;
  },
  (data) => uniqueIds('budgets', data.budgets),
  (data) => budgetListProblem(data.budgets),
  (data) => budgetAlertListProblem(data),
  (data) => exchangeRateListProblem(data.exchangeRates),
  (data) => uniqueIds('tasks', data.tasks),
  (data) => uniqueIds('roadmaps', data.roadmaps),
  (data) => uniqueIds('tools', data.tools),
  (data) => toolsSectionProblem(data.tools),
  tasksSectionProblem,
  githubSettingsProblem,
  (data) => costModelProblem(data.costModel),
  (data) => costExplorerCacheProblem(data.costExplorerCache),
];

function uniqueIds(section: string, records: ReadonlyArray<{ id: string }>): string | undefined {
  const ids = new Set<string>();
  for (const [index, record] of records.entries()) {
    if (ids.has(record.id)) return `${section}[${index}] repeats the id ${record.id}`;
    ids.add(record.id);
  }
  return undefined;
}

// Compiled on the first import or export, not when the extension loads.
let dataValidator: ReturnType<ReturnType<typeof panelMessagesAjv>['getSchema']>;
function validateData(data: unknown): boolean {
  dataValidator ??= panelMessagesAjv().getSchema(`${panelMessagesSchemaId}#/definitions/DashboardData`);
  if (!dataValidator) throw new Error('panel-messages.schema.json has no definition DashboardData.');
  return dataValidator(data) as boolean;
}

/** What is wrong with data of the current version, or undefined. */
export function dashboardDataProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'it is not a JSON object';
  const version = (data as { schema_version?: unknown }).schema_version;
  if (version !== currentSchemaVersion) return `schema_version is ${JSON.stringify(version)}, not ${currentSchemaVersion}`;
  if (!validateData(data)) {
    const error = dataValidator?.errors?.[0];
    const where = error?.instancePath ? fieldPath(error.instancePath) : 'the file';
    return `${where} ${error?.message ?? 'does not match the dashboard schema'}`;
  }
  for (const check of sectionChecks) {
    const problem = check(data as DashboardData);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** `/expenses/0/amountMinor` as a reader writes it: `expenses[0].amountMinor`. */
function fieldPath(pointer: string): string {
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, part) => (/^[0-9]+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
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
