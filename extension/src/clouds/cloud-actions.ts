// What the Clouds view's instance actions say and do, as plain data: which selected instances an
// action applies to, the state a row shows while it runs, and the words of the confirmation that
// names what is lost. No `vscode` import: unit-tested.
import type { CloudInstance, InstanceState, PowerAction } from '@vlm/clouds/src/cloud-provider';
import { type CloudRow, type InstanceRow, locationWords } from './cloud-rows';

/** The rows a command is about: the selection when the clicked row is in it, else the clicked row. */
export function selectedInstanceRows(row: unknown, selection: unknown): InstanceRow[] {
  const rows = Array.isArray(selection) && selection.includes(row) ? (selection as CloudRow[]) : [row as CloudRow];
  return rows.filter(
    (candidate): candidate is InstanceRow => typeof candidate === 'object' && candidate !== null && candidate.kind === 'instance',
  );
}

/** The state a row shows from the moment the action is sent until the provider reports one. */
export const actionStates: Record<PowerAction, InstanceState> = {
  start: 'pending',
  stop: 'stopping',
  reboot: 'rebooting',
  forceStop: 'stopping',
  delete: 'terminating',
};

/** The instance as shown while an action runs: its transitional state, no actions offered. */
export function whileRunning(instance: CloudInstance, action: PowerAction): CloudInstance {
  return { ...instance, state: actionStates[action], providerState: `${action} requested`, actions: [] };
}

function named(instances: readonly CloudInstance[]): string {
  const names = instances.map((instance) =>
    instance.name && instance.name !== instance.id ? `${instance.name} (${instance.id})` : instance.id,
  );
  return names.length === 1 ? (names[0] ?? '') : `${names.length} instances: ${names.join(', ')}`;
}

/** What deleting loses, in the provider's own terms. */
function loss(instance: CloudInstance): string {
  switch (instance.provider) {
    case 'aws':
      return 'Terminating cannot be undone: the instance store is erased, EBS volumes marked "delete on termination" (the root volume, by default) are deleted, and its public IP address is released.';
    case 'proxmox':
      return `Deleting removes the VM, its configuration and its disks from ${locationWords.proxmox[0]} ${instance.location}. It cannot be undone.`;
    case 'azure':
      return 'Deleting removes the virtual machine; disks, network interfaces and public IPs are kept or deleted as their delete options say. It cannot be undone.';
    case 'gcp':
      return 'Deleting removes the instance and every disk set to auto-delete (the boot disk, by default). It cannot be undone.';
    case 'vsphere':
      return 'Deleting removes the virtual machine and its disk files from the datastore. It cannot be undone.';
  }
}

/** The modal question before a destructive action, or undefined when the action needs none. */
export function confirmation(
  action: PowerAction,
  instances: readonly CloudInstance[],
): { message: string; detail: string; button: string } | undefined {
  if (instances.length === 0) return undefined;
  if (action === 'delete') {
    const verb = instances.every((instance) => instance.provider === 'aws') ? 'Terminate' : 'Delete';
    const losses = [...new Set(instances.map(loss))].join('\n');
    return { message: `${verb} ${named(instances)}?`, detail: losses, button: verb };
  }
  if (action === 'forceStop') {
    return {
      message: `Force stop ${named(instances)}?`,
      detail: 'Like pulling the power cord: the guest does not shut down, and what it had not written to disk is lost.',
      button: 'Force Stop',
    };
  }
  return undefined;
}

/** A console URL the view may open: http or https only (it comes from the provider: untrusted). */
export function consoleUrlProblem(url: string | undefined): string | undefined {
  if (!url) return 'The provider gives no web console address for it.';
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:'
      ? undefined
      : `Its console address is not a web address (${parsed.protocol}).`;
  } catch {
    return 'Its console address is not a valid URL.';
  }
}
