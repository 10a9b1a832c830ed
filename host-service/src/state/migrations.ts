// Each migration lifts the state from `to - 1` to `to`. Version 0 is "no state file yet", so the
// first entry creates the v1 shape. A newer layout adds an entry; old files are upgraded on start.
import { currentSchemaVersion, type HostState } from './state-shape';

export interface Migration {
  to: number;
  description: string;
  up(previous: unknown): unknown;
}

export const migrations: readonly Migration[] = [
  {
    to: 1,
    description: 'labs with their recorded domains, volumes, networks and ports; allocated ports; event sequence',
    up: (): HostState => ({ schema_version: 1, event_sequence: 0, labs: {}, allocated_ports: [] }),
  },
];

if (migrations[migrations.length - 1]?.to !== currentSchemaVersion) {
  throw new Error('The migrations table does not end at the current schema version.');
}

/** Applies every migration above `fromVersion`; returns the upgraded data and the steps taken. */
export function migrate(data: unknown, fromVersion: number): { data: unknown; applied: Migration[] } {
  const applied: Migration[] = [];
  let current = data;
  for (const migration of migrations) {
    if (migration.to <= fromVersion) continue;
    current = migration.up(current);
    applied.push(migration);
  }
  return { data: current, applied };
}
