// How many calls one bus connection has waiting for replies. The system bus refuses a connection's
// calls past 128 pending replies (max_replies_per_connection), so calls past the limit here wait
// their turn instead of failing, however many listings and operations run at once.
import type dbus from 'dbus-next';

/** Below the system bus's 128, leaving room for dbus-next's own calls (Hello). */
export const pendingCallLimit = 120;

/** A call waiting for a free place; `granted` once it has one, `cancelled` once it stopped waiting. */
export interface PendingTurn {
  granted: boolean;
  cancelled: boolean;
  turn: Promise<void>;
}

interface PendingCalls {
  count: number;
  waiting: Array<PendingTurn & { grant(): void }>;
}

const pendingByBus = new WeakMap<dbus.MessageBus, PendingCalls>();

function pendingCalls(bus: dbus.MessageBus): PendingCalls {
  let pending = pendingByBus.get(bus);
  if (!pending) {
    pending = { count: 0, waiting: [] };
    pendingByBus.set(bus, pending);
  }
  return pending;
}

/** Takes a place on `bus` now (undefined), or a turn to wait for; either way `releasePlace` follows once granted. */
export function takePlace(bus: dbus.MessageBus): PendingTurn | undefined {
  const pending = pendingCalls(bus);
  if (pending.count < pendingCallLimit) {
    pending.count++;
    return undefined;
  }
  let resolveTurn = () => {};
  const turn = new Promise<void>((resolve) => {
    resolveTurn = resolve;
  });
  const waiter = {
    granted: false,
    cancelled: false,
    turn,
    grant() {
      waiter.granted = true;
      resolveTurn();
    },
  };
  pending.waiting.push(waiter);
  return waiter;
}

/** Gives the place to the next call still waiting, or frees it. */
export function releasePlace(bus: dbus.MessageBus): void {
  const pending = pendingCalls(bus);
  for (let next = pending.waiting.shift(); next; next = pending.waiting.shift()) {
    if (next.cancelled) continue;
    next.grant();
    return;
  }
  pending.count--;
}
