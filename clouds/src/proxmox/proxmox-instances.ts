// Proxmox's answers about guests (QEMU VMs and LXC containers), checked and turned into CloudInstance rows. Every value that
// could later reach a URL (vmid) is validated here; anything else odd is shown, never followed.
import { CloudError } from '../cloud-errors.js';
import type { CloudInstance, InstanceState, PowerAction } from '../cloud-provider.js';
import { checkVmid } from './proxmox-names.js';

/** The two kinds of guest; vmids are unique across both in a cluster. */
export type GuestType = 'qemu' | 'lxc';
export const guestTypes: readonly GuestType[] = ['qemu', 'lxc'];

/**
 * The request behind each action, below …/{qemu|lxc}/{vmid}. Delete purges the vmid from backup,
 * replication and HA jobs too (PVE refuses to delete an HA-managed guest otherwise).
 */
export const actionRequests: Record<PowerAction, { method: 'POST' | 'DELETE'; suffix: string; params?: Record<string, number> }> = {
  start: { method: 'POST', suffix: '/status/start' },
  stop: { method: 'POST', suffix: '/status/shutdown' },
  forceStop: { method: 'POST', suffix: '/status/stop' },
  reboot: { method: 'POST', suffix: '/status/reboot' },
  delete: { method: 'DELETE', suffix: '', params: { purge: 1 } },
};

/** The state a row shows while the action's task runs. */
export const transitionalState: Record<PowerAction, InstanceState> = {
  start: 'pending',
  stop: 'stopping',
  forceStop: 'stopping',
  reboot: 'rebooting',
  delete: 'terminating',
};

const actionsByState: Partial<Record<InstanceState, PowerAction[]>> = {
  running: ['stop', 'forceStop', 'reboot'],
  suspended: ['forceStop'],
  stopped: ['start', 'delete'],
};

export interface InstanceContext {
  accountId: string;
  node: string;
  /** The cluster's origin, for the console link. */
  url: string;
  now: number;
}

function malformed(message: string): CloudError {
  return new CloudError('malformed', 'proxmox', message);
}

/** The `data` of a list answer, which must be an array of objects. */
export function rowsOf(data: unknown, what: string): Record<string, unknown>[] {
  if (!Array.isArray(data) || data.some((row) => row === null || typeof row !== 'object' || Array.isArray(row))) {
    throw malformed(`${what} answered something other than a list of objects`);
  }
  return data as Record<string, unknown>[];
}

export function objectOf(data: unknown, what: string): Record<string, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw malformed(`${what} answered something other than an object`);
  return data as Record<string, unknown>;
}

function stateOf(row: Record<string, unknown>): { state: InstanceState; providerState: string } {
  if (row.template === 1 || row.template === true) return { state: 'stopped', providerState: 'template' };
  const { status, qmpstatus } = row;
  if (status === 'stopped') return { state: 'stopped', providerState: 'stopped' };
  if (status !== 'running') return { state: 'unknown', providerState: typeof status === 'string' ? status.slice(0, 40) : 'unknown' };
  if (qmpstatus === 'paused' || qmpstatus === 'suspended') return { state: 'suspended', providerState: qmpstatus };
  if (qmpstatus === 'prelaunch') return { state: 'pending', providerState: qmpstatus };
  return { state: 'running', providerState: 'running' };
}

const gibibytes = (bytes: number) => `${Number.parseFloat((bytes / 1024 ** 3).toFixed(1))} GiB`;

/** A guest row from GET …/{qemu|lxc} or …/{qemu|lxc}/{vmid}/status/current. */
export function toInstance(row: Record<string, unknown>, type: GuestType, context: InstanceContext): CloudInstance {
  const vmid = checkVmid(row.vmid, 'answer');
  const { state, providerState } = stateOf(row);
  const name = typeof row.name === 'string' && row.name !== '' ? row.name.slice(0, 128) : `${type === 'lxc' ? 'CT' : 'VM'} ${vmid}`;
  const sizes = [
    type === 'lxc' ? 'container' : undefined,
    typeof row.cpus === 'number' ? `${row.cpus} vCPU` : undefined,
    typeof row.maxmem === 'number' ? gibibytes(row.maxmem) : undefined,
  ].filter((part) => part !== undefined);
  const uptime = typeof row.uptime === 'number' && Number.isFinite(row.uptime) ? row.uptime : 0;
  const tags = typeof row.tags === 'string' ? row.tags.split(/[;, ]+/).filter((tag) => tag !== '') : [];
  const instance: CloudInstance = {
    provider: 'proxmox',
    accountId: context.accountId,
    location: context.node,
    id: String(vmid),
    name,
    state,
    providerState,
    tags: Object.fromEntries(tags.map((tag) => [tag, ''])),
    consoleUrl: `${context.url}/#v1:0:=${type}%2F${vmid}:4:::::::`,
    actions: providerState === 'template' ? ['delete'] : (actionsByState[state] ?? []),
  };
  if (sizes.length > 0) instance.size = sizes.join(', ');
  if (state === 'running' && uptime > 0) instance.startedAt = new Date(context.now - uptime * 1000).toISOString();
  return instance;
}
