// Write-ahead creation: an intent ("creating X") is recorded durably before libvirt makes X and
// swapped for X's record in one write right after. A crash in between leaves the intent, which
// the next start resolves (crash-recovery.ts) by looking the name up in libvirt.
import { HypervisorError } from '../libvirt/hypervisor';
import type { LabRecord, PendingCreation } from '../state/state-shape';
import type { DeployContext } from './deploy-context';

/** Drops `intent` from the record's unconfirmed creations. */
export function forgetIntent(record: LabRecord, intent: PendingCreation): void {
  record.pending = (record.pending ?? []).filter((item) => !(item.kind === intent.kind && item.name === intent.name));
}

/** Records `intent`, runs `make`, then replaces the intent with what `confirm` records. */
export async function creating(
  context: DeployContext,
  lab: string,
  intent: PendingCreation,
  make: () => Promise<void>,
  confirm: (record: LabRecord) => void,
): Promise<void> {
  await context.record(lab, (record) => {
    record.pending = [...(record.pending ?? []), intent];
  });
  try {
    await make();
  } catch (error) {
    // libvirt refused because the name is taken: nothing was made, and what holds the name is not ours.
    if (error instanceof HypervisorError && error.code === 'already-exists') {
      await context.record(lab, (record) => forgetIntent(record, intent));
    }
    throw error;
  }
  await context.record(lab, (record) => {
    forgetIntent(record, intent);
    confirm(record);
  });
}
