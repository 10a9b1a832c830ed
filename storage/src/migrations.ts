// Versioned files upgrade the same way in the host's state and the dashboard's store: a table of
// steps, each lifting the data from `to - 1` to `to`, where version 0 is "no file yet".

export interface Migration {
  to: number;
  description: string;
  up(previous: unknown): unknown;
}

/** A migrations table, checked once to end at the version the code reads and writes. */
export function migrationTable(migrations: readonly Migration[], currentVersion: number, owner: string): readonly Migration[] {
  if (migrations[migrations.length - 1]?.to !== currentVersion) {
    throw new Error(`The ${owner} migrations do not end at the current schema version ${currentVersion}.`);
  }
  return migrations;
}

/** Applies every migration above `fromVersion`; returns the upgraded data and the steps taken. */
export function applyMigrations(
  migrations: readonly Migration[],
  data: unknown,
  fromVersion: number,
): { data: unknown; applied: Migration[] } {
  const applied: Migration[] = [];
  let current = data;
  for (const migration of migrations) {
    if (migration.to <= fromVersion) continue;
    current = migration.up(current);
    applied.push(migration);
  }
  return { data: current, applied };
}
