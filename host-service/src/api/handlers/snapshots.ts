// The snapshot requests: create, list, revert and delete a VM's snapshots. Reverting or deleting
// on a VM this host did not make needs the VM named again in confirmForeign.
import {
  HostErrorCode,
  SnapshotsCreateRequest,
  SnapshotsDeleteRequest,
  SnapshotsListRequest,
  SnapshotsRevertRequest,
} from '@vlm/schemas/src/host-protocol';
import type { HandlerTable } from '../handler-table';
import { hostError } from '../../host-errors';
import { type HandlerContext, throwIfCancelled, toVmSummary } from './handler-context';

export function registerSnapshotHandlers(table: HandlerTable, context: HandlerContext): void {
  const { hypervisor } = context.dependencies;

  table.on(SnapshotsCreateRequest.type, async ({ vm, name, description }, { token }) => {
    throwIfCancelled(token);
    await context.requireDomain(vm);
    const existing = await context.hypervisorCall(() => hypervisor.listSnapshots(vm), '/vm');
    if (existing.some((snapshot) => snapshot.name === name)) {
      throw hostError(HostErrorCode.AlreadyExists, `VM "${vm}" already has a snapshot named "${name}".`, { field: '/name' });
    }
    throwIfCancelled(token);
    return context.hypervisorCall(
      () => hypervisor.createSnapshot(vm, description === undefined ? { name } : { name, description }),
      '/name',
    );
  });

  table.on(SnapshotsListRequest.type, async ({ vm }, { token }) => {
    await context.requireDomain(vm);
    const snapshots = await context.hypervisorCall(() => hypervisor.listSnapshots(vm), '/vm');
    throwIfCancelled(token);
    return { snapshots };
  });

  table.on(SnapshotsRevertRequest.type, async ({ vm, name, confirmForeign }, { token }) => {
    throwIfCancelled(token);
    context.requireOwnedOrConfirmed(await context.requireDomain(vm), confirmForeign, `revert it to snapshot "${name}"`);
    await context.hypervisorCall(() => hypervisor.revertSnapshot(vm, name), '/name');
    return toVmSummary(await context.requireDomain(vm));
  });

  table.on(SnapshotsDeleteRequest.type, async ({ vm, name, confirmForeign }, { token }) => {
    throwIfCancelled(token);
    context.requireOwnedOrConfirmed(await context.requireDomain(vm), confirmForeign, `delete its snapshot "${name}"`);
    await context.hypervisorCall(() => hypervisor.deleteSnapshot(vm, name), '/name');
    return { deleted: name };
  });
}
