// The lab snapshot requests: take, list, revert and delete one named snapshot across a lab's VMs.
// This module checks the lab (known, not deploying, with VMs, not busy with another lab snapshot
// operation) and finds its VMs in dependency order; lab-snapshots/ does the work.
import {
  HostErrorCode,
  LabSnapshotsCreateRequest,
  LabSnapshotsDeleteRequest,
  LabSnapshotsListRequest,
  LabSnapshotsRevertRequest,
  type LabSnapshotSummary,
} from '@vlm/schemas/src/host-protocol';
import type { HandlerTable } from '../handler-table';
import { hostError } from '../../host-errors';
import { recordedLab } from '../../state/state-shape';
import type { SnapshotSummary } from '../../libvirt/hypervisor';
import { runScheduled } from '../../deploy/step-scheduler';
import { groupLabSnapshots, type LabMember } from '../../lab-snapshots/lab-snapshot-marks';
import { checkSnapshotStates, deleteLabSnapshot, revertLabSnapshot, takeLabSnapshot } from '../../lab-snapshots/lab-snapshot-runs';
import { type HandlerContext, throwIfCancelled } from './handler-context';

export function registerLabSnapshotHandlers(table: HandlerTable, context: HandlerContext): void {
  const { hypervisor } = context.dependencies;
  /** Runs `run` with the lab claimed: no apply, destroy or other lab snapshot operation meanwhile. */
  async function exclusive<T>(lab: string, activity: string, run: () => Promise<T>): Promise<T> {
    const release = context.dependencies.deployer.claim(lab, activity, '/lab');
    try {
      return await run();
    } finally {
      release();
    }
  }

  async function snapshots(lab: string, members: readonly LabMember[]): Promise<LabSnapshotSummary[]> {
    const byMember = new Map<LabMember, SnapshotSummary[]>();
    for (const member of members) byMember.set(member, await context.hypervisorCall(() => hypervisor.listSnapshots(member.domain), '/lab'));
    return groupLabSnapshots(lab, byMember);
  }

  async function existing(lab: string, name: string, members: readonly LabMember[]): Promise<LabSnapshotSummary> {
    const snapshot = (await snapshots(lab, members)).find((item) => item.name === name);
    if (!snapshot) throw hostError(HostErrorCode.NotFound, `Lab "${lab}" has no lab snapshot named "${name}".`, { field: '/name' });
    return snapshot;
  }

  table.on(LabSnapshotsCreateRequest.type, async ({ lab, name, description }, { token }) => {
    throwIfCancelled(token);
    const members = await labMembers(context, lab, 'snapshot it');
    return exclusive(lab, 'snapshotted', async () => {
      const clashes: string[] = [];
      for (const member of members) {
        const own = await context.hypervisorCall(() => hypervisor.listSnapshots(member.domain), '/lab');
        if (own.some((snapshot) => snapshot.name === name)) clashes.push(member.vm);
      }
      if (clashes.length > 0) {
        throw hostError(
          HostErrorCode.AlreadyExists,
          `Lab "${lab}" VM${clashes.length === 1 ? '' : 's'} ${clashes.map((vm) => `"${vm}"`).join(', ')} already ha${clashes.length === 1 ? 's' : 've'} a snapshot named "${name}": choose another name.`,
          {
            field: '/name',
          },
        );
      }
      const states = await context.hypervisorCall(() => checkSnapshotStates(hypervisor, members));
      throwIfCancelled(token);
      const vms = await takeLabSnapshot(hypervisor, { lab, name, members, states, ...(description === undefined ? {} : { description }) });
      return { snapshot: await existing(lab, name, members), vms };
    });
  });

  table.on(LabSnapshotsListRequest.type, async ({ lab }) => {
    const members = await labMembers(context, lab);
    return { snapshots: await snapshots(lab, members) };
  });

  table.on(LabSnapshotsRevertRequest.type, async ({ lab, name }, { token }) => {
    throwIfCancelled(token);
    const members = await labMembers(context, lab, 'revert it');
    return exclusive(lab, 'reverted to a lab snapshot', async () => {
      const snapshot = await existing(lab, name, members);
      if (snapshot.missing.length > 0) {
        throw hostError(
          HostErrorCode.InvalidState,
          `Lab snapshot "${name}" has no part for VM${snapshot.missing.length === 1 ? '' : 's'} ${snapshot.missing.map((vm) => `"${vm}"`).join(', ')} (added to the lab later, or its part deleted): it cannot restore the whole lab. Nothing was reverted.`,
          { field: '/name' },
        );
      }
      const vms = await revertLabSnapshot(hypervisor, snapshot, members);
      return { snapshot, vms };
    });
  });

  table.on(LabSnapshotsDeleteRequest.type, async ({ lab, name }, { token }) => {
    throwIfCancelled(token);
    const members = await labMembers(context, lab, 'delete its snapshot');
    return exclusive(lab, 'cleared of a lab snapshot', async () => {
      const snapshot = await existing(lab, name, members);
      return { deleted: name, vms: await deleteLabSnapshot(hypervisor, snapshot, members) };
    });
  });
}

/**
 * The lab's recorded VMs in dependency order (a VM after the VMs it depends on), the order the
 * deployer starts them in. `action` given: the lab must not be deploying and must have VMs.
 */
async function labMembers(context: HandlerContext, lab: string, action?: string): Promise<LabMember[]> {
  const record = recordedLab(context.dependencies.store.state.labs, lab);
  if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${lab}" on this host.`, { field: '/lab' });
  if (action !== undefined && record.status === 'deploying') {
    throw hostError(HostErrorCode.InvalidState, `Lab "${lab}" is deploying: ${action} when the deploy has finished.`, { field: '/lab' });
  }
  const order: string[] = [];
  const steps = record.definition.vms.map((vm) => ({
    name: vm.name,
    dependsOn: vm.depends_on ?? [],
    run: async () => {
      order.push(vm.name);
    },
  }));
  await runScheduled(steps, 1, new AbortController().signal);
  const domains = [...record.resources.domains].sort((a, b) => rank(order, a.vm) - rank(order, b.vm));
  if (action !== undefined && domains.length === 0) {
    throw hostError(HostErrorCode.InvalidState, `Lab "${lab}" has no VMs: a lab snapshot needs at least one.`, { field: '/lab' });
  }
  return domains.map((domain) => ({ vm: domain.vm, domain: domain.name }));
}

function rank(order: readonly string[], vm: string): number {
  const index = order.indexOf(vm);
  return index === -1 ? order.length : index;
}
