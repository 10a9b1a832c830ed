// What the host service remembers between runs: the labs it deployed and every resource it made
// for them, so plans, destroys and port allocation survive restarts.
import type { Lab } from '@vlm/schemas';
// Kept as the API serves it: what local spend is priced from (host-protocol/running-time-messages.ts).
import type { RunningInterval } from '@vlm/schemas/src/host-protocol/running-time-messages';

export type { RunningInterval };

export const currentSchemaVersion = 2;

export type LabStatus = 'pending' | 'deploying' | 'running' | 'failed';
export const labStatuses: readonly LabStatus[] = ['pending', 'deploying', 'running', 'failed'];

export type PortKind = 'ssh' | 'vnc';

export interface RecordedDomain {
  /** libvirt domain name: `LAB.VM` (`LAB-VM` when an older version made it); see lab-resources.ts. */
  name: string;
  vm: string;
  uuid?: string;
}

export interface RecordedVolume {
  pool: string;
  name: string;
  vm: string;
}

export interface RecordedNetwork {
  /** libvirt network name: `LAB.NETWORK` (`LAB-NETWORK` when an older version made it). */
  name: string;
  /** The network's name in the lab file. */
  network: string;
  /** The UUID it was made with; absent in records of older versions. */
  uuid?: string;
}

/** A cloud-init NoCloud seed ISO written for one VM. */
export interface RecordedSeed {
  /** Absolute path of the ISO file. */
  path: string;
  vm: string;
}

/**
 * Written before a resource is made and dropped once it is recorded (write-ahead), so a crash
 * between the two leaves a note of what may exist unrecorded. The next start removes what it finds
 * under that name only with proof this creation made it: the UUID it gave a domain or network, the
 * instance id inside a seed, or for a volume its place in this data directory's own pool.
 */
export interface PendingCreation {
  kind: 'domain' | 'volume' | 'network' | 'seed';
  /** libvirt name, or the seed's path. */
  name: string;
  /** The volume's pool. */
  pool?: string;
  /** The VM or network in the lab file. */
  item: string;
  /** The UUID the domain's or network's XML gives it. Absent in intents older versions wrote. */
  uuid?: string;
  /** The cloud-init instance id written into the seed. */
  instanceId?: string;
}

export interface RecordedPort {
  kind: PortKind;
  port: number;
  vm: string;
}

export interface DeployLogLine {
  time: string;
  level: 'info' | 'warning' | 'error';
  vm?: string;
  text: string;
}

export interface LabRecord {
  name: string;
  status: LabStatus;
  /** The lab definition last planned or applied; what the next plan compares against. */
  definition: Lab;
  createdAt: string;
  updatedAt: string;
  resources: {
    domains: RecordedDomain[];
    volumes: RecordedVolume[];
    networks: RecordedNetwork[];
    ports: RecordedPort[];
    /** Absent in files written before seeds were attached. */
    seeds?: RecordedSeed[];
  };
  /** Creations started but not yet confirmed; empty or absent when nothing is under way. */
  pending?: PendingCreation[];
  /** The latest deploy's log, oldest first, capped at deployLogLimit lines. */
  deployLog: DeployLogLine[];
  /**
   * Which SSH key the lab's VMs trust: 'lab', its own pair (ssh/labs/LAB/). Absent in records
   * written before per-lab keys: those labs' VMs trust the data directory's service key
   * (ssh/id_ed25519), which they keep using until the lab is destroyed.
   */
  sshKey?: 'lab';
}

export interface AllocatedPort {
  kind: PortKind;
  port: number;
  lab: string;
  vm: string;
}

export interface HostStateV1 {
  schema_version: 1;
  /** Highest event sequence number that may have been handed out; the next run starts above it. */
  event_sequence: number;
  labs: Record<string, LabRecord>;
  allocated_ports: AllocatedPort[];
}

export interface HostStateV2 extends Omit<HostStateV1, 'schema_version'> {
  schema_version: 2;
  /** Oldest first; closed ones older than runningIntervalMonths are dropped. */
  running_intervals: RunningInterval[];
  /**
   * The last time this host knew which VMs were running: where an interval open at a restart is
   * closed when its VM turns out stopped (it stopped at some point after this).
   */
  running_observed_at?: string;
}

export type HostState = HostStateV2;

/**
 * The record of lab `name`, if one is recorded. Lab names are user input and `labs` is a plain
 * object, so `constructor` and friends must not find what every object inherits.
 */
export function recordedLab<Record>(labs: { readonly [name: string]: Record }, name: string): Record | undefined {
  return Object.hasOwn(labs, name) ? labs[name] : undefined;
}

/** Records `record` as lab `name`, as an own property whatever the name. */
export function setRecordedLab(labs: Record<string, LabRecord>, name: string, record: LabRecord): void {
  Object.defineProperty(labs, name, { value: record, enumerable: true, writable: true, configurable: true });
}

export const deployLogLimit = 2000;
