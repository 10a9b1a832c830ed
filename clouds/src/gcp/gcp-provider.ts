// Google Compute Engine behind the CloudProvider interface, through @google-cloud/compute in its
// REST mode. Locations are zones; an instance's id is its name (unique within its zone); power
// actions return the zone operation, followed to DONE with the operations `wait` call.
import type { protos } from '@google-cloud/compute';
// The three clients alone: the package's index also loads v1beta, v1small and a 30 MB protos.js,
// which would triple the CLI bundle and slow every vlm command.
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import { ZonesClient } from '@google-cloud/compute/build/src/v1/zones_client.js';
import { CloudError } from '../cloud-errors.js';
import type {
  CloudAccount,
  CloudInstance,
  CloudLocation,
  CloudOperation,
  CloudProvider,
  FollowOptions,
  InstancePage,
  PowerAction,
  ProviderModule,
} from '../cloud-provider.js';
import { type PollResult, pollUntilDone, systemClock } from '../operation-polling.js';
import { malformedAnswer, operationError, toCloudError } from './gcp-errors.js';
import { deletedInstance, toCloudInstance } from './gcp-instances.js';
import {
  checkResourceName,
  checkZone,
  endpointOptions,
  type GcpSettings,
  parseGcpSettings,
  resourceNamePattern,
  shown,
  zonePattern,
} from './gcp-settings.js';

type Operation = protos.google.cloud.compute.v1.IOperation;

/** Per-call deadline; `wait` is longer, since Compute Engine holds it up to two minutes. Following ends after pollUntilDone's 10 minutes. */
const callTimeoutMs = 30_000;
const waitTimeoutMs = 150_000;
/** Throttled calls (429, rateLimitExceeded, 503) are retried this often, backing off from retryBaseMs. */
const throttleRetries = 4;
const retryBaseMs = 200;
const pollBaseMs = 250;
const pollMaxMs = 5_000;
const pageSize = 500;
const pageTokenPattern = /^[\w\-=.~+/]{1,4096}$/;

interface CallOptions {
  timeout: number;
  retry: null;
}

/** Settles with the call, or rejects as soon as the signal aborts (the answer is then ignored). */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

function malformedName(what: string, value: unknown): CloudError {
  return malformedAnswer(`Compute Engine answered ${what} ${shown(value)}`);
}

export class GcpProvider implements CloudProvider {
  readonly kind = 'gcp' as const;
  private readonly instances: InstancesClient;
  private readonly zones: ZonesClient;
  private readonly operations: ZoneOperationsClient;
  private credentials?: Promise<void>;

  constructor(
    readonly accountId: string,
    private readonly settings: GcpSettings,
  ) {
    const endpoint = settings.apiEndpoint ? endpointOptions(settings.apiEndpoint) : {};
    // The project id is given so google-auth-library never asks the metadata server for one.
    const options = {
      fallback: true,
      projectId: settings.project,
      ...endpoint,
      ...(settings.keyFile ? { keyFilename: settings.keyFile } : {}),
    };
    this.instances = new InstancesClient(options);
    // One GoogleAuth for the three clients, so one token serves them all.
    const shared = { fallback: true, ...endpoint, auth: this.instances.auth };
    this.zones = new ZonesClient(shared);
    this.operations = new ZoneOperationsClient(shared);
  }

  private get project(): string {
    return this.settings.project;
  }

  /**
   * Loads the credentials before the first call. The generated clients rethrow a failed load from a
   * detached promise (an unhandled rejection that would end the CLI); loading them here first keeps
   * that failure an ordinary, catchable auth error.
   */
  private async credentialsLoaded(signal?: AbortSignal): Promise<void> {
    this.credentials ??= this.instances.auth.getClient().then(() => undefined);
    try {
      await abortable(this.credentials, signal);
    } catch (error) {
      this.credentials = undefined;
      if (signal?.aborted) throw signal.reason;
      throw toCloudError(error);
    }
  }

  /** Every request goes through here: a deadline, retries with backoff when throttled, one error type. */
  private async call<T>(run: (options: CallOptions) => Promise<T>, signal?: AbortSignal, timeout = callTimeoutMs): Promise<T> {
    await this.credentialsLoaded(signal);
    for (let attempt = 0; ; attempt += 1) {
      signal?.throwIfAborted();
      try {
        return await abortable(run({ timeout, retry: null }), signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const failure = toCloudError(error);
        const retryable = failure.kind === 'throttled' || failure.details.status === 503;
        if (!retryable || attempt >= throttleRetries) throw failure;
        await systemClock.sleep(retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2), signal);
      }
    }
  }

  private zone(location: string): string {
    const zone = checkZone(location);
    if (this.settings.zones && !this.settings.zones.includes(zone)) {
      throw new CloudError('invalidInput', 'gcp', `zone ${zone} is not one of this account's zones (${this.settings.zones.join(', ')})`);
    }
    return zone;
  }

  private context(zone: string) {
    return { accountId: this.accountId, project: this.project, zone };
  }

  async listLocations(signal?: AbortSignal): Promise<CloudLocation[]> {
    if (this.settings.zones) return this.settings.zones.map((zone) => ({ id: zone, label: zone }));
    const [zones] = await this.call(
      (options) => this.zones.list({ project: this.project, maxResults: pageSize }, { ...options, autoPaginate: true }),
      signal,
    );
    return zones.map((zone) => {
      if (typeof zone.name !== 'string' || !zonePattern.test(zone.name)) throw malformedName('a zone named', zone.name);
      return { id: zone.name, label: zone.status && zone.status !== 'UP' ? `${zone.name} (${zone.status})` : zone.name };
    });
  }

  async listInstances(location: string, options: { pageToken?: string; signal?: AbortSignal } = {}): Promise<InstancePage> {
    const zone = this.zone(location);
    const { pageToken, signal } = options;
    if (pageToken !== undefined && !pageTokenPattern.test(pageToken)) {
      throw new CloudError('invalidInput', 'gcp', `page token ${shown(pageToken)} is not one Compute Engine issued`);
    }
    const request = { project: this.project, zone, maxResults: pageSize, pageToken };
    const [items, , response] = await this.call((call) => this.instances.list(request, { ...call, autoPaginate: false }), signal);
    const next = response?.nextPageToken ?? undefined;
    if (next !== undefined && !pageTokenPattern.test(next)) throw malformedName('a page token', next);
    return { instances: items.map((instance) => toCloudInstance(instance, this.context(zone))), nextPageToken: next };
  }

  /**
   * Every instance of the project (or of the account's zones) in one aggregated listing, which
   * pages through `nextPageToken` itself: one call per 500 instances instead of one per zone.
   */
  async listAllInstances(options: { signal?: AbortSignal } = {}): Promise<InstancePage> {
    const { signal } = options;
    return this.call(async (call) => {
      const found: CloudInstance[] = [];
      const pages = this.instances.aggregatedListAsync(
        { project: this.project, maxResults: pageSize, returnPartialSuccess: true },
        { ...call, autoPaginate: false },
      );
      for await (const [scope, scoped] of pages) {
        signal?.throwIfAborted();
        const zone = scope.startsWith('zones/') ? scope.slice('zones/'.length) : '';
        if (!zonePattern.test(zone)) throw malformedName('a scope named', scope);
        if (this.settings.zones && !this.settings.zones.includes(zone)) continue;
        for (const instance of scoped.instances ?? []) found.push(toCloudInstance(instance, this.context(zone)));
      }
      return { instances: found };
    }, signal);
  }

  async getInstance(location: string, id: string, signal?: AbortSignal): Promise<CloudInstance> {
    const zone = this.zone(location);
    const instance = checkResourceName(id, 'instance');
    const [found] = await this.call((call) => this.instances.get({ project: this.project, zone, instance }, call), signal);
    return toCloudInstance(found, this.context(zone));
  }

  async runAction(location: string, id: string, action: PowerAction, signal?: AbortSignal): Promise<CloudOperation> {
    const zone = this.zone(location);
    const instance = checkResourceName(id, 'instance');
    const request = { project: this.project, zone, instance };
    const start = (call: CallOptions): Promise<[{ latestResponse?: unknown }, ...unknown[]]> => {
      switch (action) {
        case 'start':
          return this.instances.start(request, call);
        // Keep local SSD contents (the API's default, said explicitly: discarding loses data).
        case 'stop':
          return this.instances.stop({ ...request, discardLocalSsd: false }, call);
        // GCE's reset is a hard reset, like pressing the reset button: the guest is not asked to shut down.
        case 'reboot':
          return this.instances.reset(request, call);
        case 'delete':
          return this.instances.delete(request, call);
        default:
          throw new CloudError(
            'invalidInput',
            'gcp',
            `Compute Engine has no ${action}: stop powers the instance off after the guest's shutdown period`,
          );
      }
    };
    const [operation] = await this.call(start, signal);
    // Typed as a long-running operation; at run time it is the compute Operation the API answered.
    const handle = (operation.latestResponse as Operation | undefined)?.name;
    if (typeof handle !== 'string' || !resourceNamePattern.test(handle)) throw malformedName('an operation named', handle);
    return { provider: 'gcp', accountId: this.accountId, location: zone, instanceId: instance, action, handle };
  }

  async followOperation(operation: CloudOperation, options: FollowOptions = {}): Promise<CloudInstance> {
    const { signal, onInstance } = options;
    const zone = this.zone(operation.location);
    const name = checkResourceName(operation.instanceId, 'instance');
    const request = { project: this.project, zone, operation: checkResourceName(operation.handle, 'operation') };
    const check = async (pollSignal?: AbortSignal): Promise<PollResult<CloudInstance>> => {
      const [state] = await this.call((call) => this.operations.wait(request, call), pollSignal, waitTimeoutMs);
      if (state.status === 'DONE') {
        const errors = state.error?.errors ?? [];
        if (errors.length > 0) throw operationError(errors, state.httpErrorStatusCode ?? undefined);
        const gone = operation.action === 'delete';
        return {
          done: true,
          value: gone ? deletedInstance(this.accountId, this.project, zone, name) : await this.getInstance(zone, name, pollSignal),
        };
      }
      if (state.status !== 'PENDING' && state.status !== 'RUNNING') throw malformedName('an operation status', state.status);
      onInstance?.(await this.currentState(zone, name, operation.action, pollSignal));
      return { done: false };
    };
    const what = `${operation.action} of ${name} in ${zone}`;
    const settled = await pollUntilDone(check, {
      provider: 'gcp',
      what,
      initialDelayMs: pollBaseMs,
      factor: 2,
      maxDelayMs: pollMaxMs,
      signal,
    });
    onInstance?.(settled);
    return settled;
  }

  /** The instance while its operation runs; a delete may already have removed it. */
  private async currentState(zone: string, name: string, action: PowerAction, signal?: AbortSignal): Promise<CloudInstance> {
    try {
      return await this.getInstance(zone, name, signal);
    } catch (error) {
      if (action === 'delete' && error instanceof CloudError && error.kind === 'notFound')
        return deletedInstance(this.accountId, this.project, zone, name);
      throw error;
    }
  }

  dispose(): void {
    for (const client of [this.instances, this.zones, this.operations]) client.close().catch(() => undefined);
  }
}

export const gcpProviderModule: ProviderModule<GcpSettings> = {
  kind: 'gcp',
  parseSettings: parseGcpSettings,
  // Credentials come from application-default credentials or the keyFile, never typed in.
  secretKeys: [],
  create: (account: CloudAccount, settings: GcpSettings) => new GcpProvider(account.id, settings),
};
