// Power actions as ARM long-running operations. runAction sends the request and keeps the SDK
// poller's serialized state (the Azure-AsyncOperation URL inside it) as the handle; following
// restores that poller and polls it with the shared backoff, reporting the VM's state between polls.
import { type ComputeManagementClient, restorePoller } from '@azure/arm-compute';
import { CloudError } from '../cloud-errors.js';
import { pollUntilDone } from '../operation-polling.js';
import type { CloudInstance, CloudOperation, FollowOptions, PowerAction } from '../cloud-provider.js';
import { operationFailure, toCloudError } from './azure-errors.js';
import { deletedInstance } from './azure-instances.js';

type Poller = ReturnType<ComputeManagementClient['virtualMachines']['start']>;

export interface VirtualMachineTarget {
  resourceGroup: string;
  name: string;
}

/** The last segment of each action's ARM request path (delete is a DELETE on the VM itself). */
const actionPaths: Record<PowerAction, string> = {
  start: '/start',
  stop: '/deallocate',
  forceStop: '/powerOff',
  reboot: '/restart',
  delete: '',
};

/** ARM's operation behind each action: `stop` deallocates (as the portal's Stop does, and billing stops); `forceStop` powers off without a guest shutdown. */
function operationFor(client: ComputeManagementClient, action: PowerAction) {
  const machines = client.virtualMachines;
  const operations = {
    start: {
      begin: (group: string, name: string, signal?: AbortSignal) => machines.start(group, name, { abortSignal: signal }),
      source: machines.start,
    },
    stop: {
      begin: (group: string, name: string, signal?: AbortSignal) => machines.deallocate(group, name, { abortSignal: signal }),
      source: machines.deallocate,
    },
    forceStop: {
      begin: (group: string, name: string, signal?: AbortSignal) =>
        machines.powerOff(group, name, { skipShutdown: true, abortSignal: signal }),
      source: machines.powerOff,
    },
    reboot: {
      begin: (group: string, name: string, signal?: AbortSignal) => machines.restart(group, name, { abortSignal: signal }),
      source: machines.restart,
    },
    delete: {
      begin: (group: string, name: string, signal?: AbortSignal) => machines.delete(group, name, { abortSignal: signal }),
      source: machines.delete,
    },
  } satisfies Record<PowerAction, unknown>;
  const operation = operations[action];
  if (operation === undefined)
    throw new CloudError('invalidInput', 'azure', `"${String(action)}" is not an action; use start, stop, forceStop, reboot or delete`);
  return operation;
}

interface SerializedPoller {
  state?: {
    status?: string;
    config?: { operationLocation?: string; resourceLocation?: string; initialRequestUrl?: string; requestMethod?: string };
  };
}

/** The handle is polled with the bearer token: every URL in it must be this account's ARM endpoint, for this VM's action. */
function checkHandle(handle: string, origin: string, target: VirtualMachineTarget, action: PowerAction): void {
  let parsed: SerializedPoller;
  try {
    parsed = JSON.parse(handle) as SerializedPoller;
  } catch {
    throw new CloudError('invalidInput', 'azure', 'The operation handle is not one this provider made');
  }
  const config = parsed.state?.config ?? {};
  const expected =
    `/resourcegroups/${target.resourceGroup}/providers/microsoft.compute/virtualmachines/${target.name}${actionPaths[action] ?? '?'}`.toLowerCase();
  const initial = config.initialRequestUrl === undefined ? undefined : new URL(config.initialRequestUrl);
  if (initial === undefined || !initial.pathname.toLowerCase().endsWith(expected))
    throw new CloudError(
      'invalidInput',
      'azure',
      `The operation handle does not belong to ${action} of ${target.resourceGroup}/${target.name}`,
    );
  for (const link of [config.initialRequestUrl, config.operationLocation, config.resourceLocation]) {
    if (link === undefined) continue;
    if (new URL(link).origin !== origin)
      throw new CloudError(
        'malformed',
        'azure',
        `The operation's status link points outside this account's endpoint (${new URL(link).origin}); it was not followed`,
        {
          hint: 'Check the account endpoint; Azure Resource Manager never sends status links to another host.',
        },
      );
  }
}

/** Sends the action and returns at once with the serialized poller. */
export async function startAzureOperation(
  client: ComputeManagementClient,
  target: VirtualMachineTarget,
  action: PowerAction,
  origin: string,
  signal?: AbortSignal,
): Promise<string> {
  const poller: Poller = operationFor(client, action).begin(target.resourceGroup, target.name, signal);
  await poller.submitted();
  const handle = await poller.serialize();
  checkHandle(handle, origin, target, action);
  return handle;
}

export interface FollowRequest {
  client: ComputeManagementClient;
  operation: CloudOperation;
  target: VirtualMachineTarget;
  origin: string;
  pollIntervalMs: number;
  options: FollowOptions;
  read: () => Promise<CloudInstance>;
}

async function pollOnce(poller: Poller, action: PowerAction, signal?: AbortSignal): Promise<void> {
  try {
    await poller.poll({ abortSignal: signal });
  } catch (error) {
    if (poller.operationState?.status === 'failed') throw operationFailure(error, action);
    throw toCloudError(error);
  }
}

/** Reports the VM between polls; a VM already gone while its delete finishes is not an error. */
async function report(request: FollowRequest, onInstance: (instance: CloudInstance) => void): Promise<void> {
  try {
    onInstance(await request.read());
  } catch (error) {
    if (!(request.operation.action === 'delete' && error instanceof CloudError && error.kind === 'notFound')) throw error;
  }
}

/** Polls until the operation ends; resolves with the VM's settled state, rejects with ARM's code and message. */
export async function followAzureOperation(request: FollowRequest): Promise<CloudInstance> {
  const { client, operation, target, options } = request;
  checkHandle(operation.handle, request.origin, target, operation.action);
  const poller: Poller = restorePoller(client, operation.handle, operationFor(client, operation.action).source, {
    abortSignal: options.signal,
  });
  // The shared backoff (growing waits up to 15 s, a deadline, throttling only slowing it down).
  await pollUntilDone(
    async (signal) => {
      await pollOnce(poller, operation.action, signal);
      if (poller.isDone) return { done: true, value: undefined };
      if (options.onInstance) await report(request, options.onInstance);
      return { done: false };
    },
    { provider: 'azure', what: `${operation.action} of ${target.name}`, initialDelayMs: request.pollIntervalMs, signal: options.signal },
  );
  const state = poller.operationState;
  if (state?.status === 'failed') throw operationFailure(state.error, operation.action);
  const settled =
    operation.action === 'delete' ? deletedInstance(operation.accountId, operation.location, operation.instanceId) : await request.read();
  options.onInstance?.(settled);
  return settled;
}
