// Lab snapshot actions on lab rows and lab snapshot rows: take one, revert to one, delete one. The
// lab row shows the operation under way (and offers no other lab action meanwhile); a failure's
// message says where each VM is, as the host reported it.
import * as vscode from 'vscode';
import {
  LabSnapshotsCreateRequest,
  LabSnapshotsDeleteRequest,
  LabSnapshotsListRequest,
  LabSnapshotsRevertRequest,
  type LabSnapshotSummary,
} from '@vlm/schemas/src/host-protocol';
import type { ExtensionScope } from './extension-scope';
import type { LabActivity } from './host-snapshot';
import { connectedHost } from './lab-actions';
import type { LabRow, LabSnapshotRow } from './labs-tree-model';
import { snapshotNameProblem } from './lab-snapshot-name';

type HostConnection = NonNullable<Awaited<ReturnType<typeof connectedHost>>>;

function rowOf<K extends 'lab' | 'labSnapshot'>(row: unknown, kind: K): (K extends 'lab' ? LabRow : LabSnapshotRow) | undefined {
  const candidate = row as { kind?: unknown; labName?: unknown } | undefined;
  return candidate?.kind === kind && typeof candidate.labName === 'string' && candidate.labName !== ''
    ? (row as K extends 'lab' ? LabRow : LabSnapshotRow)
    : undefined;
}

/** Runs `work` with a progress notification and the lab row showing `activity`; re-reads the lab's snapshots after. */
async function busy<T>(connection: HostConnection, lab: string, activity: LabActivity, title: string, work: () => Promise<T>): Promise<T> {
  connection.setLabActivity(lab, activity);
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, work);
  } finally {
    connection.setLabActivity(lab, undefined);
    await connection.refreshLabSnapshots(lab).catch(() => undefined);
  }
}

export async function snapshotLab(scope: ExtensionScope, row: unknown): Promise<void> {
  const lab = rowOf(row, 'lab');
  if (!lab) return;
  const connection = await connectedHost(scope, lab.hostName, `snapshot lab ${lab.labName}`);
  if (!connection) return;
  const { snapshots } = await connection.request(LabSnapshotsListRequest.type, { lab: lab.labName });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  const name = await vscode.window.showInputBox({
    title: `Snapshot lab ${lab.labName}`,
    prompt: 'Name of the lab snapshot: every VM of the lab gets a snapshot of this name, taken with all of them paused',
    value: `lab-${stamp}`,
    validateInput: (value) =>
      snapshotNameProblem(
        value,
        snapshots.map((snapshot) => snapshot.name),
      ),
  });
  if (name === undefined) return;
  const result = await busy(
    connection,
    lab.labName,
    'snapshotting',
    `Snapshotting lab ${lab.labName}: pausing its VMs, taking ${name}, resuming them`,
    () => connection.request(LabSnapshotsCreateRequest.type, { lab: lab.labName, name }),
  );
  scope.log.info(`Lab ${lab.labName} on ${lab.hostName}: snapshot ${name} taken of ${result.vms.map((vm) => vm.domain).join(', ')}.`);
  void vscode.window.showInformationMessage(`Lab ${lab.labName}: snapshot ${name} taken of ${result.vms.length} VMs.`);
}

/** From a lab row: pick the snapshot; from a lab snapshot row: that one. Asks before reverting. */
export async function revertLab(scope: ExtensionScope, row: unknown): Promise<void> {
  const target = rowOf(row, 'labSnapshot') ?? rowOf(row, 'lab');
  if (!target) return;
  const labName = target.labName;
  const connection = await connectedHost(scope, target.hostName, `revert lab ${labName}`);
  if (!connection) return;
  const { snapshots } = await connection.request(LabSnapshotsListRequest.type, { lab: labName });
  const snapshot =
    target.kind === 'labSnapshot' ? snapshots.find((item) => item.name === target.snapshotName) : await pickSnapshot(labName, snapshots);
  if (!snapshot) {
    if (target.kind === 'labSnapshot') await connection.refreshLabSnapshots(labName);
    return;
  }
  const answer = await vscode.window.showWarningMessage(
    `Revert lab ${labName} to ${snapshot.name} (taken ${snapshot.createdAt})? The present state of ${snapshot.members.map((member) => member.vm).join(', ')} is lost.`,
    { modal: true },
    'Revert Lab',
  );
  if (answer !== 'Revert Lab') return;
  await busy(connection, labName, 'reverting', `Reverting lab ${labName} to ${snapshot.name}, in dependency order`, () =>
    connection.request(LabSnapshotsRevertRequest.type, { lab: labName, name: snapshot.name }),
  );
  void vscode.window.showInformationMessage(`Lab ${labName} is reverted to ${snapshot.name}.`);
}

async function pickSnapshot(lab: string, snapshots: readonly LabSnapshotSummary[]): Promise<LabSnapshotSummary | undefined> {
  const revertible = snapshots.filter((snapshot) => snapshot.missing.length === 0);
  if (revertible.length === 0) {
    void vscode.window.showInformationMessage(`Lab ${lab} has no lab snapshot to revert to. Take one with "Snapshot Lab".`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    revertible.map((snapshot) => ({
      label: snapshot.name,
      description: snapshot.createdAt,
      detail: snapshot.description || undefined,
      snapshot,
    })),
    { title: `Revert lab ${lab}`, placeHolder: 'Lab snapshot to go back to' },
  );
  return picked?.snapshot;
}

export async function deleteLabSnapshot(scope: ExtensionScope, row: unknown): Promise<void> {
  const target = rowOf(row, 'labSnapshot');
  if (!target) return;
  const connection = await connectedHost(scope, target.hostName, `delete lab snapshot ${target.snapshotName}`);
  if (!connection) return;
  const answer = await vscode.window.showWarningMessage(
    `Delete lab ${target.labName}'s snapshot ${target.snapshotName} from every VM of the lab?`,
    { modal: true },
    'Delete',
  );
  if (answer !== 'Delete') return;
  await busy(connection, target.labName, 'deleting a snapshot', `Deleting lab snapshot ${target.snapshotName}`, () =>
    connection.request(LabSnapshotsDeleteRequest.type, { lab: target.labName, name: target.snapshotName }),
  );
}
