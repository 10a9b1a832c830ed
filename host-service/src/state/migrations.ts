// Each migration lifts the state from `to - 1` to `to`. Version 0 is "no state file yet", so the
// first entry creates the v1 shape. A newer layout adds an entry; old files are upgraded on start.
import { currentSchemaVersion, type HostState, type HostStateV1 } from './state-shape';
import { applyMigrations, type Migration, migrationTable } from '@vlm/storage/src/migrations';

export const migrations = migrationTable(
  [
    {
      to: 1,
      description: 'labs with their recorded domains, volumes, networks and ports; allocated ports; event sequence',
      up: (): HostStateV1 => ({ schema_version: 1, event_sequence: 0, labs: {}, allocated_ports: [] }),
    },
    {
      to: 2,
      description: "VMs' running intervals, for local spend",
      up: (previous): HostState => ({ ...(previous as HostStateV1), schema_version: 2, running_intervals: [] }),
    },
  ],
  currentSchemaVersion,
  'host state',
);

/** Applies every migration above `fromVersion`; returns the upgraded data and the steps taken. */
export function migrate(data: unknown, fromVersion: number): { data: unknown; applied: Migration[] } {
  return applyMigrations(migrations, data, fromVersion);
}
