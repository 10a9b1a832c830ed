// The host's VM metrics: one GetAllDomainStats call per interval for every running domain, turned
// into samples (metric-rates.ts) and kept for ten minutes per domain. It samples only while
// someone holds a demand (a follower of the API's stream, idle shutdown), at the shortest interval
// any demand asks for, so an idle host makes no calls.
import type { VmMetricsSample } from '@vlm/schemas/src/host-protocol';
import type { Disposable } from '../libvirt/hypervisor';
import { type CounterReading, computeSample, type DomainStatsValues, readCounters } from './metric-rates';
import { SampleHistory } from './sample-history';

/** Where the counters come from: the Hypervisor's activeDomainStats (one call per sample). */
export interface DomainStatsSource {
  activeDomainStats(): Promise<Map<string, DomainStatsValues>>;
}

/** Every running domain's sample of one interval. */
export interface SampleBatch {
  at: number;
  samples: ReadonlyMap<string, VmMetricsSample>;
}

export interface MetricsSamplerOptions {
  /** How much history to keep per domain; default 10 minutes. */
  historyMs?: number;
  /** The host clock in milliseconds; tests pass their own. */
  now?: () => number;
}

/** The interval for API followers. */
export const defaultSampleIntervalMs = 2_000;
/** Shorter demands are raised to this: a sample costs one libvirt call for every domain. */
export const minimumSampleIntervalMs = 500;
const defaultHistoryMs = 10 * 60_000;

export class MetricsSampler {
  private readonly historyMs: number;
  private readonly now: () => number;
  private readonly histories = new Map<string, SampleHistory>();
  private readonly readings = new Map<string, CounterReading>();
  private readonly sampleListeners = new Set<(batch: SampleBatch) => void>();
  private readonly errorListeners = new Set<(error: unknown) => void>();
  private readonly demands = new Set<{ intervalMs: number }>();
  private lastBatchAt: number | undefined;
  private inFlight: Promise<SampleBatch> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly source: DomainStatsSource,
    options: MetricsSamplerOptions = {},
  ) {
    this.historyMs = options.historyMs ?? defaultHistoryMs;
    this.now = options.now ?? Date.now;
  }

  /** The shortest interval any demand asks for; undefined while nobody needs samples. */
  get intervalMs(): number | undefined {
    let shortest: number | undefined;
    for (const demand of this.demands) shortest = Math.min(shortest ?? demand.intervalMs, demand.intervalMs);
    return shortest;
  }

  /** When the newest batch was taken (host clock, ms); undefined before the first. */
  get lastSampleAt(): number | undefined {
    return this.lastBatchAt;
  }

  /** Keeps sampling at `intervalMs` (or faster, if another demand asks) until disposed. */
  demand(intervalMs = defaultSampleIntervalMs): Disposable {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0)
      throw new RangeError(`A sample interval is a positive number of milliseconds, not ${intervalMs}`);
    const demand = { intervalMs: Math.max(minimumSampleIntervalMs, intervalMs) };
    const wasIdle = this.demands.size === 0;
    this.demands.add(demand);
    if (wasIdle) this.schedule(0);
    return {
      dispose: () => {
        this.demands.delete(demand);
        if (this.demands.size === 0) this.stopTimer();
      },
    };
  }

  /** Called with every batch, after the histories hold it. */
  onSample(listener: (batch: SampleBatch) => void): Disposable {
    this.sampleListeners.add(listener);
    return { dispose: () => this.sampleListeners.delete(listener) };
  }

  /** Called when a scheduled sample fails (libvirt unreachable, timeout); sampling goes on. */
  onError(listener: (error: unknown) => void): Disposable {
    this.errorListeners.add(listener);
    return { dispose: () => this.errorListeners.delete(listener) };
  }

  /** The domain's sample from the newest batch; undefined when it was not running then (or never sampled). */
  latest(domain: string): VmMetricsSample | undefined {
    const newest = this.histories.get(domain)?.newest();
    return newest && newest.at === this.lastBatchAt ? newest : undefined;
  }

  /** The domain's samples of the last `historyMs`, oldest first. */
  history(domain: string): VmMetricsSample[] {
    return this.histories.get(domain)?.since(this.now() - this.historyMs) ?? [];
  }

  /** Samples now (one call); a sample already under way is shared, not repeated. */
  sampleNow(): Promise<SampleBatch> {
    this.inFlight ??= this.takeSample().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  close(): void {
    this.closed = true;
    this.demands.clear();
    this.stopTimer();
    this.sampleListeners.clear();
    this.errorListeners.clear();
  }

  private async takeSample(): Promise<SampleBatch> {
    const stats = await this.source.activeDomainStats();
    const at = this.now();
    const samples = new Map<string, VmMetricsSample>();
    for (const [name, values] of stats) {
      const reading = readCounters(values, at);
      // A domain destroyed a moment ago can still be listed, shut off: it is not running.
      if (reading.state === 'shut-off') continue;
      samples.set(name, computeSample(this.readings.get(name), reading));
      this.readings.set(name, reading);
    }
    // A domain missing from the batch stopped: its next run starts counting afresh.
    for (const name of [...this.readings.keys()]) if (!samples.has(name)) this.readings.delete(name);
    this.record(at, samples);
    const batch = { at, samples };
    for (const listener of [...this.sampleListeners]) listener(batch);
    return batch;
  }

  private record(at: number, samples: ReadonlyMap<string, VmMetricsSample>): void {
    this.lastBatchAt = at;
    const capacity = Math.ceil(this.historyMs / minimumSampleIntervalMs) + 1;
    for (const [name, sample] of samples) {
      let history = this.histories.get(name);
      if (!history) {
        history = new SampleHistory(capacity);
        this.histories.set(name, history);
      }
      history.push(sample);
    }
    // Forget domains not seen for the whole window.
    for (const [name, history] of this.histories) {
      const newest = history.newest();
      if (!newest || newest.at < at - this.historyMs) this.histories.delete(name);
    }
  }

  private schedule(delayMs: number): void {
    this.stopTimer();
    if (this.closed || this.demands.size === 0) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const started = this.now();
    try {
      await this.sampleNow();
    } catch (error) {
      for (const listener of [...this.errorListeners]) listener(error);
    }
    const interval = this.intervalMs;
    if (interval !== undefined && this.timer === undefined) this.schedule(Math.max(0, started + interval - this.now()));
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
