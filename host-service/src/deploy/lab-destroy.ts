// Destroying a lab: everything its record holds goes (domains first, as they hold their disks and
// seeds open; networks last), then the record, the lab's SSH key and, after the data directory's
// last lab, its storage pool.
import { join } from 'node:path';
import { HostErrorCode, type PlanResult, type PlanStep } from '@vlm/schemas/src/host-protocol';
import { fromHypervisorError, hostError } from '../host-errors';
import type { ReadonlyHostState } from '../state/state-store';
import type { DeployContext } from './deploy-context';
import { deleteDomain, deleteNetwork, deleteSeed, deleteVolume } from './resource-removal';
import { removeLabSshKey } from './service-ssh-key';
import { removeVolumePool } from './volume-pool';

/** Removes everything recorded for the lab, then the lab itself. */
export async function destroyLab(context: DeployContext, lab: string): Promise<PlanResult> {
  const record = context.labRecord(lab);
  if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${lab}" on this host.`, { field: '/name' });
  const release = context.claim(lab);
  try {
    const steps = destroySteps(record);
    await context.log(lab, 'info', `Destroying: ${steps.length} resource(s).`);
    try {
      for (const step of steps.filter((item) => item.kind === 'domain')) await deleteDomain(context, lab, step.resource);
      for (const step of steps.filter((item) => item.kind === 'volume')) await deleteVolume(context, lab, step.resource);
      for (const step of steps.filter((item) => item.kind === 'seed')) await deleteSeed(context, lab, step.resource);
      for (const step of steps.filter((item) => item.kind === 'network')) await deleteNetwork(context, lab, step.resource);
    } catch (error) {
      await context.log(lab, 'error', `Destroy failed: ${error instanceof Error ? error.message : String(error)}`).catch(() => undefined);
      await context.setStatus(lab, 'failed').catch(() => undefined);
      throw fromHypervisorError(error);
    }
    await context.options.store.update((draft) => {
      delete draft.labs[lab];
      draft.allocated_ports = draft.allocated_ports.filter((port) => port.lab !== lab);
    });
    // The lab's key goes with it: nothing it opened exists any more.
    await removeLabSshKey(context.options.dataDirectory, lab);
    context.options.events.publish({ type: 'lab-status', lab, status: 'destroyed' });
    await removePoolIfLast(context, lab);
    return { lab, newLab: false, steps, unchanged: 0 };
  } finally {
    release();
  }
}

/** One delete step per recorded resource. */
function destroySteps(record: ReadonlyHostState['labs'][string]): PlanStep[] {
  const { resources } = record;
  return [
    ...resources.domains.map(
      (item): PlanStep => ({ action: 'delete', kind: 'domain', resource: item.name, labItem: item.vm, changes: [] }),
    ),
    ...resources.volumes.map(
      (item): PlanStep => ({ action: 'delete', kind: 'volume', resource: `${item.pool}/${item.name}`, labItem: item.vm, changes: [] }),
    ),
    ...resources.networks.map(
      (item): PlanStep => ({ action: 'delete', kind: 'network', resource: item.name, labItem: item.network, changes: [] }),
    ),
    ...(resources.seeds ?? []).map(
      (item): PlanStep => ({ action: 'delete', kind: 'seed', resource: item.path, labItem: item.vm, changes: [] }),
    ),
    ...resources.ports.map(
      (item): PlanStep => ({ action: 'delete', kind: 'port', resource: `${item.kind}:${item.port}`, labItem: item.vm, changes: [] }),
    ),
  ];
}

/**
 * Removes the data directory's pool once `lab`, just destroyed, was the last one: no lab is
 * recorded and none is being applied. A failure is logged; the lab is destroyed either way.
 */
function removePoolIfLast(context: DeployContext, lab: string): Promise<void> {
  const { hypervisor, store, dataDirectory } = context.options;
  const { volumePool } = context;
  const log = context.options.log ?? (() => undefined);
  return context
    .withPool(async () => {
      if (Object.keys(store.state.labs).length > 0 || [...context.busy].some((item) => item !== lab)) return;
      const result = await removeVolumePool(hypervisor, volumePool, join(dataDirectory, 'pool'));
      if ('kept' in result) log(`The storage pool ${volumePool} stays although no lab is left: ${result.kept}.`);
      else if (result.removed) log(`Removed the storage pool ${volumePool}: its last lab, ${lab}, is destroyed.`);
    })
    .catch((error: unknown) =>
      log(`Removing the storage pool ${volumePool} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
}
