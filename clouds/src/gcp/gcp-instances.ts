// A Compute Engine instance, as the API returns it, mapped onto the shared CloudInstance shape.
// Every field is untrusted: names are checked, addresses must be IP addresses.
import { isIP } from 'node:net';
import type { protos } from '@google-cloud/compute';
import type { CloudError } from '../cloud-errors.js';
import type { CloudInstance, InstanceState, PowerAction } from '../cloud-provider.js';
import { malformedAnswer } from './gcp-errors.js';
import { resourceNamePattern, shown, zonePattern } from './gcp-settings.js';

type Instance = protos.google.cloud.compute.v1.IInstance;

/** GCE's words for an instance's state; TERMINATED means stopped (the disks stay), not deleted. */
const states: Record<string, InstanceState> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  RUNNING: 'running',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  SUSPENDED: 'suspended',
  REPAIRING: 'pending',
  TERMINATED: 'stopped',
};

/** Delete applies in every state; suspended instances need resume, which is not offered. */
const actionsByState: Record<InstanceState, PowerAction[]> = {
  pending: ['delete'],
  running: ['stop', 'reboot', 'delete'],
  stopping: ['delete'],
  stopped: ['start', 'delete'],
  rebooting: ['delete'],
  suspended: ['delete'],
  terminating: [],
  terminated: [],
  unknown: ['delete'],
};

function malformed(what: string, value: unknown): CloudError {
  return malformedAnswer(`Compute Engine answered an instance with ${what} ${shown(value)}`);
}

/** The last segment of a Compute Engine URL (`…/zones/europe-west1-b` → `europe-west1-b`). */
function lastSegment(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  return url.slice(url.lastIndexOf('/') + 1);
}

function timestamp(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function addresses(instance: Instance): { publicAddress?: string; privateAddress?: string } {
  const interfaces = instance.networkInterfaces ?? [];
  const privateAddress = interfaces.map((nic) => nic.networkIP).find((ip) => typeof ip === 'string' && isIP(ip) !== 0);
  const publicAddress = interfaces
    .flatMap((nic) => nic.accessConfigs ?? [])
    .map((config) => config.natIP)
    .find((ip) => typeof ip === 'string' && isIP(ip) !== 0);
  return { publicAddress: publicAddress ?? undefined, privateAddress: privateAddress ?? undefined };
}

function labels(instance: Instance): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(instance.labels ?? {})) {
    if (typeof value === 'string') tags[key] = value;
  }
  return tags;
}

export function consoleUrl(project: string, zone: string, name: string): string {
  const path = `${encodeURIComponent(zone)}/instances/${encodeURIComponent(name)}`;
  return `https://console.cloud.google.com/compute/instancesDetail/zones/${path}?project=${encodeURIComponent(project)}`;
}

/** Maps one instance; `zone` is where it was listed, and the answer must agree with it. */
export function toCloudInstance(instance: Instance, context: { accountId: string; project: string; zone: string }): CloudInstance {
  const { name } = instance;
  if (typeof name !== 'string' || !resourceNamePattern.test(name)) throw malformed('the name', name);
  const zone = lastSegment(instance.zone) ?? context.zone;
  if (!zonePattern.test(zone) || zone !== context.zone) throw malformed('the zone', instance.zone);
  const providerState = typeof instance.status === 'string' ? instance.status : 'UNKNOWN';
  const state = states[providerState] ?? 'unknown';
  const size = lastSegment(instance.machineType);
  return {
    provider: 'gcp',
    accountId: context.accountId,
    location: zone,
    id: name,
    name,
    state,
    providerState,
    size: size && /^[a-z0-9-]{1,63}$/.test(size) ? size : undefined,
    ...addresses(instance),
    startedAt: state === 'running' ? timestamp(instance.lastStartTimestamp) : undefined,
    tags: labels(instance),
    consoleUrl: consoleUrl(context.project, zone, name),
    actions: actionsByState[state],
  };
}

/** What the row shows once a delete operation is DONE: the instance is gone. */
export function deletedInstance(accountId: string, project: string, zone: string, name: string): CloudInstance {
  return {
    provider: 'gcp',
    accountId,
    location: zone,
    id: name,
    name,
    state: 'terminated',
    providerState: 'DELETED',
    tags: {},
    consoleUrl: consoleUrl(project, zone, name),
    actions: [],
  };
}
