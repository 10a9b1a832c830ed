// The host's event stream: one gapless, increasing sequence for every event, a window of recent
// events for clients that reconnect, and the live listeners. Sequence numbers are reserved in
// blocks in the state file, so a restarted service never hands out a number twice.
import type { EventsSubscribeResult, HostEvent, HostEventBody } from '@vlm/schemas/src/host-protocol';
import type { HypervisorEvent } from './libvirt/hypervisor';
import type { StateStore } from './state/state-store';

const reservationBlock = 1000;

export interface EventLogOptions {
  /** How many recent events are kept for replay. */
  retained?: number;
}

export class EventLog {
  private readonly retained: number;
  private readonly recent: HostEvent[] = [];
  private readonly listeners = new Set<(event: HostEvent) => void>();
  private readonly waiting: HostEventBody[] = [];
  private nextSequence: number;
  private ceiling: number;
  private reserving: Promise<void> | undefined;

  private constructor(
    private readonly store: StateStore,
    /** The first sequence number of this run; anything below it was before the restart. */
    readonly firstSequence: number,
    options: EventLogOptions,
  ) {
    this.retained = options.retained ?? 10_000;
    this.nextSequence = firstSequence;
    this.ceiling = firstSequence + reservationBlock - 1;
  }

  static async create(store: StateStore, options: EventLogOptions = {}): Promise<EventLog> {
    const first = await store.reserveEventSequences(reservationBlock);
    return new EventLog(store, first, options);
  }

  /** Sequence number of the newest event (firstSequence - 1 before the first one). */
  get currentSequence(): number {
    return this.nextSequence - 1;
  }

  publish(body: HostEventBody): void {
    this.waiting.push(body);
    this.drain();
  }

  /** Calls `listener` with every event published from now on, in order. */
  listen(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The kept events after `afterSequence`, and whether they are all of them. */
  since(afterSequence: number | undefined): { events: HostEvent[]; result: EventsSubscribeResult } {
    const current = this.currentSequence;
    if (afterSequence === undefined) return { events: [], result: { currentSequence: current, complete: true, replayed: 0 } };
    const oldestKept = this.recent[0]?.sequence ?? this.nextSequence;
    const complete = afterSequence <= current && afterSequence >= Math.max(oldestKept, this.firstSequence) - 1;
    const events = afterSequence > current ? [] : this.recent.filter((event) => event.sequence > afterSequence);
    return { events, result: { currentSequence: current, complete, replayed: events.length } };
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.nextSequence <= this.ceiling) {
      const body = this.waiting.shift() as HostEventBody;
      const event = { ...body, sequence: this.nextSequence, time: new Date().toISOString() } as HostEvent;
      this.nextSequence += 1;
      this.recent.push(event);
      if (this.recent.length > this.retained) this.recent.shift();
      for (const listener of this.listeners) listener(event);
    }
    // Reserve the next block well before this one runs out; events wait only if it has not landed.
    if (this.reserving === undefined && this.ceiling - this.nextSequence < reservationBlock / 4) {
      this.reserving = this.store
        .reserveEventSequences(reservationBlock)
        .then((first) => {
          this.ceiling = first + reservationBlock - 1;
        })
        .catch(() => undefined)
        .finally(() => {
          this.reserving = undefined;
          if (this.waiting.length > 0) this.drain();
        });
    }
  }
}

/** What a hypervisor signal becomes in the event stream. */
export function eventFromHypervisor(event: HypervisorEvent): HostEventBody {
  switch (event.type) {
    case 'domain': {
      const body: HostEventBody = {
        type: 'vm-state',
        vm: event.name,
        state: event.domain?.state ?? 'undefined',
        detail: `${event.kind}/${event.detail}`,
      };
      if (event.domain?.vlm) body.lab = event.domain.vlm.lab;
      return body;
    }
    case 'domain-changed': {
      const body: HostEventBody = { type: 'vm-state', vm: event.name, state: event.domain?.state ?? 'undefined', detail: 'changed' };
      if (event.domain?.vlm) body.lab = event.domain.vlm.lab;
      return body;
    }
    case 'connection-lost':
      return { type: 'connection-state', connected: false, reason: event.reason };
    case 'connection-restored':
      return { type: 'connection-state', connected: true };
  }
}
