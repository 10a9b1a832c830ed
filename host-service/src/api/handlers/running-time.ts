// The running intervals of this host's VMs, for local spend: read from the state, which the
// running-time recorder keeps current.
import { VmsRunningIntervalsRequest } from '@vlm/schemas/src/host-protocol';
import { intervalsOverlapping, runningIntervalMonths } from '../../running-time/running-intervals';
import type { HandlerTable } from '../handler-table';
import { type HandlerContext, throwIfCancelled } from './handler-context';

export function registerRunningTimeHandlers(table: HandlerTable, context: HandlerContext): void {
  const { store } = context.dependencies;
  table.on(VmsRunningIntervalsRequest.type, async ({ month }, { token }) => {
    throwIfCancelled(token);
    const year = Number(month.slice(0, 4));
    const index = Number(month.slice(5, 7)) - 1;
    const from = new Date(Date.UTC(year, index, 1)).toISOString();
    const until = new Date(Date.UTC(year, index + 1, 1)).toISOString();
    return { intervals: intervalsOverlapping(store.state, from, until), now: new Date().toISOString(), keptMonths: runningIntervalMonths };
  });
}
