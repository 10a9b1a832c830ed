// An ARM virtual machine as a CloudInstance: power state from the instance view's PowerState/*
// status, size from the hardware profile. Addresses live on network interfaces (another resource
// provider) and prices in the Retail Prices API, so neither is shown.
import type { VirtualMachine, VirtualMachineInstanceView } from '@azure/arm-compute';
import { CloudError } from '../cloud-errors.js';
import type { CloudInstance, InstanceState, PowerAction } from '../cloud-provider.js';

const powerStates: Record<string, InstanceState> = {
  running: 'running',
  starting: 'pending',
  stopping: 'stopping',
  stopped: 'stopped',
  deallocating: 'stopping',
  deallocated: 'stopped',
};

function statusCodes(view: VirtualMachineInstanceView | undefined): string[] {
  return (view?.statuses ?? []).map((status) => status.code ?? '').filter((code) => code !== '');
}

/** The normalised state and Azure's own word (`deallocated`, `running`, `deleting`…). */
export function powerStateOf(view: VirtualMachineInstanceView | undefined): { state: InstanceState; providerState: string } {
  const codes = statusCodes(view);
  if (codes.some((code) => code.toLowerCase() === 'provisioningstate/deleting')) return { state: 'terminating', providerState: 'deleting' };
  const power = codes.find((code) => code.startsWith('PowerState/'))?.slice('PowerState/'.length);
  if (power === undefined) return { state: 'unknown', providerState: 'unknown' };
  return { state: powerStates[power] ?? 'unknown', providerState: power };
}

export function actionsFor(state: InstanceState): PowerAction[] {
  if (state === 'running') return ['stop', 'forceStop', 'reboot', 'delete'];
  if (state === 'stopped') return ['start', 'delete'];
  if (state === 'terminating' || state === 'terminated') return [];
  if (state === 'unknown') return ['start', 'stop', 'forceStop', 'reboot', 'delete'];
  return ['delete'];
}

function stringTags(tags: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (tags && typeof tags === 'object') for (const [key, value] of Object.entries(tags)) if (typeof value === 'string') result[key] = value;
  return result;
}

/** Checks the fields we rely on, then maps; an answer without them is malformed, not a crash. */
export function toCloudInstance(vm: VirtualMachine, accountId: string, view: VirtualMachineInstanceView | undefined): CloudInstance {
  if (typeof vm?.id !== 'string' || typeof vm.name !== 'string' || typeof vm.location !== 'string')
    throw new CloudError('malformed', 'azure', 'A virtual machine in the answer has no id, name or location', {
      hint: 'Azure answered with something other than the expected JSON; try again, and report it if it stays.',
    });
  const { state, providerState } = powerStateOf(view ?? vm.instanceView);
  const instance: CloudInstance = {
    provider: 'azure',
    accountId,
    location: vm.location.toLowerCase(),
    id: vm.id,
    name: vm.name,
    state,
    providerState,
    tags: stringTags(vm.tags),
    consoleUrl: `https://portal.azure.com/#@/resource${vm.id}/overview`,
    actions: actionsFor(state),
  };
  const size = vm.hardwareProfile?.vmSize;
  if (typeof size === 'string') instance.size = size;
  return instance;
}

/** What a deleted virtual machine looks like at the end of its delete operation. */
export function deletedInstance(accountId: string, location: string, id: string): CloudInstance {
  const name = id.slice(id.lastIndexOf('/') + 1);
  return { provider: 'azure', accountId, location, id, name, state: 'terminated', providerState: 'deleted', tags: {}, actions: [] };
}
