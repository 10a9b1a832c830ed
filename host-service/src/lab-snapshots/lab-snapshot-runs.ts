// Taking, reverting and deleting a lab snapshot across the lab's VMs, with the rollback a failure
// part-way needs. Taking one pauses every running VM first, snapshots them all, then resumes
// them: all parts hold the same moment of the lab (no VM runs on while another is saved), which
// matters for VMs that talk to each other. The cost is that the whole lab stands still for the
// sum of the snapshot times rather than each VM for its own.
import { HostErrorCode, type LabSnapshotSummary, type LabSnapshotVmOutcome } from '@vlm/schemas/src/host-protocol';
import { hostError } from '../host-errors';
import type { Hypervisor } from '../libvirt/hypervisor';
import { type LabMember, labSnapshotDescription } from './lab-snapshot-marks';

/** States a VM may be in to be snapshotted: running ones are paused first, the others taken as they are. */
const runningStates = new Set(['running', 'blocked']);
const snapshotStates = new Set([...runningStates, 'paused', 'shut-off']);

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The outcomes, one per member, in members' order; states are re-read so the report says where each VM is now. */
class Outcomes {
  private readonly byVm = new Map<string, LabSnapshotVmOutcome>();

  constructor(
    private readonly hypervisor: Hypervisor,
    private readonly members: readonly LabMember[],
    initial: LabSnapshotVmOutcome['outcome'],
  ) {
    for (const { vm, domain } of members) this.byVm.set(vm, { vm, domain, outcome: initial, state: 'unknown' });
  }

  set(member: LabMember, outcome: LabSnapshotVmOutcome['outcome'], error?: unknown): void {
    const entry = this.byVm.get(member.vm) as LabSnapshotVmOutcome;
    entry.outcome = outcome;
    if (error !== undefined) entry.error = entry.error === undefined ? message(error) : `${entry.error}; ${message(error)}`;
  }

  async read(): Promise<LabSnapshotVmOutcome[]> {
    for (const member of this.members) {
      const entry = this.byVm.get(member.vm) as LabSnapshotVmOutcome;
      entry.state = await this.hypervisor.getDomain(member.domain).then(
        (domain) => domain?.state ?? 'undefined',
        () => 'unknown',
      );
    }
    return [...this.byVm.values()];
  }
}

function describe(outcomes: readonly LabSnapshotVmOutcome[]): string {
  return outcomes.map((item) => `${item.domain}: ${item.outcome}, ${item.state}${item.error ? ` (${item.error})` : ''}`).join('; ');
}

/** Refuses VMs in a state a snapshot should not be taken in, before anything is done. */
export async function checkSnapshotStates(hypervisor: Hypervisor, members: readonly LabMember[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (const member of members) {
    const domain = await hypervisor.getDomain(member.domain);
    if (!domain)
      throw hostError(HostErrorCode.NotFound, `The lab's VM "${member.vm}" (domain ${member.domain}) does not exist in libvirt.`, {
        field: '/lab',
      });
    if (!snapshotStates.has(domain.state)) {
      throw hostError(
        HostErrorCode.InvalidState,
        `VM "${member.vm}" is ${domain.state}: a lab snapshot needs every VM running, paused or shut off. Wait for it, then try again.`,
        { field: '/lab', allowed: 'VMs that are running, paused or shut off' },
      );
    }
    states.set(member.vm, domain.state);
  }
  return states;
}

export interface TakeOptions {
  lab: string;
  name: string;
  description?: string;
  members: readonly LabMember[];
  /** Each member's state, from checkSnapshotStates. */
  states: ReadonlyMap<string, string>;
}

export async function takeLabSnapshot(hypervisor: Hypervisor, options: TakeOptions): Promise<LabSnapshotVmOutcome[]> {
  const { lab, name, members, states } = options;
  const outcomes = new Outcomes(hypervisor, members, 'as-before');
  const running = members.filter((member) => runningStates.has(states.get(member.vm) ?? ''));
  const paused: LabMember[] = [];
  const taken: LabMember[] = [];
  let failed: { member: LabMember; error: unknown } | undefined;
  try {
    for (const member of running) {
      failed = { member, error: undefined };
      await hypervisor.suspend(member.domain);
      paused.push(member);
    }
    for (const member of members) {
      failed = { member, error: undefined };
      const description = labSnapshotDescription(lab, running.includes(member), options.description);
      await hypervisor.createSnapshot(member.domain, { name, description });
      taken.push(member);
      outcomes.set(member, 'snapshot-taken');
    }
    failed = undefined;
  } catch (error) {
    if (failed) failed.error = error;
  }
  if (!failed) {
    if ((await resumeAll(hypervisor, paused, outcomes)) === 0) return outcomes.read();
    const report = await outcomes.read();
    throw hostError(
      HostErrorCode.HypervisorError,
      `Lab "${lab}" snapshot "${name}" was taken, but not every paused VM could be resumed: ${describe(report)}.`,
      {
        vms: report,
      },
    );
  }
  // Roll back: the parts taken go first (while the lab still stands still), then the VMs paused here resume.
  outcomes.set(failed.member, 'as-before', failed.error);
  let rollbackFailures = 0;
  for (const member of taken.reverse()) {
    try {
      await hypervisor.deleteSnapshot(member.domain, name);
      outcomes.set(member, 'as-before');
    } catch (error) {
      outcomes.set(member, 'snapshot-taken', `the snapshot could not be deleted: ${message(error)}`);
      rollbackFailures += 1;
    }
  }
  rollbackFailures += await resumeAll(hypervisor, paused, outcomes);
  const report = await outcomes.read();
  const start = `Lab "${lab}" snapshot "${name}" failed at VM "${failed.member.vm}" (${failed.member.domain}): ${message(failed.error)}.`;
  throw hostError(
    HostErrorCode.HypervisorError,
    rollbackFailures === 0
      ? `${start} Rolled back: the snapshots taken were deleted and the paused VMs resumed; every VM is as it was.`
      : `${start} The rollback failed in part; where each VM is: ${describe(report)}.`,
    { field: '/name', vms: report },
  );
}

/** Resumes `paused` in order; a VM that cannot be resumed is noted and the rest go on. Returns the failures. */
async function resumeAll(hypervisor: Hypervisor, paused: readonly LabMember[], outcomes: Outcomes): Promise<number> {
  let failures = 0;
  for (const member of paused) {
    try {
      await hypervisor.resume(member.domain);
    } catch (error) {
      outcomes.set(member, 'failed', `it could not be resumed: ${message(error)}`);
      failures += 1;
    }
  }
  return failures;
}

/**
 * Reverts each member in dependency order (members come in that order); they come back as they
 * were saved, paused, and the ones that ran at snapshot time are resumed in the same order once all
 * are reverted. A failure stops the revert: the VMs reverted so far are resumed, and the error says
 * which VMs were reverted and which were not.
 */
export async function revertLabSnapshot(
  hypervisor: Hypervisor,
  snapshot: LabSnapshotSummary,
  members: readonly LabMember[],
): Promise<LabSnapshotVmOutcome[]> {
  const outcomes = new Outcomes(hypervisor, members, 'not-reverted');
  const wasRunning = new Set(snapshot.members.filter((member) => member.wasRunning).map((member) => member.vm));
  const reverted: LabMember[] = [];
  let failed: { member: LabMember; error: unknown } | undefined;
  for (const member of members) {
    try {
      await hypervisor.revertSnapshot(member.domain, snapshot.name);
      reverted.push(member);
      outcomes.set(member, 'reverted');
    } catch (error) {
      failed = { member, error };
      outcomes.set(member, 'failed', error);
      break;
    }
  }
  const toResume: LabMember[] = [];
  for (const member of reverted) {
    if (wasRunning.has(member.vm) && (await hypervisor.getDomain(member.domain))?.state === 'paused') toResume.push(member);
  }
  const resumeFailures = await resumeAll(hypervisor, toResume, outcomes);
  if (!failed && resumeFailures === 0) return outcomes.read();
  const report = await outcomes.read();
  const what = failed
    ? `failed at VM "${failed.member.vm}" (${failed.member.domain}): ${message(failed.error)}`
    : 'reverted every VM, but not every VM could be resumed';
  throw hostError(
    HostErrorCode.HypervisorError,
    `Reverting lab "${snapshot.lab}" to "${snapshot.name}" ${what}. Where each VM is: ${describe(report)}.`,
    {
      field: '/name',
      vms: report,
    },
  );
}

/** Deletes every member's part; one failing does not stop the others, and the error names it. */
export async function deleteLabSnapshot(
  hypervisor: Hypervisor,
  snapshot: LabSnapshotSummary,
  members: readonly LabMember[],
): Promise<LabSnapshotVmOutcome[]> {
  const parts = members.filter((member) => snapshot.members.some((part) => part.vm === member.vm));
  const outcomes = new Outcomes(hypervisor, parts, 'not-deleted');
  let failures = 0;
  for (const member of parts) {
    try {
      await hypervisor.deleteSnapshot(member.domain, snapshot.name);
      outcomes.set(member, 'deleted');
    } catch (error) {
      outcomes.set(member, 'failed', error);
      failures += 1;
    }
  }
  const report = await outcomes.read();
  if (failures === 0) return report;
  throw hostError(
    HostErrorCode.HypervisorError,
    `Lab "${snapshot.lab}" snapshot "${snapshot.name}" was not deleted from every VM: ${describe(report)}.`,
    {
      field: '/name',
      vms: report,
    },
  );
}
