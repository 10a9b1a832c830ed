// The ARM compute routes of the Azure stand-in: virtual machines in ARM's JSON shapes, their power
// state moving through an operation the client follows with Azure-AsyncOperation until it ends.
import { randomUUID } from 'node:crypto';

export type StandInPowerState = 'running' | 'starting' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';

export interface StandInVirtualMachine {
  name: string;
  resourceGroup: string;
  location: string;
  size: string;
  powerState: StandInPowerState;
  tags: Record<string, string>;
  vmId: string;
  deleting: boolean;
}

interface StandInOperation {
  id: string;
  key: string;
  action: string;
  pollsLeft: number;
  startTime: string;
  failure?: { code: string; message: string };
  status: 'InProgress' | 'Succeeded' | 'Failed';
}

export interface ComputeState {
  subscriptionId: string;
  baseUrl: string;
  virtualMachines: Map<string, StandInVirtualMachine>;
  operations: Map<string, StandInOperation>;
  operationPolls: number;
  failOperations: Map<string, { code: string; message: string }>;
  pageSize: number;
}

export interface RouteAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function armError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

const apiVersion = '2026-03-01';
const transitions: Record<string, { during: StandInPowerState; after: StandInPowerState }> = {
  start: { during: 'starting', after: 'running' },
  powerOff: { during: 'stopping', after: 'stopped' },
  restart: { during: 'starting', after: 'running' },
  deallocate: { during: 'deallocating', after: 'deallocated' },
};

function resourceId(state: ComputeState, vm: StandInVirtualMachine): string {
  return `/subscriptions/${state.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`;
}

function instanceView(vm: StandInVirtualMachine): unknown {
  return {
    computerName: vm.name,
    osName: 'ubuntu',
    statuses: [
      {
        code: vm.deleting ? 'ProvisioningState/deleting' : 'ProvisioningState/succeeded',
        level: 'Info',
        displayStatus: 'Provisioning succeeded',
      },
      { code: `PowerState/${vm.powerState}`, level: 'Info', displayStatus: `VM ${vm.powerState}` },
    ],
  };
}

function virtualMachineJson(state: ComputeState, vm: StandInVirtualMachine, withStatus: boolean): unknown {
  const id = resourceId(state, vm);
  return {
    id,
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    tags: vm.tags,
    properties: {
      vmId: vm.vmId,
      hardwareProfile: { vmSize: vm.size },
      provisioningState: vm.deleting ? 'Deleting' : 'Succeeded',
      networkProfile: {
        networkInterfaces: [
          {
            id: `/subscriptions/${state.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${vm.name}-nic`,
          },
        ],
      },
      ...(withStatus ? { instanceView: instanceView(vm) } : {}),
    },
  };
}

function page(state: ComputeState, url: URL, all: StandInVirtualMachine[], withStatus: boolean): RouteAnswer {
  const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
  const slice = all.slice(skip, skip + state.pageSize);
  const body: { value: unknown[]; nextLink?: string } = { value: slice.map((vm) => virtualMachineJson(state, vm, withStatus)) };
  if (skip + state.pageSize < all.length) {
    const next = new URL(url.pathname, state.baseUrl);
    next.searchParams.set('api-version', apiVersion);
    if (withStatus) next.searchParams.set('statusOnly', 'true');
    next.searchParams.set('$skiptoken', String(skip + state.pageSize));
    body.nextLink = next.toString();
  }
  return { status: 200, body };
}

function notFound(group: string, name: string): RouteAnswer {
  return {
    status: 404,
    body: armError(
      'ResourceNotFound',
      `The Resource 'Microsoft.Compute/virtualMachines/${name}' under resource group '${group}' was not found.`,
    ),
  };
}

function startOperation(state: ComputeState, vm: StandInVirtualMachine, action: string): RouteAnswer {
  const key = `${vm.resourceGroup}/${vm.name}`.toLowerCase();
  if (vm.deleting || [...state.operations.values()].some((operation) => operation.key === key && operation.status === 'InProgress'))
    return {
      status: 409,
      body: armError(
        'Conflict',
        `The operation '${action}' cannot be performed on VM '${vm.name}' while another operation is in progress.`,
      ),
    };
  if (action === 'restart' && (vm.powerState === 'stopped' || vm.powerState === 'deallocated'))
    return {
      status: 409,
      body: armError('OperationNotAllowed', `Operation 'restart' is not allowed on VM '${vm.name}' since the VM is ${vm.powerState}.`),
    };
  const operation: StandInOperation = {
    id: randomUUID(),
    key,
    action,
    pollsLeft: state.operationPolls,
    startTime: new Date().toISOString(),
    status: 'InProgress',
  };
  const failure = state.failOperations.get(vm.name);
  if (failure) {
    operation.failure = failure;
    state.failOperations.delete(vm.name);
  }
  state.operations.set(operation.id, operation);
  if (action === 'delete') vm.deleting = true;
  else vm.powerState = transitions[action]?.during ?? vm.powerState;
  const base = `${state.baseUrl}/subscriptions/${state.subscriptionId}/providers/Microsoft.Compute/locations/${vm.location}`;
  return {
    status: 202,
    headers: {
      'azure-asyncoperation': `${base}/operations/${operation.id}?p=${operation.id}&api-version=${apiVersion}`,
      location: `${base}/operationResults/${operation.id}?p=${operation.id}&api-version=${apiVersion}`,
    },
  };
}

function settle(state: ComputeState, operation: StandInOperation): void {
  const vm = state.virtualMachines.get(operation.key);
  if (operation.failure) {
    operation.status = 'Failed';
    if (vm && !vm.deleting) vm.powerState = operation.action === 'start' ? 'stopped' : 'running';
    if (vm) vm.deleting = false;
    return;
  }
  operation.status = 'Succeeded';
  if (!vm) return;
  if (operation.action === 'delete') state.virtualMachines.delete(operation.key);
  else vm.powerState = transitions[operation.action]?.after ?? vm.powerState;
}

function operationStatus(state: ComputeState, id: string): RouteAnswer {
  const operation = state.operations.get(id);
  if (!operation) return { status: 404, body: armError('NotFound', `The operation '${id}' was not found.`) };
  if (operation.status === 'InProgress') {
    if (operation.pollsLeft > 0) operation.pollsLeft -= 1;
    else settle(state, operation);
  }
  const body: Record<string, unknown> = { name: operation.id, status: operation.status, startTime: operation.startTime };
  if (operation.status !== 'InProgress') body.endTime = new Date().toISOString();
  if (operation.status === 'Failed') body.error = operation.failure;
  return { status: 200, body };
}

const vmPath =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines(?:\/([^/]+)(?:\/([^/]+))?)?$/i;
const listAllPath = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines$/i;
const operationPath =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/locations\/[^/]+\/(operations|operationResults)\/([^/]+)$/i;

function virtualMachineRoute(state: ComputeState, method: string, url: URL, match: RegExpExecArray): RouteAnswer {
  const group = decodeURIComponent(match[2] as string);
  const name = match[3] === undefined ? undefined : decodeURIComponent(match[3]);
  const sub = match[4];
  const inGroup = [...state.virtualMachines.values()].filter((vm) => vm.resourceGroup.toLowerCase() === group.toLowerCase());
  if (inGroup.length === 0)
    return { status: 404, body: armError('ResourceGroupNotFound', `Resource group '${group}' could not be found.`) };
  if (name === undefined)
    return method === 'GET' ? page(state, url, inGroup, false) : { status: 405, body: armError('MethodNotAllowed', 'Method not allowed.') };
  const vm = state.virtualMachines.get(`${group}/${name}`.toLowerCase());
  if (!vm) return notFound(group, name);
  if (method === 'GET' && sub === undefined)
    return { status: 200, body: virtualMachineJson(state, vm, url.searchParams.get('$expand') === 'instanceView') };
  if (method === 'GET' && sub === 'instanceView') return { status: 200, body: instanceView(vm) };
  if (method === 'DELETE' && sub === undefined) return startOperation(state, vm, 'delete');
  if (method === 'POST' && sub !== undefined && sub in transitions) return startOperation(state, vm, sub);
  return { status: 404, body: armError('NoRegisteredProviderFound', `No registered resource provider found for '${url.pathname}'.`) };
}

/** Answers one authenticated ARM request (api-version already checked). */
export function computeRoutes(state: ComputeState, method: string, url: URL): RouteAnswer {
  const subscriptionOf = (match: RegExpExecArray) => (match[1] as string).toLowerCase() === state.subscriptionId;
  const listAll = listAllPath.exec(url.pathname);
  const vm = vmPath.exec(url.pathname);
  const operation = operationPath.exec(url.pathname);
  const match = listAll ?? vm ?? operation;
  if (!match) return { status: 404, body: armError('InvalidResourceType', `The resource type could not be found for '${url.pathname}'.`) };
  if (!subscriptionOf(match))
    return { status: 404, body: armError('SubscriptionNotFound', `The subscription '${match[1]}' could not be found.`) };
  if (listAll && method === 'GET')
    return page(state, url, [...state.virtualMachines.values()], url.searchParams.get('statusOnly') === 'true');
  if (vm) return virtualMachineRoute(state, method, url, vm);
  if (operation && method === 'GET') {
    const answer = operationStatus(state, operation[3] as string);
    if (operation[2] !== 'operationResults' || answer.status !== 200) return answer;
    return (answer.body as { status: string }).status === 'InProgress'
      ? { status: 202, headers: { location: url.toString() } }
      : { status: 200 };
  }
  return { status: 405, body: armError('MethodNotAllowed', `The method '${method}' is not allowed on '${url.pathname}'.`) };
}
