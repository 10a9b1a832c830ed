// When a VM this host made runs, as intervals in the host state: opened when libvirt says the
// domain runs, closed when it says it stopped. Pure changes to the state's list, so the recorder
// applies them inside one durable update and tests run them without libvirt.
import type { DomainState, DomainSummary } from '../libvirt/hypervisor';
import type { HostState, RunningInterval } from '../state/state-shape';
import { recordedLab } from '../state/state-shape';

/** Closed intervals are kept this many months (13: a year back from any day of this month). */
export const runningIntervalMonths = 13;
/** A VM that flaps must not grow the state file without end: the oldest closed intervals go first. */
export const runningIntervalLimit = 50_000;

/** States in which the VM's QEMU process holds its CPUs and memory: the time that is priced. */
const runningStates: ReadonlySet<DomainState> = new Set(['running', 'blocked', 'paused', 'shutting-down', 'pm-suspended']);

export function isRunning(domain: DomainSummary | undefined): boolean {
  return domain !== undefined && runningStates.has(domain.state);
}

/** The later of two ISO 8601 UTC times (as written by toISOString, they compare as text). */
function laterTime(left: string, right: string): string {
  if (right < left) return left;
  return right;
}

function openInterval(state: HostState, domainName: string): RunningInterval | undefined {
  return state.running_intervals.find((interval) => interval.domain === domainName && interval.stop === undefined);
}

/** The lab file's disk size of the VM, in bytes; 0 when the lab records none. */
function diskBytesOf(state: HostState, lab: string, vm: string): number {
  const definition = recordedLab(state.labs, lab)?.definition;
  const gib = definition?.vms.find((item) => item.name === vm)?.disk_gb ?? 0;
  return gib * 1024 ** 3;
}

/**
 * Brings the intervals of `domainName` in line with what libvirt says of it at `now`: `domain` is
 * the domain as re-read (undefined when it is gone). Only domains this host made are recorded.
 * Returns whether anything changed.
 */
export function observeDomain(
  state: HostState,
  domainName: string,
  domain: DomainSummary | undefined,
  now: string,
  madeHere: (domain: DomainSummary) => boolean,
): boolean {
  const open = openInterval(state, domainName);
  const running = isRunning(domain) && domain?.vlm !== undefined && madeHere(domain);
  if (open && running && open.uuid === domain?.uuid) return false;
  let changed = false;
  if (open) {
    // Stopped, gone, or another domain of the same name: this stretch ends now.
    open.stop = laterTime(open.start, now);
    changed = true;
  }
  if (running && domain?.vlm) {
    const { lab, vm } = domain.vlm;
    state.running_intervals.push({
      domain: domainName,
      uuid: domain.uuid,
      lab,
      vm,
      vcpu: domain.vcpu,
      memoryBytes: domain.memoryBytes,
      diskBytes: diskBytesOf(state, lab, vm),
      start: now,
    });
    changed = true;
  }
  return changed;
}

/**
 * At start, from libvirt's list of every domain: an interval left open by the last run continues
 * when its domain (same name and UUID) still runs, so its time is counted once; otherwise it is
 * closed at the last time the host knew the VM ran (`running_observed_at`). VMs that run with no
 * open interval (started while the host was down) get one from `now`.
 */
export function reconcileAtStart(
  state: HostState,
  domains: readonly DomainSummary[],
  now: string,
  madeHere: (domain: DomainSummary) => boolean,
): void {
  const byName = new Map(domains.map((domain) => [domain.name, domain]));
  const lastKnown = state.running_observed_at ?? now;
  for (const interval of state.running_intervals) {
    if (interval.stop !== undefined) continue;
    const domain = byName.get(interval.domain);
    if (isRunning(domain) && domain?.uuid === interval.uuid) continue;
    interval.stop = laterTime(interval.start, lastKnown);
  }
  for (const domain of domains) observeDomain(state, domain.name, domain, now, madeHere);
  state.running_observed_at = now;
  pruneIntervals(state, now);
}

/** Drops closed intervals that ended before the kept months, then the oldest past the limit. */
export function pruneIntervals(state: HostState, now: string): void {
  const date = new Date(now);
  const keptFrom = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - runningIntervalMonths, 1)).toISOString();
  let intervals = state.running_intervals.filter((interval) => interval.stop === undefined || interval.stop >= keptFrom);
  let excess = intervals.length - runningIntervalLimit;
  if (excess > 0) {
    intervals = intervals.filter((interval) => {
      if (excess <= 0 || interval.stop === undefined) return true;
      excess -= 1;
      return false;
    });
  }
  state.running_intervals = intervals;
}

/** The intervals that overlap [from, until): open ones included, as recorded. */
export function intervalsOverlapping(
  state: { running_intervals: readonly RunningInterval[] },
  from: string,
  until: string,
): RunningInterval[] {
  return state.running_intervals
    .filter((interval) => interval.start < until && (interval.stop === undefined || interval.stop > from))
    .map((interval) => ({ ...interval }));
}
