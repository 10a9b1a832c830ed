// Idle shutdown on this host: after each metrics sample, the VMs of labs with
// `idle_shutdown_minutes` go through the idle rules (idle-tracker.ts); those idle long enough are
// asked to power off the way Stop does (ACPI), which the deploy log and an event record.
// Idle time lives in memory and counts from the service's start, so a restart never shortens it.
import type { DeployLogLine, HostEventBody, IdleShutdownOutcome } from '@vlm/schemas/src/host-protocol';
import type { Consoles } from '../consoles/console-manager';
import type { LabDeployer } from '../deploy/lab-deployer';
import type { EventLog } from '../event-log';
import type { Disposable, DomainSummary, Hypervisor } from '../libvirt/hypervisor';
import { recordedLab } from '../state/state-shape';
import type { ReadonlyHostState, StateStore } from '../state/state-store';
import { type IdleDecision, type IdleSettings, IdleTracker, idleSettingsOf, type WatchedVm } from './idle-tracker';

/** What idle shutdown needs of the metrics sampler (metrics/metrics-sampler.ts): samples on demand. */
export interface CpuSampleFeed {
  demand(intervalMs: number): Disposable;
  onSample(listener: (batch: { at: number; samples: ReadonlyMap<string, { cpuPercent: number | null }> }) => void): Disposable;
}

/** How often CPU is sampled while a lab has idle shutdown: idle time is measured to this. */
export const idleSampleIntervalMs = 10_000;

export interface IdleShutdownOptions {
  hypervisor: Pick<Hypervisor, 'listDomains' | 'shutdown'>;
  labs: () => ReadonlyHostState['labs'];
  publish: (event: HostEventBody) => void;
  deployLog: (lab: string, level: DeployLogLine['level'], text: string, vm?: string) => Promise<void>;
  openConsoles: (domain: string) => number;
  shutdownGraceMs?: number;
  log: (line: string) => void;
}

/** Guest states in which the guest is up (what Stop would act on, or is already acting on). */
const upStates = new Set<DomainSummary['state']>(['running', 'blocked', 'shutting-down']);

export class IdleShutdown {
  private readonly tracker: IdleTracker;
  private checking: Promise<void> | undefined;
  private demand: Disposable | undefined;

  constructor(private readonly options: IdleShutdownOptions) {
    this.tracker = new IdleTracker(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs });
  }

  /**
   * Checks after every sample of `feed`, and asks it for samples every `intervalMs` while some lab
   * has idle shutdown (call `labsChanged` when labs are applied or destroyed). Until disposed.
   */
  follow(feed: CpuSampleFeed, intervalMs = idleSampleIntervalMs): Disposable & { labsChanged(): void } {
    const subscription = feed.onSample((batch) => {
      void this.check(batch.at, (domain) => batch.samples.get(domain)?.cpuPercent ?? undefined);
    });
    const labsChanged = (): void => {
      const wanted = this.watchedLabs().size > 0;
      if (wanted && !this.demand) this.demand = feed.demand(intervalMs);
      // The last check after the last lab went: the tracker forgets its VMs and says so.
      if (!wanted && this.demand) {
        this.demand.dispose();
        this.demand = undefined;
        void this.check(Date.now(), () => undefined);
      }
    };
    labsChanged();
    return {
      labsChanged,
      dispose: () => {
        subscription.dispose();
        this.demand?.dispose();
        this.demand = undefined;
      },
    };
  }

  /** When the domain will be asked to power off if it stays idle (ISO time), else undefined. */
  shutdownAt(domain: string): string | undefined {
    const at = this.tracker.shutdownAtMs(domain);
    return at === undefined ? undefined : new Date(at).toISOString();
  }

  /**
   * Runs the rules once, after a metrics sample taken at `nowMs`: `cpuPercent` is each running
   * domain's CPU use over that sample's interval. A check still under way makes this one a no-op.
   */
  check(nowMs: number, cpuPercent: (domain: string) => number | undefined): Promise<void> {
    this.checking ??= this.checkOnce(nowMs, cpuPercent)
      .catch((error: unknown) => this.options.log(`idle shutdown: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private async checkOnce(nowMs: number, cpuPercent: (domain: string) => number | undefined): Promise<void> {
    const watched = this.watchedLabs();
    const recorded = recordedDomains(this.options.labs(), watched);
    // With no lab to watch, libvirt is not asked; the tracker still forgets what it followed.
    const vms = recorded.size === 0 ? [] : watchedVms(recorded, await this.options.hypervisor.listDomains());
    const { decisions, changes } = this.tracker.observe(nowMs, vms, (domain) => ({
      cpuPercent: cpuPercent(domain),
      openConsoles: this.options.openConsoles(domain),
    }));
    for (const change of changes) {
      this.options.publish({
        type: 'vm-idle',
        vm: change.domain,
        lab: change.lab,
        shutdownAt: change.shutdownAtMs === null ? null : new Date(change.shutdownAtMs).toISOString(),
      });
    }
    for (const decision of decisions) await this.act(decision, watched.get(decision.lab) as IdleSettings);
  }

  /** Labs with idle shutdown whose VMs are settled: none while a deploy runs. */
  private watchedLabs(): Map<string, IdleSettings> {
    const watched = new Map<string, IdleSettings>();
    for (const record of Object.values(this.options.labs())) {
      const settings = idleSettingsOf(record.definition);
      if (settings && record.status !== 'deploying') watched.set(record.name, settings);
    }
    return watched;
  }

  private async act(decision: IdleDecision, settings: IdleSettings): Promise<void> {
    const { domain, lab, vm } = decision;
    if (decision.kind === 'ignored') {
      await this.report(
        decision,
        settings,
        'ignored',
        'warning',
        `${domain} is still running after the idle shutdown request: the guest ignored the ACPI power-off. It is left running; it will be asked again after ${minutesWords(settings.minutes)} more idle.`,
      );
      return;
    }
    const why = `idle for ${minutesWords(settings.minutes)} (CPU ${decision.cpuPercent.toFixed(1)}% < ${settings.cpuPercent}%, no open console)`;
    try {
      await this.options.hypervisor.shutdown(domain);
    } catch (error) {
      this.tracker.requestFailed(domain);
      const reason = error instanceof Error ? error.message : String(error);
      await this.report(decision, settings, 'failed', 'error', `Idle shutdown of ${domain} failed: ${reason}`);
      return;
    }
    this.options.log(`lab ${lab}: asked ${domain} (${vm}) to power off: ${why}.`);
    await this.report(decision, settings, 'requested', 'info', `Idle shutdown: asked ${domain} to power off (ACPI), ${why}.`);
  }

  private async report(
    decision: IdleDecision,
    settings: IdleSettings,
    outcome: IdleShutdownOutcome,
    level: DeployLogLine['level'],
    text: string,
  ): Promise<void> {
    await this.options.deployLog(decision.lab, level, text, decision.vm).catch(() => undefined);
    this.options.publish({
      type: 'idle-shutdown',
      vm: decision.domain,
      lab: decision.lab,
      outcome,
      idleMinutes: settings.minutes,
      detail: text,
    });
  }
}

function minutesWords(minutes: number): string {
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** The domains the watched labs recorded, by libvirt name: only those are ever shut down. */
function recordedDomains(labs: ReadonlyHostState['labs'], watched: ReadonlyMap<string, IdleSettings>): Map<string, Omit<WatchedVm, 'up'>> {
  const recorded = new Map<string, Omit<WatchedVm, 'up'>>();
  for (const [lab, settings] of watched) {
    for (const domain of recordedLab(labs, lab)?.resources.domains ?? [])
      recorded.set(domain.name, { domain: domain.name, lab, vm: domain.vm, settings });
  }
  return recorded;
}

/** The recorded domains that exist, with whether each guest is up. */
function watchedVms(recorded: ReadonlyMap<string, Omit<WatchedVm, 'up'>>, domains: readonly DomainSummary[]): WatchedVm[] {
  return domains.flatMap((domain) => {
    const known = recorded.get(domain.name);
    return known ? [{ ...known, up: upStates.has(domain.state) }] : [];
  });
}

export interface StartIdleShutdownOptions extends Omit<IdleShutdownOptions, 'publish' | 'deployLog' | 'labs' | 'openConsoles'> {
  feed: CpuSampleFeed;
  events: Pick<EventLog, 'publish' | 'listen'>;
  deployer: Pick<LabDeployer, 'log'>;
  store: Pick<StateStore, 'state'>;
  consoles: Pick<Consoles, 'openCountOf'>;
  sampleIntervalMs?: number;
}

/** Idle shutdown as the service runs it: fed by the sampler, re-reading the labs when one changes status. */
export function startIdleShutdown(options: StartIdleShutdownOptions): { idleShutdown: IdleShutdown; stop(): void } {
  const { feed, events, deployer, store, consoles, sampleIntervalMs, ...rest } = options;
  const idleShutdown = new IdleShutdown({
    ...rest,
    labs: () => store.state.labs,
    publish: (event) => events.publish(event),
    deployLog: (lab, level, text, vm) => deployer.log(lab, level, text, vm),
    openConsoles: (domain) => consoles.openCountOf(domain),
  });
  const following = idleShutdown.follow(feed, sampleIntervalMs);
  const stopListening = events.listen((event) => {
    if (event.type === 'lab-status') following.labsChanged();
  });
  return {
    idleShutdown,
    stop: () => {
      stopListening();
      following.dispose();
    },
  };
}
