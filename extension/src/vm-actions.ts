// Actions on VMs in the tree. Each takes the clicked row and, with several rows selected, all of
// them; destructive ones say exactly what they will do first.
import * as vscode from 'vscode';
import { vmSshCommand } from './remote/vm-ssh-access';
import {
  SnapshotsCreateRequest,
  SnapshotsListRequest,
  SnapshotsRevertRequest,
  VmsDeleteRequest,
  VmsForceStopRequest,
  VmsRebootRequest,
  VmsResumeRequest,
  VmsStartRequest,
  VmsStopRequest,
} from '@vlm/schemas/src/host-protocol';
import { isValidName } from '@vlm/schemas';
import type { ExtensionScope } from './extension-scope';
import { sendConfirmingForeign, typedNameProblem } from './foreign-vm-confirmation';
import { connectedHost } from './lab-actions';
import type { Row, VmRow } from './labs-tree-model';
import { withViewProgress } from './view-progress';

export type VmPowerVerb = 'start' | 'stop' | 'force stop' | 'reboot' | 'resume';

const powerRequests = {
  start: VmsStartRequest.type,
  stop: VmsStopRequest.type,
  'force stop': VmsForceStopRequest.type,
  reboot: VmsRebootRequest.type,
  resume: VmsResumeRequest.type,
} as const;

const powerProgressWords: Record<VmPowerVerb, string> = {
  start: 'Starting',
  stop: 'Stopping',
  'force stop': 'Force-stopping',
  reboot: 'Rebooting',
  resume: 'Resuming',
};

/** The VMs a command is about: the selection when the clicked row is in it, else the clicked row. */
export function selectedVms(row: unknown, selection: unknown): VmRow[] {
  const rows = Array.isArray(selection) && selection.includes(row) ? (selection as Row[]) : [row as Row];
  return rows.filter((candidate): candidate is VmRow => typeof candidate === 'object' && candidate !== null && candidate.kind === 'vm');
}

function names(vms: readonly VmRow[]): string {
  return vms.map((vm) => vm.vmName).join(', ');
}

export async function powerAction(scope: ExtensionScope, verb: VmPowerVerb, row: unknown, selection: unknown): Promise<void> {
  const vms = selectedVms(row, selection);
  if (vms.length === 0) return;
  if (verb === 'force stop') {
    const answer = await vscode.window.showWarningMessage(
      `Force stop ${vms.length === 1 ? `VM ${names(vms)}` : `${vms.length} VMs (${names(vms)})`}? Like pulling the power cord: unsaved data in the guest is lost.`,
      { modal: true },
      'Force Stop',
    );
    if (answer !== 'Force Stop') return;
  }
  const failures: string[] = [];
  await Promise.all(
    vms.map(async (vm) => {
      const connection = await connectedHost(scope, vm.hostName, `${verb} VM ${vm.vmName}`);
      if (!connection) return;
      try {
        await withViewProgress(`${powerProgressWords[verb]} ${vm.vmName}`, () =>
          connection.request(powerRequests[verb], { vm: vm.domain }),
        );
        scope.log.info(`${verb} VM ${vm.domain} on ${vm.hostName}: done.`);
      } catch (error) {
        scope.log.warn(`Could not ${verb} VM ${vm.domain} on ${vm.hostName}: ${error instanceof Error ? error.message : String(error)}`);
        failures.push(`${vm.vmName}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  if (failures.length > 0) throw new Error(failures.join('; '));
}

export async function snapshotVm(scope: ExtensionScope, row: unknown): Promise<void> {
  const [vm] = selectedVms(row, undefined);
  if (!vm) return;
  const connection = await connectedHost(scope, vm.hostName, `snapshot VM ${vm.vmName}`);
  if (!connection) return;
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '').toLowerCase();
  const name = await vscode.window.showInputBox({
    title: `Snapshot of ${vm.vmName}`,
    prompt: 'Name of the snapshot',
    value: `snapshot-${stamp}`,
    validateInput: (value) => (isValidName(value) ? undefined : 'Use lowercase letters, digits and "-" (not first or last).'),
  });
  if (name === undefined) return;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Taking snapshot ${name} of ${vm.vmName}` },
    () => connection.request(SnapshotsCreateRequest.type, { vm: vm.domain, name }),
  );
  void vscode.window.showInformationMessage(`Snapshot ${name} of ${vm.vmName} taken.`);
}

export async function revertVm(scope: ExtensionScope, row: unknown): Promise<void> {
  const [vm] = selectedVms(row, undefined);
  if (!vm) return;
  const connection = await connectedHost(scope, vm.hostName, `revert VM ${vm.vmName}`);
  if (!connection) return;
  const { snapshots } = await connection.request(SnapshotsListRequest.type, { vm: vm.domain });
  if (snapshots.length === 0) {
    void vscode.window.showInformationMessage(`VM ${vm.vmName} has no snapshots. Take one first with "Take Snapshot".`);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    snapshots.map((snapshot) => ({
      label: snapshot.name,
      description: `${snapshot.createdAt}${snapshot.current ? ' · current' : ''}`,
      detail: snapshot.description || `taken while ${snapshot.domainState}`,
    })),
    { title: `Revert ${vm.vmName} to a snapshot`, placeHolder: 'Snapshot to go back to' },
  );
  if (!picked) return;
  const answer = await vscode.window.showWarningMessage(
    `Revert VM ${vm.vmName} to snapshot ${picked.label}? Everything on its disk since then is lost.`,
    { modal: true },
    'Revert',
  );
  if (answer !== 'Revert') return;
  const reverted = await sendConfirmingForeign(vm.domain, {
    send: (confirmForeign) =>
      withViewProgress(`Reverting ${vm.vmName} to ${picked.label}`, () =>
        connection.request(SnapshotsRevertRequest.type, {
          vm: vm.domain,
          name: picked.label,
          ...(confirmForeign === undefined ? {} : { confirmForeign }),
        }),
      ),
    askForName: (domain, reason) => askForForeignName(vm.hostName, domain, reason, `revert it to snapshot ${picked.label}`),
  });
  if (reverted === undefined) return;
  void vscode.window.showInformationMessage(`VM ${vm.vmName} is back at snapshot ${picked.label}.`);
}

/**
 * Deletes VMs that belong to no lab; a lab's VMs go by changing the lab file or destroying the lab.
 * A VM VLM did not make is deleted only after the user types its domain name.
 */
export async function deleteVms(scope: ExtensionScope, row: unknown, selection: unknown): Promise<void> {
  const vms = selectedVms(row, selection);
  const inLabs = vms.filter((vm) => vm.labName !== '');
  if (inLabs.length > 0) {
    const labs = [...new Set(inLabs.map((vm) => vm.labName))].join(', ');
    void vscode.window.showInformationMessage(
      `${names(inLabs)} ${inLabs.length === 1 ? 'belongs' : 'belong'} to lab ${labs}: remove ${inLabs.length === 1 ? 'it' : 'them'} from the lab file and deploy again, or destroy the lab.`,
    );
    return;
  }
  if (vms.length === 0) return;
  const answer = await vscode.window.showWarningMessage(
    `Delete ${vms.length === 1 ? `VM ${names(vms)}` : `${vms.length} VMs (${names(vms)})`}? ` +
      'A running VM is force-stopped, then its definition and snapshots are removed from libvirt. Its disk files are kept.',
    { modal: true },
    'Delete',
  );
  if (answer !== 'Delete') return;
  const failures: string[] = [];
  // One at a time: each VM VLM did not make asks for its own name.
  for (const vm of vms) {
    const connection = await connectedHost(scope, vm.hostName, `delete VM ${vm.vmName}`);
    if (!connection) continue;
    try {
      const result = await sendConfirmingForeign(vm.domain, {
        send: (confirmForeign) =>
          withViewProgress(`Deleting VM ${vm.vmName}`, () =>
            connection.request(VmsDeleteRequest.type, { vm: vm.domain, ...(confirmForeign === undefined ? {} : { confirmForeign }) }),
          ),
        askForName: (domain, reason) => askForForeignName(vm.hostName, domain, reason, 'delete it'),
      });
      if (result === undefined) {
        scope.log.info(`Did not delete VM ${vm.domain} on ${vm.hostName}: VLM did not make it and its name was not typed.`);
        continue;
      }
      scope.log.info(
        `Deleted VM ${vm.domain} on ${vm.hostName}${result.keptDisks.length ? `; disk files kept: ${result.keptDisks.join(', ')}` : ''}.`,
      );
    } catch (error) {
      failures.push(`${vm.vmName}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) throw new Error(failures.join('; '));
}

/** A modal warning, then an input box that takes only the domain's exact name. `action`: "delete it". */
async function askForForeignName(hostName: string, domain: string, reason: string, action: string): Promise<string | undefined> {
  const choice = await vscode.window.showWarningMessage(
    `VLM did not make VM ${domain} on ${hostName}. To ${action} anyway, type its name.`,
    { modal: true, detail: reason },
    'Type Its Name…',
  );
  if (choice === undefined) return undefined;
  return vscode.window.showInputBox({
    title: `${domain} was not made by VLM`,
    prompt: `Type the domain name, ${domain}, to ${action}.`,
    placeHolder: domain,
    ignoreFocusOut: true,
    validateInput: (value) => typedNameProblem(value, domain),
  });
}

/** The row's VM when it has an SSH port; otherwise says how to give it one and returns undefined. */
export function vmWithSshPort(row: unknown): (VmRow & { sshPort: number }) | undefined {
  const [vm] = selectedVms(row, undefined);
  if (!vm) return undefined;
  if (vm.sshPort === undefined) {
    void vscode.window.showInformationMessage(`VM ${vm.vmName} has no SSH port: give it ssh_port in its lab file to reach it over SSH.`);
    return undefined;
  }
  return vm as VmRow & { sshPort: number };
}

export async function copySshCommand(scope: ExtensionScope, row: unknown): Promise<void> {
  const vm = vmWithSshPort(row);
  if (!vm) return;
  const address = scope.hosts.get(vm.hostName)?.host.address;
  let command: string;
  try {
    command = vmSshCommand({
      hostName: vm.hostName,
      domain: vm.domain,
      sshPort: vm.sshPort,
      ...(address?.kind === 'ssh' ? { hostDestination: address.destination } : {}),
    });
  } catch (error) {
    void vscode.window.showErrorMessage(`Cannot copy an SSH command: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  await vscode.env.clipboard.writeText(command);
  void vscode.window.showInformationMessage(`Copied: ${command}`);
}
