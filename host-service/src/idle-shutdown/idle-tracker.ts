// The rules of idle shutdown, pure: given what each sample shows (CPU use, open consoles) and the
// time, which VMs have been idle long enough to be asked to power off, and when each will be.
// No timers, no libvirt: the service (idle-shutdown-service.ts) feeds it and acts on its answers.
import { defaultIdleCpuPercent, type Lab } from '@vlm/schemas';

export { defaultIdleCpuPercent };

/** How long a guest may take to power off after the request before the host says it ignored it. */
export const defaultShutdownGraceMs = 2 * 60_000;

export interface IdleSettings {
  minutes: number;
  cpuPercent: number;
}

/** The lab's idle shutdown settings, or undefined when it has none. */
export function idleSettingsOf(lab: Pick<Lab, 'idle_shutdown_minutes' | 'idle_cpu_percent'>): IdleSettings | undefined {
  if (lab.idle_shutdown_minutes === undefined) return undefined;
  return { minutes: lab.idle_shutdown_minutes, cpuPercent: lab.idle_cpu_percent ?? defaultIdleCpuPercent };
}

/** A VM of a lab with idle shutdown, as it is now. */
export interface WatchedVm {
  /** The libvirt domain name. */
  domain: string;
  lab: string;
  /** The VM's name in its lab. */
  vm: string;
  settings: IdleSettings;
  /** Running, blocked or shutting down: the guest is up. */
  up: boolean;
}

export interface IdleObservation {
  /** CPU use over the last sampling interval; undefined before the first interval's sample (not idle). */
  cpuPercent: number | undefined;
  openConsoles: number;
}

export type IdleDecision =
  | { kind: 'shutdown'; domain: string; lab: string; vm: string; idleSinceMs: number; cpuPercent: number }
  /** The guest was asked and is still up after the grace period: it is left running, idle time starts again. */
  | { kind: 'ignored'; domain: string; lab: string; vm: string; requestedAtMs: number };

/** A VM whose shutdown time changed: a number when it will be asked to power off, null when not. */
export interface IdleChange {
  domain: string;
  lab: string;
  vm: string;
  shutdownAtMs: number | null;
}

interface Tracked {
  lab: string;
  vm: string;
  idleSinceMs: number | undefined;
  requestedAtMs: number | undefined;
  /** The shutdown time last reported in a change. */
  reportedShutdownAtMs: number | null;
}

export interface IdleTrackerOptions {
  shutdownGraceMs?: number;
}

export class IdleTracker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly graceMs: number;

  constructor(options: IdleTrackerOptions = {}) {
    this.graceMs = options.shutdownGraceMs ?? defaultShutdownGraceMs;
  }

  /**
   * One sample: `vms` are every VM of a lab with idle shutdown (others are forgotten). Returns what
   * to do and whose shutdown time changed.
   */
  observe(
    nowMs: number,
    vms: readonly WatchedVm[],
    observe: (domain: string) => IdleObservation,
  ): { decisions: IdleDecision[]; changes: IdleChange[] } {
    const decisions: IdleDecision[] = [];
    const changes: IdleChange[] = [];
    const seen = new Set<string>();
    for (const watched of vms) {
      seen.add(watched.domain);
      const entry = this.entryFor(watched);
      if (!watched.up) {
        entry.idleSinceMs = undefined;
        entry.requestedAtMs = undefined;
      } else if (entry.requestedAtMs !== undefined) {
        if (nowMs - entry.requestedAtMs >= this.graceMs) {
          decisions.push({ kind: 'ignored', domain: watched.domain, lab: watched.lab, vm: watched.vm, requestedAtMs: entry.requestedAtMs });
          entry.requestedAtMs = undefined;
          entry.idleSinceMs = undefined;
        }
      } else {
        this.followIdleness(nowMs, watched, entry, observe(watched.domain), decisions);
      }
      this.reportChange(watched, entry, changes);
    }
    for (const [domain, entry] of this.tracked) {
      if (seen.has(domain)) continue;
      this.tracked.delete(domain);
      if (entry.reportedShutdownAtMs !== null) changes.push({ domain, lab: entry.lab, vm: entry.vm, shutdownAtMs: null });
    }
    return { decisions, changes };
  }

  /** When the VM will be asked to power off if it stays idle; undefined when it is not idle (or already asked). */
  shutdownAtMs(domain: string): number | undefined {
    const entry = this.tracked.get(domain);
    return entry?.reportedShutdownAtMs ?? undefined;
  }

  /** The request was refused (libvirt said no): the VM is not waited on, and counts idle time afresh. */
  requestFailed(domain: string): void {
    const entry = this.tracked.get(domain);
    if (entry) entry.requestedAtMs = undefined;
  }

  private entryFor(watched: WatchedVm): Tracked {
    let entry = this.tracked.get(watched.domain);
    if (!entry) {
      entry = { lab: watched.lab, vm: watched.vm, idleSinceMs: undefined, requestedAtMs: undefined, reportedShutdownAtMs: null };
      this.tracked.set(watched.domain, entry);
    }
    entry.lab = watched.lab;
    entry.vm = watched.vm;
    return entry;
  }

  private followIdleness(nowMs: number, watched: WatchedVm, entry: Tracked, seen: IdleObservation, decisions: IdleDecision[]): void {
    const idle = seen.cpuPercent !== undefined && seen.cpuPercent < watched.settings.cpuPercent && seen.openConsoles === 0;
    if (!idle) {
      entry.idleSinceMs = undefined;
      return;
    }
    entry.idleSinceMs ??= nowMs;
    if (nowMs - entry.idleSinceMs < watched.settings.minutes * 60_000) return;
    decisions.push({
      kind: 'shutdown',
      domain: watched.domain,
      lab: watched.lab,
      vm: watched.vm,
      idleSinceMs: entry.idleSinceMs,
      cpuPercent: seen.cpuPercent as number,
    });
    entry.requestedAtMs = nowMs;
    entry.idleSinceMs = undefined;
  }

  private reportChange(watched: WatchedVm, entry: Tracked, changes: IdleChange[]): void {
    const shutdownAtMs = entry.idleSinceMs === undefined ? null : entry.idleSinceMs + watched.settings.minutes * 60_000;
    if (shutdownAtMs === entry.reportedShutdownAtMs) return;
    entry.reportedShutdownAtMs = shutdownAtMs;
    changes.push({ domain: watched.domain, lab: watched.lab, vm: watched.vm, shutdownAtMs });
  }
}
