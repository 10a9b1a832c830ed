// The Compute Engine stand-in's world: instances and zone operations in the shapes the real API
// returns, with the state changes a power action causes. HTTP and auth live in gcp-server.ts.
import { randomBytes } from 'node:crypto';

/** Where real self links point; the client must never follow them. */
export const selfLinkBase = 'https://www.googleapis.com/compute/v1';

export type GceStatus = 'PROVISIONING' | 'STAGING' | 'RUNNING' | 'STOPPING' | 'SUSPENDING' | 'SUSPENDED' | 'REPAIRING' | 'TERMINATED';

export interface GceInstance {
  kind: 'compute#instance';
  id: string;
  name: string;
  zone: string;
  machineType: string;
  status: GceStatus;
  creationTimestamp: string;
  lastStartTimestamp?: string;
  lastStopTimestamp?: string;
  networkInterfaces: Array<{
    kind: 'compute#networkInterface';
    name: string;
    network: string;
    networkIP: string;
    accessConfigs?: Array<{ kind: 'compute#accessConfig'; type: 'ONE_TO_ONE_NAT'; name: string; natIP?: string; networkTier: 'PREMIUM' }>;
  }>;
  labels?: Record<string, string>;
  selfLink: string;
  [field: string]: unknown;
}

export interface GceOperationError {
  code: string;
  message: string;
}

export interface GceOperation {
  kind: 'compute#operation';
  id: string;
  name: string;
  zone: string;
  operationType: string;
  targetLink: string;
  targetId: string;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  progress: number;
  user: string;
  insertTime: string;
  startTime?: string;
  endTime?: string;
  selfLink: string;
  error?: { errors: GceOperationError[] };
  httpErrorStatusCode?: number;
  httpErrorMessage?: string;
}

export type PowerVerb = 'start' | 'stop' | 'reset' | 'delete';

/** A refusal the HTTP layer turns into Google's error JSON. */
export class GceRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly googleStatus: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  operation: GceOperation;
  reads: number;
  instanceKey: string;
  finalStatus?: GceStatus;
  restoreStatus: GceStatus;
  error?: GceOperationError;
}

const transitional: readonly GceStatus[] = ['PROVISIONING', 'STAGING', 'STOPPING', 'SUSPENDING', 'REPAIRING'];

function uint64(): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`).toString();
}

export class ComputeState {
  readonly instances = new Map<string, GceInstance>();
  private readonly operations = new Map<string, Pending>();
  private readonly failures = new Map<string, GceOperationError>();
  /** How many reads (get or wait) an operation takes to reach DONE. */
  readsToDone = 2;

  constructor(readonly project: string) {}

  private zoneLink(zone: string): string {
    return `${selfLinkBase}/projects/${this.project}/zones/${zone}`;
  }

  addInstance(zone: string, name: string, fields: Partial<GceInstance> & { natIP?: string; networkIP?: string } = {}): GceInstance {
    const { natIP, networkIP, ...rest } = fields;
    const instance: GceInstance = {
      kind: 'compute#instance',
      id: uint64(),
      name,
      zone: this.zoneLink(zone),
      machineType: `${this.zoneLink(zone)}/machineTypes/e2-medium`,
      status: 'RUNNING',
      creationTimestamp: '2026-11-01T09:00:00.000-07:00',
      lastStartTimestamp: '2026-11-28T23:00:00.000-08:00',
      networkInterfaces: [
        {
          kind: 'compute#networkInterface',
          name: 'nic0',
          network: `${selfLinkBase}/projects/${this.project}/global/networks/default`,
          networkIP: networkIP ?? '10.132.0.2',
          accessConfigs: [
            {
              kind: 'compute#accessConfig',
              type: 'ONE_TO_ONE_NAT',
              name: 'External NAT',
              natIP: natIP ?? '34.76.0.2',
              networkTier: 'PREMIUM',
            },
          ],
        },
      ],
      labels: {},
      selfLink: `${this.zoneLink(zone)}/instances/${name}`,
      ...rest,
    };
    this.instances.set(`${zone}/${name}`, instance);
    return instance;
  }

  instance(zone: string, name: string): GceInstance {
    const found = this.instances.get(`${zone}/${name}`);
    if (!found) {
      throw new GceRefusal(
        404,
        'notFound',
        'NOT_FOUND',
        `The resource 'projects/${this.project}/zones/${zone}/instances/${name}' was not found`,
      );
    }
    return found;
  }

  /** Instances of one zone, or of every zone, in the order list calls page through them. */
  list(zone?: string): Array<[string, GceInstance]> {
    return [...this.instances.entries()]
      .map(([key, instance]): [string, GceInstance] => [key.slice(0, key.indexOf('/')), instance])
      .filter(([instanceZone]) => zone === undefined || instanceZone === zone)
      .sort(([a, x], [b, y]) => a.localeCompare(b) || x.name.localeCompare(y.name));
  }

  /** The next action on this instance is accepted but its operation ends with this error. */
  failNextOperation(zone: string, name: string, error: GceOperationError): void {
    this.failures.set(`${zone}/${name}`, error);
  }

  act(zone: string, name: string, verb: PowerVerb): GceOperation {
    const key = `${zone}/${name}`;
    const instance = this.instance(zone, name);
    const from = instance.status;
    const notReady = new GceRefusal(
      400,
      'resourceNotReady',
      'FAILED_PRECONDITION',
      `The resource '${instance.selfLink.slice(selfLinkBase.length + 1)}' is not ready`,
    );
    if (verb !== 'delete' && (transitional.includes(from) || (verb === 'reset' && from !== 'RUNNING'))) throw notReady;
    if (verb === 'start' && from === 'SUSPENDED') throw notReady;
    const plan: Record<PowerVerb, { now: GceStatus; final?: GceStatus }> = {
      start: from === 'RUNNING' ? { now: from, final: from } : { now: 'STAGING', final: 'RUNNING' },
      stop: from === 'TERMINATED' ? { now: from, final: from } : { now: 'STOPPING', final: 'TERMINATED' },
      reset: { now: 'RUNNING', final: 'RUNNING' },
      delete: { now: 'STOPPING' },
    };
    const now = new Date().toISOString();
    const operation: GceOperation = {
      kind: 'compute#operation',
      id: uint64(),
      name: `operation-${Date.now()}-${randomBytes(6).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`,
      zone: this.zoneLink(zone),
      operationType: verb,
      targetLink: instance.selfLink,
      targetId: instance.id,
      status: 'PENDING',
      progress: 0,
      user: 'vlm-test@example.com',
      insertTime: now,
      selfLink: '',
    };
    operation.selfLink = `${this.zoneLink(zone)}/operations/${operation.name}`;
    instance.status = plan[verb].now;
    const error = this.failures.get(key);
    this.failures.delete(key);
    this.operations.set(`${zone}/${operation.name}`, {
      operation,
      reads: 0,
      instanceKey: key,
      finalStatus: plan[verb].final,
      restoreStatus: from,
      error,
    });
    return structuredClone(operation);
  }

  /** Reading an operation (get or wait) moves it one step: PENDING → RUNNING → … → DONE. */
  readOperation(zone: string, name: string): GceOperation {
    const pending = this.operations.get(`${zone}/${name}`);
    if (!pending) {
      throw new GceRefusal(
        404,
        'notFound',
        'NOT_FOUND',
        `The resource 'projects/${this.project}/zones/${zone}/operations/${name}' was not found`,
      );
    }
    const { operation } = pending;
    if (operation.status !== 'DONE') {
      pending.reads += 1;
      operation.status = pending.reads >= this.readsToDone ? 'DONE' : 'RUNNING';
      operation.startTime ??= new Date().toISOString();
      if (operation.status === 'DONE') this.finish(pending);
    }
    return structuredClone(operation);
  }

  private finish(pending: Pending): void {
    const { operation } = pending;
    operation.progress = 100;
    operation.endTime = new Date().toISOString();
    const instance = this.instances.get(pending.instanceKey);
    if (pending.error) {
      operation.error = { errors: [pending.error] };
      operation.httpErrorStatusCode = 403;
      operation.httpErrorMessage = 'FORBIDDEN';
      if (instance) instance.status = pending.restoreStatus;
      return;
    }
    if (!pending.finalStatus) {
      this.instances.delete(pending.instanceKey);
      return;
    }
    if (!instance) return;
    if (pending.finalStatus === 'RUNNING' && operation.operationType !== 'start') instance.lastStartTimestamp = operation.endTime;
    if (pending.finalStatus === 'RUNNING' && pending.restoreStatus !== 'RUNNING') instance.lastStartTimestamp = operation.endTime;
    if (pending.finalStatus === 'TERMINATED' && pending.restoreStatus !== 'TERMINATED') instance.lastStopTimestamp = operation.endTime;
    instance.status = pending.finalStatus;
  }
}
