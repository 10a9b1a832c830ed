// Keeps the host state's running intervals current: reconciled with libvirt's list at start and
// after a lost libvirt connection comes back, then moved by each domain event. A heartbeat notes
// the last time the host knew which VMs ran, so a restart closes a stopped VM's interval there.
import type { Disposable, DomainSummary, Hypervisor, HypervisorEvent } from '../libvirt/hypervisor';
import type { StateStore } from '../state/state-store';
import { observeDomain, pruneIntervals, reconcileAtStart } from './running-intervals';

export interface RunningTimeRecorderOptions {
  hypervisor: Hypervisor;
  store: StateStore;
  madeHere: (domain: DomainSummary) => boolean;
  log: (line: string) => void;
  /** How often the last-known time is written while a VM runs (default: 5 minutes). */
  heartbeatMs?: number;
  /** The clock, as ISO 8601 UTC. */
  now?: () => string;
}

export class RunningTimeRecorder {
  private readonly now: () => string;
  private connected = true;
  private subscription: Disposable | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(private readonly options: RunningTimeRecorderOptions) {
    this.now = options.now ?? (() => new Date().toISOString());
  }

  /** Reconciles with libvirt, then follows its events until `stop`. */
  static async start(options: RunningTimeRecorderOptions): Promise<RunningTimeRecorder> {
    const recorder = new RunningTimeRecorder(options);
    recorder.subscription = options.hypervisor.subscribe((event) => recorder.onEvent(event));
    await recorder.reconcile();
    recorder.heartbeat = setInterval(() => recorder.beat(), options.heartbeatMs ?? 5 * 60_000);
    recorder.heartbeat.unref();
    return recorder;
  }

  private async reconcile(): Promise<void> {
    const domains = await this.options.hypervisor.listDomains();
    await this.options.store.update((draft) => reconcileAtStart(draft, domains, this.now(), this.options.madeHere));
  }

  private onEvent(event: HypervisorEvent): void {
    if (event.type === 'connection-lost') {
      this.connected = false;
      return;
    }
    let write: Promise<void>;
    if (event.type === 'connection-restored') {
      this.connected = true;
      write = this.reconcile();
    } else {
      write = this.options.store.update((draft) => {
        const now = this.now();
        if (observeDomain(draft, event.name, event.domain, now, this.options.madeHere)) pruneIntervals(draft, now);
        if (this.connected) draft.running_observed_at = now;
      });
    }
    write.catch((error: Error) => this.options.log(`Recording running time failed: ${error.message}`));
  }

  private beat(): void {
    if (!this.connected || !this.options.store.state.running_intervals.some((interval) => interval.stop === undefined)) return;
    this.options.store
      .update((draft) => {
        draft.running_observed_at = this.now();
      })
      .catch((error: Error) => this.options.log(`Recording running time failed: ${error.message}`));
  }

  /** Stops following events; notes now as the last time the host knew which VMs ran. */
  async stop(): Promise<void> {
    this.subscription?.dispose();
    clearInterval(this.heartbeat);
    if (!this.connected) return;
    await this.options.store
      .update((draft) => {
        draft.running_observed_at = this.now();
      })
      .catch((error: Error) => this.options.log(`Recording running time failed: ${error.message}`));
  }
}
