// Follows instances in transitional states until they settle, so rows move without a refresh:
// operations the user started through the provider's own mechanism (followOperation), other
// transitional rows by polling getInstance with a growing delay. While the view is hidden nothing
// is followed (every request is aborted); showing it again resumes. No `vscode` import: unit-tested.
import { setTimeout as delay } from 'node:timers/promises';
import type { CloudInstance, CloudOperation, CloudProvider } from '@vlm/clouds/src/cloud-provider';
import { instanceRowId, isTransitional } from './cloud-rows';

export interface FollowerHooks {
  provider(accountId: string): CloudProvider | undefined;
  /** Each state an instance passes through, and its settled one. */
  onInstance(instance: CloudInstance): void;
  /** An operation the provider reports as failed (a CloudError with its code), or a poll that failed. */
  onFailure(target: { accountId: string; location: string; instanceId: string; action?: string }, error: unknown): void;
}

/** Polling delays: 1 s, then doubling up to 15 s. */
export const defaultPollDelaysMs = [1000, 2000, 4000, 8000, 15000];

type Target = Pick<CloudInstance, 'accountId' | 'location' | 'id'>;

export class CloudFollowers {
  private readonly operations = new Map<string, CloudOperation>();
  private readonly watched = new Map<string, Target>();
  private active = new AbortController();
  private visible = true;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly hooks: FollowerHooks,
    private readonly pollDelaysMs: readonly number[] = defaultPollDelaysMs,
  ) {}

  /** Follows an operation the user started; replaces any earlier one of the same instance. */
  follow(operation: CloudOperation): void {
    const key = instanceRowId({ accountId: operation.accountId, location: operation.location, id: operation.instanceId });
    this.watched.delete(key);
    this.operations.set(key, operation);
    if (this.visible) this.track(this.runOperation(key, operation, this.active.signal));
  }

  /** Polls an instance listed in a transitional state, unless an operation of it is followed already. */
  watch(instance: Target): void {
    const key = instanceRowId(instance);
    if (this.operations.has(key) || this.watched.has(key)) return;
    this.watched.set(key, { accountId: instance.accountId, location: instance.location, id: instance.id });
    if (this.visible) this.track(this.poll(key, this.active.signal));
  }

  /** Hidden: abort every request and wait. Visible again: follow what is still unsettled. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (!visible) {
      this.active.abort();
      return;
    }
    this.active = new AbortController();
    for (const [key, operation] of this.operations) this.track(this.runOperation(key, operation, this.active.signal));
    for (const key of this.watched.keys()) this.track(this.poll(key, this.active.signal));
  }

  /** Forgets what is followed for an account (removed, or listed again). */
  forgetAccount(accountId: string): void {
    const prefix = `cloud/${accountId}/`;
    for (const key of [...this.operations.keys()]) if (key.startsWith(prefix)) this.operations.delete(key);
    for (const key of [...this.watched.keys()]) if (key.startsWith(prefix)) this.watched.delete(key);
  }

  /** How many instances are followed (running or paused). */
  get followed(): number {
    return this.operations.size + this.watched.size;
  }

  /** Resolves once no request or wait is under way (all settled, or all paused while hidden). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  dispose(): void {
    this.operations.clear();
    this.watched.clear();
    this.active.abort();
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private async runOperation(key: string, operation: CloudOperation, signal: AbortSignal): Promise<void> {
    const provider = this.hooks.provider(operation.accountId);
    if (!provider) return;
    try {
      const settled = await provider.followOperation(operation, {
        signal,
        onInstance: (instance) => {
          if (!signal.aborted && this.operations.get(key) === operation) this.hooks.onInstance(instance);
        },
      });
      if (this.operations.get(key) !== operation) return;
      this.operations.delete(key);
      this.hooks.onInstance(settled);
    } catch (error) {
      // Aborted because the view was hidden: kept, and resumed when it shows again.
      if (signal.aborted || this.operations.get(key) !== operation) return;
      this.operations.delete(key);
      this.hooks.onFailure(
        { accountId: operation.accountId, location: operation.location, instanceId: operation.instanceId, action: operation.action },
        error,
      );
    }
  }

  private async poll(key: string, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const target = this.watched.get(key);
      const provider = target && this.hooks.provider(target.accountId);
      if (!target || !provider) return;
      const wait = this.pollDelaysMs[Math.min(attempt, this.pollDelaysMs.length - 1)] ?? 15000;
      try {
        await delay(wait, undefined, { signal });
        const instance = await provider.getInstance(target.location, target.id, signal);
        if (this.watched.get(key) !== target) return;
        this.hooks.onInstance(instance);
        if (!isTransitional(instance.state)) {
          this.watched.delete(key);
          return;
        }
      } catch (error) {
        if (signal.aborted) return;
        if (this.watched.get(key) === target) this.watched.delete(key);
        this.hooks.onFailure({ accountId: target.accountId, location: target.location, instanceId: target.id }, error);
        return;
      }
    }
  }
}
