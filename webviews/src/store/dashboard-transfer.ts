// The whole dashboard as one JSON file, out and back in. An import is checked whole before
// anything changes (size, nesting, keys, schema_version with migrations, the store's own check),
// then replaces the data or adds what is missing; the store applies it under its lock, so nothing
// is ever half-imported. Caches are not exported: they belong to this machine and refill.
import type { DashboardData } from '@vlm/schemas';
import { printable } from '@vlm/schemas/src/panel-messages';
import { maximumCsvBytes } from '../expenses/model/expense-csv';
import { currentSchemaVersion, dashboardDataProblem, migrate, schemaVersionOf } from './dashboard-data';

/**
 * What an export holds: everything but the store's revision counter, the Cost Explorer cache and
 * the GitHub ETags (answers cached for this machine's requests, worth nothing elsewhere).
 */
export type DashboardExport = Omit<DashboardData, 'revision' | 'costExplorerCache'>;

/** The same limit as an expenses CSV: 10,000 expenses and every other section fit many times over. */
export const maximumImportBytes = maximumCsvBytes;
/** Deeper than any dashboard file nests (a roadmap's milestone's GitHub link is 6 levels). */
export const maximumImportDepth = 16;

/** Top-level keys of each version's file; anything else is not a dashboard file. */
const knownKeys: Record<number, readonly string[]> = {
  1: ['schema_version', 'revision', 'expenses'],
  2: [
    'schema_version',
    'revision',
    'expenses',
    'budgets',
    'budgetAlerts',
    'exchangeRates',
    'costModel',
    'tasks',
    'roadmaps',
    'tools',
    'github',
    'costExplorerCache',
  ],
};
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

export type ImportMode = 'replace' | 'merge';

export type ReadExport = { ok: true; data: DashboardExport; upgradedFrom?: number } | { ok: false; problem: string };

export interface ImportReport {
  mode: ImportMode;
  /** Per section, how many records were added (merge) or now held (replace). */
  added: Record<string, number>;
  /** Records already there, the same: nothing to do. */
  unchanged: number;
  /** Records whose id is taken by a different record: the one already there is kept. */
  clashes: string[];
}

export function importSizeProblem(bytes: number): string | undefined {
  if (bytes <= maximumImportBytes) return undefined;
  const megabytes = (size: number) => `${Math.round(size / 1024 / 1024)} MB`;
  return `The file is ${megabytes(bytes)}; a dashboard export may be at most ${megabytes(maximumImportBytes)}. Nothing was imported.`;
}

/** The export file's text: the data of the current version without the caches. */
export function exportDashboard(data: DashboardData): string {
  const { revision: _revision, costExplorerCache: _cache, ...kept } = structuredClone(data);
  kept.github.repositories = kept.github.repositories.map(({ etags: _etags, ...repository }) => repository);
  return `${JSON.stringify(kept, null, 2)}\n`;
}

/** Checks an export file's text whole; upgrades one written by an older version. */
export function readDashboardExport(text: string): ReadExport {
  const size = importSizeProblem(new TextEncoder().encode(text).length);
  if (size) return { ok: false, problem: size };
  const depth = nestingDepth(text);
  if (depth > maximumImportDepth) {
    return { ok: false, problem: `it nests ${depth} levels deep; a dashboard file nests at most ${maximumImportDepth}` };
  }
  let found: unknown;
  try {
    found = JSON.parse(text, (key, value) => {
      if (forbiddenKeys.has(key)) throw new ForbiddenKey(key);
      return value;
    });
  } catch (error) {
    if (error instanceof ForbiddenKey) return { ok: false, problem: `it has a key "${error.key}", which no dashboard file has` };
    return { ok: false, problem: `it is not JSON (${(error as Error).message})` };
  }
  const version = schemaVersionOf(found);
  if (typeof version === 'string') return { ok: false, problem: `it is not a dashboard export: ${version}` };
  if (version > currentSchemaVersion) {
    return {
      ok: false,
      problem: `it has schema_version ${version}, written by a newer Virtual Lab Manager; this one reads versions up to ${currentSchemaVersion}. Update the extension to import it`,
    };
  }
  const record = found as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !knownKeys[version]?.includes(key));
  if (unknown !== undefined) {
    return {
      ok: false,
      problem: `it is not a dashboard export: it has "${printable(unknown)}", which a version ${version} file does not have`,
    };
  }
  const { data } = migrate({ revision: 0, ...record }, version);
  const upgraded = data as Partial<DashboardData>;
  const full = { ...upgraded, costExplorerCache: upgraded.costExplorerCache ?? [], revision: 0 };
  const problem = dashboardDataProblem(full);
  if (problem !== undefined) return { ok: false, problem };
  const { revision: _revision, costExplorerCache: _cache, ...kept } = full as DashboardData;
  for (const repository of kept.github.repositories) delete repository.etags;
  return version < currentSchemaVersion ? { ok: true, data: kept, upgradedFrom: version } : { ok: true, data: kept };
}

/**
 * Applies a checked export to the store's draft: `replace` makes it hold the export's data (the
 * Cost Explorer cache stays: it is this machine's); `merge` adds each record whose key is not there
 * yet and reports the keys taken by a different record. The store checks the result before saving.
 */
export function applyDashboardImport(draft: DashboardData, imported: DashboardExport, mode: ImportMode): ImportReport {
  const copy = structuredClone(imported);
  const report: ImportReport = { mode, added: {}, unchanged: 0, clashes: [] };
  if (mode === 'replace') {
    const { costExplorerCache, revision } = draft;
    for (const key of Object.keys(draft)) delete (draft as unknown as Record<string, unknown>)[key];
    Object.assign(draft, copy, { revision, costExplorerCache });
    for (const section of listSections) report.added[section] = draft[section].length;
    report.added['github.repositories'] = draft.github.repositories.length;
    return report;
  }
  for (const section of listSections) {
    report.added[section] = mergeList(
      draft[section] as Keyed[],
      copy[section] as Keyed[],
      section,
      keyOf[section] as (record: Keyed) => string,
      report,
    );
  }
  report.added['github.repositories'] = mergeList(
    draft.github.repositories,
    copy.github.repositories,
    'github.repositories',
    (repository) => repository.repository,
    report,
  );
  if (copy.costModel) {
    if (!draft.costModel) {
      draft.costModel = copy.costModel;
      report.added.costModel = 1;
    } else if (sameRecord(draft.costModel, copy.costModel)) report.unchanged += 1;
    else report.clashes.push('costModel (the cost model already set is kept)');
  }
  return report;
}

const listSections = ['expenses', 'budgets', 'budgetAlerts', 'exchangeRates', 'tasks', 'roadmaps', 'tools'] as const;
type ListSection = (typeof listSections)[number];
type Keyed = object;

const byId = (record: object) => (record as { id: string }).id;
const keyOf: Record<ListSection, (record: never) => string> = {
  expenses: byId,
  budgets: byId,
  tasks: byId,
  roadmaps: byId,
  tools: byId,
  budgetAlerts: (alert: DashboardData['budgetAlerts'][number]) => `${alert.budgetId} ${alert.month} ${alert.percent}% ${alert.basis}`,
  exchangeRates: (rate: DashboardData['exchangeRates'][number]) => `${rate.from}→${rate.to}`,
};

function mergeList<Item extends object>(
  current: Item[],
  incoming: Item[],
  section: string,
  key: (record: Item) => string,
  report: ImportReport,
): number {
  const held = new Map(current.map((record) => [key(record), record]));
  let added = 0;
  for (const record of incoming) {
    const id = key(record);
    const there = held.get(id);
    if (there === undefined) {
      current.push(record);
      held.set(id, record);
      added += 1;
    } else if (sameRecord(there, record)) report.unchanged += 1;
    else report.clashes.push(`${section} ${id}`);
  }
  return added;
}

/** Same content, whatever the order of keys. */
function sameRecord(left: unknown, right: unknown): boolean {
  return canonical(left) === canonical(right);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([left], [right]) => left.localeCompare(right)))
      : inner,
  );
}

/** A sentence for the user: what changed, and which records were left as they were. */
export function describeImport(report: ImportReport, source: string, shownClashes = 20): string {
  const counts = Object.entries(report.added)
    .filter(([, count]) => count > 0)
    .map(([section, count]) => `${count} ${section}`);
  const what = counts.length > 0 ? counts.join(', ') : 'nothing new';
  let sentence =
    report.mode === 'replace'
      ? `Replaced the dashboard with ${source}: it now holds ${what}.`
      : `Added from ${source}: ${what}; ${report.unchanged} already there.`;
  if (report.clashes.length > 0) {
    const shown = report.clashes.slice(0, shownClashes).join(', ');
    const more = report.clashes.length > shownClashes ? ` and ${report.clashes.length - shownClashes} more` : '';
    sentence += ` ${report.clashes.length} record(s) have an id already used by a different record and were not imported (the current ones are kept): ${shown}${more}.`;
  }
  return sentence;
}

class ForbiddenKey extends Error {
  constructor(readonly key: string) {
    super(`forbidden key ${key}`);
  }
}

/** The deepest nesting of objects and arrays, counted on the text before parsing. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text.charCodeAt(index);
    if (inString) {
      if (character === 0x5c) index += 1;
      else if (character === 0x22) inString = false;
    } else if (character === 0x22) inString = true;
    else if (character === 0x7b || character === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (character === 0x7d || character === 0x5d) depth -= 1;
  }
  return deepest;
}
