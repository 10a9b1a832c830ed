// Relays a host's VM metrics to the VM details panels, without vscode: each panel gets its VM's
// last minutes of history, then its live samples while it is visible. The host's subscription is
// per connection (and a connection has one handler per notification), so one follower per
// connection serves every open panel, and follows only while some panel watches.
import type { VmDetailsToPanel } from '@vlm/schemas';
import type { MetricsBatch, MetricsGetResult, MetricsSubscribeResult } from '@vlm/schemas/src/host-protocol';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';

/** How far back the panel's charts reach. */
export const metricsWindowMs = 10 * 60 * 1000;

interface Disposable {
  dispose(): void;
}

/** What the relay needs of one host connection. */
export interface MetricsLink {
  get(domain: string): Promise<MetricsGetResult>;
  follow(follow: boolean): Promise<MetricsSubscribeResult>;
  onBatch(listener: (batch: MetricsBatch) => void): Disposable;
  onClose(listener: () => void): Disposable;
}

/** One connection's `vlm/metrics/subscribe`, shared by every panel that watches a VM on it. */
export class MetricsFollower {
  private readonly watchers = new Set<(batch: MetricsBatch) => void>();
  private batches: Disposable | undefined;
  /** follow(true) and follow(false) reach the host in the order they were asked. */
  private following: Promise<unknown> = Promise.resolve();

  constructor(
    readonly link: MetricsLink,
    private readonly warn: (line: string) => void,
  ) {}

  get watching(): number {
    return this.watchers.size;
  }

  watch(listener: (batch: MetricsBatch) => void): Disposable {
    this.watchers.add(listener);
    if (this.watchers.size === 1) this.setFollowing(true);
    return {
      dispose: () => {
        if (this.watchers.delete(listener) && this.watchers.size === 0) this.setFollowing(false);
      },
    };
  }

  private setFollowing(follow: boolean): void {
    if (follow) {
      this.batches = this.link.onBatch((batch) => {
        for (const watcher of [...this.watchers]) watcher(batch);
      });
    } else {
      this.batches?.dispose();
      this.batches = undefined;
    }
    this.following = this.following
      .then(() => this.link.follow(follow))
      .catch((error: unknown) => this.warn(`could not ${follow ? 'follow' : 'stop following'} metrics: ${describe(error)}`));
  }
}

/** The follower of each connection, made on first use and forgotten with the connection. */
export class MetricsFollowers {
  private readonly followers = new WeakMap<object, MetricsFollower>();

  constructor(private readonly warn: (line: string) => void) {}

  of(connection: object, link: () => MetricsLink): MetricsFollower {
    let follower = this.followers.get(connection);
    if (!follower) {
      follower = new MetricsFollower(link(), this.warn);
      this.followers.set(connection, follower);
    }
    return follower;
  }
}

/** A name as panel-messages.schema.json allows it: 1 to 200 characters, no control characters. */
function plain(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 200 &&
    ![...value].some((character) => character < ' ' || character === '\u007f')
  );
}

/** Which VM a panel shows; kept in the webview's state, so it is checked again on restore. */
export interface VmDetailsTarget {
  host: string;
  vm: string;
  domain: string;
  lab?: string;
}

/** A restored panel's saved state, if it names a VM; anything else is refused. */
export function restoredTarget(state: unknown): VmDetailsTarget | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const { host, vm, domain, lab } = state as Record<string, unknown>;
  if (!plain(host) || !plain(vm) || !plain(domain)) return undefined;
  if (lab !== undefined && !plain(lab)) return undefined;
  return lab === undefined ? { host, vm, domain } : { host, vm, domain, lab };
}

export interface VmDetailsContext {
  target: VmDetailsTarget;
  /** The follower of the VM's host connection, or why there is none. */
  follower(): MetricsFollower | string;
  post(message: VmDetailsToPanel): void;
  warn(line: string): void;
}

/** One panel: history on show, live samples while shown, nothing while hidden. */
export class VmDetailsSession {
  private watching: Disposable[] = [];
  private generation = 0;

  constructor(private readonly context: VmDetailsContext) {}

  /** A message from the panel, checked first; a wrong one is dropped with a warning. */
  async handle(raw: unknown): Promise<void> {
    const check = checkPanelMessage('VmDetailsToExtension', raw);
    if (!check.ok) {
      this.context.warn(check.problem);
      return;
    }
    await this.show();
  }

  /** The panel is visible: send the history, then relay its VM's samples. */
  async show(): Promise<void> {
    this.hide();
    const generation = this.generation;
    const { target, post } = this.context;
    const follower = this.context.follower();
    if (typeof follower === 'string') {
      post({ type: 'problem', message: follower });
      return;
    }
    // Watch first and hold the samples back, so none is lost while the history loads.
    let held: MetricsBatch[] | undefined = [];
    let newest = 0;
    const relay = (batch: MetricsBatch) => {
      if (batch.at <= newest) return;
      const entry = batch.vms.find((candidate) => candidate.vm === target.domain);
      post(entry ? { type: 'sample', sample: entry.sample } : { type: 'stopped', at: batch.at });
    };
    this.watching.push(
      follower.watch((batch) => (held ? held.push(batch) : relay(batch))),
      follower.link.onClose(() => post({ type: 'problem', message: `Host ${target.host} disconnected: no live figures.` })),
    );
    try {
      const result = await follower.link.get(target.domain);
      if (generation !== this.generation) return;
      const metrics = result.vms.find((candidate) => candidate.vm === target.domain);
      const history = (metrics?.latest ? metrics.history : []).filter((sample) => sample.at > (metrics?.latest?.at ?? 0) - metricsWindowMs);
      newest = history.at(-1)?.at ?? 0;
      post({ type: 'vm', ...target, intervalMs: result.intervalMs, windowMs: metricsWindowMs, history });
      if (!metrics?.latest) post({ type: 'stopped', at: Date.now() });
    } catch (error) {
      if (generation !== this.generation) return;
      post({ type: 'problem', message: `Could not read the metrics of ${target.vm}: ${describe(error)}` });
    }
    const queued = held ?? [];
    held = undefined;
    for (const batch of queued) relay(batch);
  }

  /** Hidden or closed: stop relaying (the last panel to stop ends the host's subscription). */
  hide(): void {
    this.generation++;
    for (const disposable of this.watching.splice(0)) disposable.dispose();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
