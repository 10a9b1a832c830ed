// vlm/metrics/get and vlm/metrics/subscribe: the sampler's samples for a VM, a lab or the host,
// and a live stream of every batch to the connections that follow it. A follower holds a demand
// on the sampler; closing the connection releases it, so nobody following means no libvirt calls.
import {
  HostErrorCode,
  MetricsGetRequest,
  MetricsNotification,
  MetricsSubscribeRequest,
  type MetricsBatch,
  type VmMetrics,
} from '@vlm/schemas/src/host-protocol';
import { hostError } from '../../host-errors';
import type { DomainSummary } from '../../libvirt/hypervisor';
import { defaultSampleIntervalMs, type SampleBatch } from '../../metrics/metrics-sampler';
import type { StateStore } from '../../state/state-store';
import type { HandlerTable } from '../handler-table';
import { type HandlerContext, throwIfCancelled } from './handler-context';

/** The window of a get's own two samples when nobody follows: long enough for steady rates, short for a tooltip. */
const oneOffWindowMs = 1_000;

/** The lab each recorded domain belongs to, from the host's records (no libvirt call). */
function labsByDomain(store: StateStore): Map<string, string> {
  const labs = new Map<string, string>();
  for (const record of Object.values(store.state.labs)) for (const domain of record.resources.domains) labs.set(domain.name, record.name);
  return labs;
}

function toMetricsBatch(batch: SampleBatch, labs: Map<string, string>): MetricsBatch {
  return {
    at: batch.at,
    vms: [...batch.samples].map(([vm, sample]) => {
      const lab = labs.get(vm);
      return lab === undefined ? { vm, sample } : { vm, lab, sample };
    }),
  };
}

export function registerMetricsHandlers(table: HandlerTable, context: HandlerContext): void {
  const { metrics, hypervisor, store } = context.dependencies;

  /** The domains a get asks about: one VM (which must exist), a lab's (which must exist), or all. */
  async function selectDomains(vm: string | undefined, lab: string | undefined): Promise<DomainSummary[]> {
    if (vm !== undefined) return [await context.requireDomain(vm)];
    const domains = await context.hypervisorCall(() => hypervisor.listDomains());
    if (lab === undefined) return domains;
    const selected = domains.filter((domain) => context.isLabDomain(domain, lab));
    if (selected.length === 0 && !Object.hasOwn(store.state.labs, lab)) {
      throw hostError(HostErrorCode.NotFound, `There is no lab named "${lab}" on this host.`, { field: '/lab' });
    }
    return selected;
  }

  table.on(MetricsGetRequest.type, async ({ vm, lab, history }, { token }) => {
    const domains = await selectDomains(vm, lab);
    throwIfCancelled(token);
    // Nobody keeps the sampler going: sample now, and when the last sample is old, once more a
    // second later, so the rates are of this moment rather than since long ago (or missing).
    if (metrics.intervalMs === undefined) {
      const last = metrics.lastSampleAt;
      await context.hypervisorCall(() => metrics.sampleNow());
      if (last === undefined || Date.now() - last > 2 * defaultSampleIntervalMs) {
        await new Promise((resolve) => setTimeout(resolve, oneOffWindowMs));
        throwIfCancelled(token);
        await context.hypervisorCall(() => metrics.sampleNow());
      }
    }
    const vms = domains.map((domain): VmMetrics => {
      const latest = metrics.latest(domain.name);
      const labName = domain.vlm?.lab;
      return {
        vm: domain.name,
        ...(labName === undefined ? {} : { lab: labName }),
        ...(latest ? { latest } : {}),
        history: history ? metrics.history(domain.name) : [],
      };
    });
    return { vms, intervalMs: defaultSampleIntervalMs };
  });

  table.on(MetricsSubscribeRequest.type, async ({ follow }, { connection, session }) => {
    session.cleanups.get('metrics')?.();
    session.cleanups.delete('metrics');
    if (follow) {
      const listening = metrics.onSample((batch) => {
        void connection.sendNotification(MetricsNotification.type, toMetricsBatch(batch, labsByDomain(store))).catch(() => undefined);
      });
      const demand = metrics.demand(defaultSampleIntervalMs);
      session.cleanups.set('metrics', () => {
        demand.dispose();
        listening.dispose();
      });
    }
    return { intervalMs: defaultSampleIntervalMs };
  });
}
