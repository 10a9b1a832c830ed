// Lab-wide snapshots: one named snapshot on every VM of a lab, taken while all of them are paused,
// reverted in dependency order, listed and deleted as one.
import { request } from './message-types';

export interface LabSnapshotCreateParams {
  lab: string;
  name: string;
  /** The user's words, kept after the line that marks the VM snapshots as one lab snapshot. */
  description?: string;
}
export interface LabSnapshotParams {
  lab: string;
  name: string;
}
export interface LabSnapshotListParams {
  lab: string;
}

/** One VM's part of a lab snapshot. */
export interface LabSnapshotMember {
  /** The VM's name in the lab. */
  vm: string;
  /** Its libvirt domain. */
  domain: string;
  /** Whether the VM was running when the lab was snapshotted: revert resumes only those. */
  wasRunning: boolean;
  createdAt: string;
}

export interface LabSnapshotSummary {
  lab: string;
  name: string;
  description: string;
  /** The earliest member's creation time (ISO 8601). */
  createdAt: string;
  members: LabSnapshotMember[];
  /** Lab VMs that have no part of it (added to the lab later, or deleted by hand): revert is refused. */
  missing: string[];
}

export type LabSnapshotVmState = 'as-before' | 'snapshot-taken' | 'reverted' | 'not-reverted' | 'deleted' | 'not-deleted' | 'failed';

/**
 * Where one VM is after a lab snapshot operation: what was done to it and its libvirt state.
 * A failed operation's error carries these in `data.vms`, so nothing is left unsaid.
 */
export interface LabSnapshotVmOutcome {
  vm: string;
  domain: string;
  outcome: LabSnapshotVmState;
  /** The domain's state as last read, e.g. 'running' or 'paused'; 'unknown' when it could not be read. */
  state: string;
  /** What went wrong for this VM, when something did. */
  error?: string;
}

export interface LabSnapshotResult {
  snapshot: LabSnapshotSummary;
  vms: LabSnapshotVmOutcome[];
}

/**
 * Takes snapshot `name` of every VM of the lab: pauses every running VM, snapshots each, resumes
 * the ones it paused. On a failure the snapshots taken are deleted and the paused VMs resumed; the
 * error's data.vms says where each VM is, also when that rollback failed.
 */
export namespace LabSnapshotsCreateRequest {
  export const method = 'vlm/labSnapshots/create' as const;
  export const type = request<LabSnapshotCreateParams, LabSnapshotResult>(method);
}
export namespace LabSnapshotsListRequest {
  export const method = 'vlm/labSnapshots/list' as const;
  export const type = request<LabSnapshotListParams, { snapshots: LabSnapshotSummary[] }>(method);
}
/**
 * Reverts every VM to its part of the snapshot in dependency order (a VM after what it depends
 * on); VMs come back paused and the ones that ran at snapshot time are resumed, in that order.
 */
export namespace LabSnapshotsRevertRequest {
  export const method = 'vlm/labSnapshots/revert' as const;
  export const type = request<LabSnapshotParams, LabSnapshotResult>(method);
}
export namespace LabSnapshotsDeleteRequest {
  export const method = 'vlm/labSnapshots/delete' as const;
  export const type = request<LabSnapshotParams, { deleted: string; vms: LabSnapshotVmOutcome[] }>(method);
}
