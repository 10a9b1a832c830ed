// When the VMs this host made were running: what local spend is priced from.
import { request } from './message-types';

export interface RunningIntervalsParams {
  /** The calendar month (UTC), YYYY-MM: intervals that overlap it are returned, uncut. */
  month: string;
}

/** One stretch of running (QEMU up: running, paused, blocked, shutting down, suspended to memory). */
export interface RunningInterval {
  /** libvirt domain name. */
  domain: string;
  uuid: string;
  lab: string;
  /** The VM's name in the lab. */
  vm: string;
  vcpu: number;
  memoryBytes: number;
  /** The lab file's disk size for the VM when the stretch began; 0 when the lab recorded none. */
  diskBytes: number;
  /** ISO 8601, UTC. */
  start: string;
  /** Absent while the VM still runs: count it up to `now`. */
  stop?: string;
}

export interface RunningIntervalsResult {
  intervals: RunningInterval[];
  /** The host's clock when it answered (ISO 8601, UTC): where open intervals end for now. */
  now: string;
  /** How many months back the host keeps intervals. */
  keptMonths: number;
}

/**
 * The running intervals of this host's VMs that overlap a month. The host keeps them for 13
 * months; an interval open across a host restart is continued (the VM still ran) or closed at the
 * last time the host knew it ran, never counted twice.
 */
export namespace VmsRunningIntervalsRequest {
  export const method = 'vlm/vms/runningIntervals' as const;
  export const type = request<RunningIntervalsParams, RunningIntervalsResult>(method);
}
