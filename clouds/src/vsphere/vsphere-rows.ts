// How a VM's vim25 properties become a row: state, size, addresses, placement.
import { isIP } from 'node:net';
import { CloudError } from '../cloud-errors.js';
import type { InstanceState } from '../cloud-provider.js';
import { checkMoref, type ObjectContent } from './vim-client.js';

export const vmProperties = [
  'name',
  'runtime.powerState',
  'summary.runtime.bootTime',
  'runtime.host',
  'summary.config.numCpu',
  'summary.config.memorySizeMB',
  'summary.config.template',
  'guest.ipAddress',
];

export interface VirtualMachineRow {
  moref: string;
  name: string;
  powerState: string;
  state: InstanceState;
  size?: string;
  bootTime?: string;
  addresses: { publicAddress?: string; privateAddress?: string };
  host?: string;
  cluster?: string;
  template: boolean;
}

// Names are shown in terminals and trees: a line break or escape in one must not act there.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters replaced.
const displayBreaking = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function shown(text: string): string {
  return text.replace(displayBreaking, '\uFFFD');
}

const powerStates: Record<string, InstanceState> = { poweredOn: 'running', poweredOff: 'stopped', suspended: 'suspended' };

/** `2 vCPU/4 GiB`; memory under 1 GiB in MiB. */
function sizeOf(cpus: string | undefined, memoryMB: string | undefined): string | undefined {
  const cpuCount = Number(cpus);
  const megabytes = Number(memoryMB);
  if (!Number.isInteger(cpuCount) || !Number.isInteger(megabytes) || cpuCount <= 0 || megabytes <= 0) return undefined;
  const memory = megabytes < 1024 ? `${megabytes} MiB` : `${Number((megabytes / 1024).toFixed(2))} GiB`;
  return `${cpuCount} vCPU/${memory}`;
}

function isPrivate(address: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.|f[cd]|fe80:|::1$)/i.test(address);
}

/** vSphere reports one guest address without saying which kind it is; the range decides. */
function addressesOf(address: string | undefined): VirtualMachineRow['addresses'] {
  if (!address || isIP(address) === 0) return {};
  return isPrivate(address) ? { privateAddress: address } : { publicAddress: address };
}

export function readVirtualMachine(object: ObjectContent, placement: Map<string, { host: string; cluster?: string }>): VirtualMachineRow {
  const moref = checkMoref('VirtualMachine', object.ref.value, 'A VM reference from vCenter').value;
  const text = (path: string) => object.properties.get(path)?.text;
  const name = text('name');
  const powerState = text('runtime.powerState');
  if (name === undefined || powerState === undefined) {
    throw new CloudError('malformed', 'vsphere', `VM ${moref} came without its name or power state`);
  }
  const bootTime = text('summary.runtime.bootTime');
  const where = placement.get(text('runtime.host') ?? '');
  return {
    moref,
    name: shown(name),
    powerState,
    state: powerStates[powerState] ?? 'unknown',
    size: sizeOf(text('summary.config.numCpu'), text('summary.config.memorySizeMB')),
    bootTime: bootTime && !Number.isNaN(Date.parse(bootTime)) ? new Date(bootTime).toISOString() : undefined,
    addresses: addressesOf(text('guest.ipAddress')),
    host: where?.host === undefined ? undefined : shown(where.host),
    cluster: where?.cluster === undefined ? undefined : shown(where.cluster),
    template: text('summary.config.template') === 'true',
  };
}
