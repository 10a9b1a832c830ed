// What each row of the Clouds view says: label, description, tooltip, icon and the `contextValue`
// that menus match on. Plain data, no `vscode` import: unit-tested and benchmarked.
import type {
  CloudAccount,
  CloudInstance,
  CloudLocation,
  HourlyPrice,
  InstanceState,
  PowerAction,
  ProviderKind,
} from '@vlm/clouds/src/cloud-provider';
import { transitionalStates } from '@vlm/clouds/src/cloud-provider';
import type { RowIcon, RowLook } from '../tree-row-look';

export interface AccountRow extends RowLook {
  kind: 'account';
  accountId: string;
  children: CloudRow[];
}

export interface LocationRow extends RowLook {
  kind: 'location';
  accountId: string;
  location: string;
  children: CloudRow[];
}

export interface InstanceRow extends RowLook {
  kind: 'instance';
  accountId: string;
  location: string;
  instanceId: string;
}

/** An explanation in place of rows: a failed listing, an empty one, a hint. */
export interface MessageRow extends RowLook {
  kind: 'message';
  accountId: string;
}

export type CloudRow = AccountRow | LocationRow | InstanceRow | MessageRow;

export const providerNames: Record<ProviderKind, string> = {
  aws: 'AWS EC2',
  proxmox: 'Proxmox VE',
  azure: 'Azure',
  gcp: 'Google Compute Engine',
  vsphere: 'VMware vSphere',
};

/** What the second level of the tree is called at each provider: [one, many]. */
export const locationWords: Record<ProviderKind, [string, string]> = {
  aws: ['region', 'regions'],
  proxmox: ['node', 'nodes'],
  azure: ['location', 'locations'],
  gcp: ['zone', 'zones'],
  vsphere: ['datacenter', 'datacenters'],
};

const providerIcons: Record<ProviderKind, string> = {
  aws: 'cloud',
  proxmox: 'server-environment',
  azure: 'azure',
  gcp: 'cloud',
  vsphere: 'server',
};

/** A region, a zone, a location of the world; a Proxmox node and a vSphere datacenter are machines. */
const locationIcons: Record<ProviderKind, string> = {
  aws: 'globe',
  proxmox: 'server',
  azure: 'globe',
  gcp: 'globe',
  vsphere: 'organization',
};

const stateWords: Record<InstanceState, string> = {
  pending: 'starting',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  rebooting: 'rebooting',
  suspended: 'suspended',
  terminating: 'deleting',
  terminated: 'deleted',
  unknown: 'state unknown',
};

export function isTransitional(state: InstanceState): boolean {
  return transitionalStates.includes(state);
}

export function stateIcon(state: InstanceState): RowIcon {
  if (isTransitional(state)) return { codicon: 'sync~spin', color: 'charts.yellow' };
  switch (state) {
    case 'running':
      return { codicon: 'vm-running', color: 'testing.iconPassed' };
    case 'stopped':
      return { codicon: 'vm-outline', color: 'disabledForeground' };
    case 'suspended':
      return { codicon: 'debug-pause', color: 'charts.blue' };
    case 'terminated':
      return { codicon: 'trash', color: 'disabledForeground' };
    default:
      return { codicon: 'question', color: 'charts.orange' };
  }
}

/** "$0.0104/h" for US dollars, "0.0104 EUR/h" otherwise; micros are integers, never floats. */
export function priceWords(price: HourlyPrice): string {
  const whole = Math.floor(price.micros / 1_000_000);
  const fraction = String(price.micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '')
    .padEnd(2, '0');
  const amount = `${whole}.${fraction}`;
  return price.currency === 'USD' ? `$${amount}/h` : `${amount} ${price.currency}/h`;
}

/** "3 d 4 h", "2 h 5 min", "7 min": how long since `startedAt`; undefined when unknown or in the future. */
export function uptimeWords(startedAt: string | undefined, now: number): string | undefined {
  if (!startedAt) return undefined;
  const started = Date.parse(startedAt);
  if (Number.isNaN(started) || started > now) return undefined;
  const minutes = Math.floor((now - started) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes % 60} min`;
  return `${minutes} min`;
}

/** The address a user would connect to: the public one, else the private one. */
export function instanceAddress(instance: CloudInstance): string | undefined {
  return instance.publicAddress ?? instance.privateAddress;
}

/**
 * `cloudInstance:<state>:<actions>:<extras>`, e.g. `cloudInstance:running:stop,reboot,forceStop,delete:address,console`.
 * Menus match an action with `viewItem =~ /^cloudInstance:[^:]*:([^:]*,)?stop[,:]/`.
 */
export function instanceContextValue(instance: CloudInstance): string {
  const extras = [
    instanceAddress(instance) ? 'address' : '',
    instance.consoleUrl ? 'console' : '',
    instance.state === 'running' && instanceAddress(instance) ? 'ssh' : '',
  ].filter(Boolean);
  return `cloudInstance:${instance.state}:${instance.actions.join(',')}:${extras.join(',')}`;
}

export function instanceRowId(instance: Pick<CloudInstance, 'accountId' | 'location' | 'id'>): string {
  return `cloud/${instance.accountId}/${instance.location}/${instance.id}`;
}

export function instanceRow(instance: CloudInstance, now: number): InstanceRow {
  const address = instanceAddress(instance);
  const uptime = instance.state === 'running' ? uptimeWords(instance.startedAt, now) : undefined;
  const price = instance.pricePerHour ? priceWords(instance.pricePerHour) : undefined;
  const words = stateWords[instance.state];
  const tags = Object.entries(instance.tags).map(([key, value]) => `${key}=${value}`);
  return {
    kind: 'instance',
    id: instanceRowId(instance),
    label: instance.name || instance.id,
    description: [instance.state === 'running' ? '' : words, instance.size, address, uptime ? `up ${uptime}` : '', price]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      `${instance.name || instance.id} (${instance.id}): ${words}${instance.providerState && instance.providerState !== words ? ` (${instance.providerState})` : ''}`,
      `${providerNames[instance.provider]}, account ${instance.accountId}, ${locationWords[instance.provider][0]} ${instance.location}`,
      instance.size ? `Type: ${instance.size}` : '',
      instance.publicAddress ? `Public address: ${instance.publicAddress}` : '',
      instance.privateAddress ? `Private address: ${instance.privateAddress}` : '',
      instance.startedAt ? `Started: ${instance.startedAt}${uptime ? ` (up ${uptime})` : ''}` : '',
      price ? `Price: ${price}` : '',
      tags.length > 0 ? `Tags: ${tags.join(', ')}` : '',
      instance.actions.length > 0 ? `Actions now: ${instance.actions.map(actionWords).join(', ')}` : 'No actions in this state.',
    ]
      .filter(Boolean)
      .join('\n'),
    icon: stateIcon(instance.state),
    contextValue: instanceContextValue(instance),
    accountId: instance.accountId,
    location: instance.location,
    instanceId: instance.id,
  };
}

export function actionWords(action: PowerAction): string {
  return { start: 'start', stop: 'stop', reboot: 'reboot', forceStop: 'force stop', delete: 'delete' }[action];
}

export function locationRow(
  account: CloudAccount,
  location: CloudLocation,
  instances: readonly CloudInstance[],
  children: CloudRow[],
): LocationRow {
  const running = instances.filter((instance) => instance.state === 'running').length;
  const [one] = locationWords[account.provider];
  return {
    kind: 'location',
    id: `cloud/${account.id}/${location.id}`,
    label: location.label || location.id,
    description: `${running} of ${instances.length} running`,
    tooltip: `${one[0]?.toUpperCase()}${one.slice(1)} ${location.id} of ${account.label ?? account.id}: ${instances.length} instance${instances.length === 1 ? '' : 's'}, ${running} running`,
    icon: { codicon: locationIcons[account.provider] },
    contextValue: 'cloudLocation',
    accountId: account.id,
    location: location.id,
    children,
  };
}

export function accountIcon(account: CloudAccount, status: 'loading' | 'loaded' | 'failed'): RowIcon {
  if (status === 'loading') return { codicon: 'sync~spin' };
  return { codicon: providerIcons[account.provider], color: status === 'failed' ? 'errorForeground' : undefined };
}

export function messageRow(accountId: string, key: string, text: string, tooltip: string, severity: 'error' | 'info'): MessageRow {
  return {
    kind: 'message',
    id: `cloud/${accountId}/:message/${key}`,
    label: text,
    tooltip,
    icon: severity === 'error' ? { codicon: 'error', color: 'errorForeground' } : { codicon: 'info' },
    contextValue: severity === 'error' ? 'cloudProblem' : 'cloudMessage',
    accountId,
  };
}
