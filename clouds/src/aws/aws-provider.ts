// AWS EC2 behind the one provider interface, through the official SDK: one client per region
// (so every region can be listed at once), the standard credential chain or a typed-in key pair,
// actions that return at once, and operations followed to the end by the SDK's EC2 waiters.
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  DescribeRegionsCommand,
  EC2Client,
  type Instance,
  RebootInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';
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
  SecretSource,
} from '../cloud-provider.js';
import { awsCredentials, type Credentials } from './aws-credentials.js';
import { toCloudError } from './aws-errors.js';
import { instancesOf, toCloudInstance } from './aws-instances.js';
import { type AwsSettings, awsSecretKeys, checkInstanceId, checkRegion, parseAwsSettings } from './aws-settings.js';

/** Knobs for tests and benchmarks; users get the defaults. */
export interface AwsTuning {
  /** DescribeInstances page size (EC2 allows 5 to 1000). */
  pageSize?: number;
  /** Waiter polling, in seconds, as the SDK's waiters take it. */
  waiter?: { minDelay: number; maxDelay: number; maxWaitTime: number };
}

const defaultWaiter = { minDelay: 2, maxDelay: 15, maxWaitTime: 900 };
/** The region asked for the list of enabled regions when the account lists them all. */
const homeRegion = 'us-east-1';

type InstanceListener = (instance: Instance, region: string) => void;
type ErrorListener = (error: unknown) => void;

const waiters = {
  start: waitUntilInstanceRunning,
  reboot: waitUntilInstanceRunning,
  stop: waitUntilInstanceStopped,
  forceStop: waitUntilInstanceStopped,
  delete: waitUntilInstanceTerminated,
} satisfies Record<PowerAction, unknown>;

const targetStates: Record<PowerAction, string> = {
  start: 'running',
  reboot: 'running',
  stop: 'stopped',
  forceStop: 'stopped',
  delete: 'terminated',
};

export class AwsProvider implements CloudProvider {
  readonly kind = 'aws';
  readonly accountId: string;
  private readonly clients = new Map<string, EC2Client>();
  private readonly credentials: EC2Client['config']['credentials'] | (() => Promise<Credentials>);
  private enabledRegions: Promise<string[]> | undefined;
  /** DescribeInstances answers watched per instance id, so a follow reports every state its waiter sees. */
  private readonly instanceListeners = new Map<string, Set<InstanceListener>>();
  private readonly errorListeners = new Map<string, Set<ErrorListener>>();
  /** Follows in progress, ended by `dispose`. */
  private readonly follows = new Set<AbortController>();

  constructor(
    account: CloudAccount,
    private readonly settings: AwsSettings,
    secrets: SecretSource,
    private readonly tuning: AwsTuning = {},
  ) {
    this.accountId = account.id;
    this.credentials = awsCredentials(account.id, settings, secrets);
  }

  private client(region: string): EC2Client {
    let client = this.clients.get(region);
    if (client) return client;
    client = new EC2Client({
      region,
      credentials: this.credentials,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
      ...(this.settings.endpoint === undefined ? {} : { endpoint: this.settings.endpoint }),
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'DescribeInstancesCommand') return next(args);
        const ids = (args.input as { InstanceIds?: string[] }).InstanceIds ?? [];
        try {
          const result = await next(args);
          this.observe(result.output as DescribeInstancesCommandOutput, region);
          return result;
        } catch (error) {
          for (const id of ids) for (const listener of this.errorListeners.get(id) ?? []) listener(error);
          throw error;
        }
      },
      { step: 'initialize', name: 'vlmObserveInstances' },
    );
    this.clients.set(region, client);
    return client;
  }

  private observe(output: DescribeInstancesCommandOutput, region: string): void {
    if (this.instanceListeners.size === 0) return;
    for (const reservation of output.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        for (const listener of this.instanceListeners.get(instance.InstanceId ?? '') ?? []) listener(instance, region);
      }
    }
  }

  private listen<T>(map: Map<string, Set<T>>, id: string, listener: T): () => void {
    const set = map.get(id) ?? new Set<T>();
    set.add(listener);
    map.set(id, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) map.delete(id);
    };
  }

  private async send<Output>(region: string, action: string, command: object, signal?: AbortSignal): Promise<Output> {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: one wrapper for every EC2 command; each caller names its output type.
      return (await this.client(region).send(command as any, signal ? { abortSignal: signal } : {})) as Output;
    } catch (error) {
      if (signal?.aborted) throw error;
      throw toCloudError(error, action);
    }
  }

  /** Every region enabled for the account (or the configured ones, each checked to be enabled). */
  async listLocations(signal?: AbortSignal): Promise<CloudLocation[]> {
    const enabled = await this.regionsEnabled(signal);
    const regions = this.settings.regions === 'all' ? enabled : this.settings.regions;
    const disabled = regions.find((region) => !enabled.includes(region));
    if (disabled !== undefined) throw this.unknownRegion(disabled, enabled);
    return regions.map((region) => ({ id: region, label: region }));
  }

  private regionsEnabled(signal?: AbortSignal): Promise<string[]> {
    const askIn = this.settings.regions === 'all' ? homeRegion : (this.settings.regions[0] ?? homeRegion);
    this.enabledRegions ??= this.send<{ Regions?: { RegionName?: string }[] }>(
      askIn,
      'DescribeRegions',
      new DescribeRegionsCommand({}),
      signal,
    )
      .then((answer) => (answer.Regions ?? []).map((region) => this.listedRegion(region.RegionName)))
      .catch((error: unknown) => {
        this.enabledRegions = undefined;
        throw error;
      });
    return this.enabledRegions;
  }

  /** A region name from DescribeRegions' answer, which is untrusted like any answer. */
  private listedRegion(name: unknown): string {
    try {
      return checkRegion(name, 'a region EC2 listed,');
    } catch (error) {
      throw new CloudError('malformed', 'aws', (error as Error).message, {
        hint: 'The endpoint may not be EC2: check the account endpoint.',
      });
    }
  }

  private unknownRegion(region: string, enabled: string[]): CloudError {
    return new CloudError('notFound', 'aws', `the region ${region} is not enabled for this account`, {
      hint: `Enabled regions: ${enabled.join(', ')}. Enable it in the AWS account settings, or remove it from this account's regions.`,
    });
  }

  /** Refuses a malformed or not-enabled region before any request is sent to it. */
  private async checkLocation(location: string, signal?: AbortSignal): Promise<string> {
    const region = checkRegion(location);
    const enabled = await this.regionsEnabled(signal);
    if (!enabled.includes(region)) throw this.unknownRegion(region, enabled);
    return region;
  }

  async listInstances(location: string, options: { pageToken?: string; signal?: AbortSignal } = {}): Promise<InstancePage> {
    const region = await this.checkLocation(location, options.signal);
    if (options.pageToken !== undefined && (options.pageToken === '' || options.pageToken.length > 4096)) {
      throw new CloudError('invalidInput', 'aws', 'the page token is empty or longer than 4096 characters');
    }
    const input = { MaxResults: this.tuning.pageSize ?? 1000, ...(options.pageToken ? { NextToken: options.pageToken } : {}) };
    const answer = await this.send<DescribeInstancesCommandOutput>(
      region,
      'DescribeInstances',
      new DescribeInstancesCommand(input),
      options.signal,
    );
    return {
      instances: instancesOf(answer.Reservations, this.accountId, region),
      ...(answer.NextToken ? { nextPageToken: answer.NextToken } : {}),
    };
  }

  async getInstance(location: string, id: string, signal?: AbortSignal): Promise<CloudInstance> {
    const region = await this.checkLocation(location, signal);
    const command = new DescribeInstancesCommand({ InstanceIds: [checkInstanceId(id)] });
    const answer = await this.send<DescribeInstancesCommandOutput>(region, 'DescribeInstances', command, signal);
    const found = instancesOf(answer.Reservations, this.accountId, region).find((instance) => instance.id === id);
    if (!found) throw new CloudError('notFound', 'aws', `EC2 did not list ${id} in ${region}`, { code: 'InvalidInstanceID.NotFound' });
    return found;
  }

  async runAction(location: string, id: string, action: PowerAction, signal?: AbortSignal): Promise<CloudOperation> {
    const region = await this.checkLocation(location, signal);
    const InstanceIds = [checkInstanceId(id)];
    const commands: Record<PowerAction, [string, object]> = {
      start: ['StartInstances', new StartInstancesCommand({ InstanceIds })],
      stop: ['StopInstances', new StopInstancesCommand({ InstanceIds })],
      forceStop: ['StopInstances', new StopInstancesCommand({ InstanceIds, Force: true })],
      reboot: ['RebootInstances', new RebootInstancesCommand({ InstanceIds })],
      delete: ['TerminateInstances', new TerminateInstancesCommand({ InstanceIds })],
    };
    const chosen = commands[action];
    if (!chosen)
      throw new CloudError('invalidInput', 'aws', `${String(action)} is not a power action; allowed: ${Object.keys(commands).join(', ')}`);
    const answer = await this.send<{ $metadata: { requestId?: string } }>(region, chosen[0], chosen[1], signal);
    return {
      provider: 'aws',
      accountId: this.accountId,
      location: region,
      instanceId: id,
      action,
      handle: answer.$metadata.requestId ?? chosen[0],
    };
  }

  /**
   * Follows with the SDK's waiter for the action's end state. Every DescribeInstances the waiter
   * sends is watched, so `onInstance` sees each state it passes through; the waiter itself retries
   * any error, so the first error that retrying cannot cure (auth, permission, not found) ends it.
   */
  async followOperation(operation: CloudOperation, options: FollowOptions = {}): Promise<CloudInstance> {
    const region = await this.checkLocation(operation.location, options.signal);
    const id = checkInstanceId(operation.instanceId);
    const stop = new AbortController();
    this.follows.add(stop);
    const onAbort = () => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let last: CloudInstance | undefined;
    let fatal: CloudError | undefined;
    const unlisten = [
      this.listen<InstanceListener>(this.instanceListeners, id, (instance) => {
        const row = toCloudInstance(instance, this.accountId, region);
        if (row.providerState !== last?.providerState) options.onInstance?.(row);
        last = row;
      }),
      this.listen<ErrorListener>(this.errorListeners, id, (error) => {
        const cloudError = toCloudError(error, 'DescribeInstances');
        if (['auth', 'permission', 'notFound', 'malformed'].includes(cloudError.kind)) {
          fatal = cloudError;
          stop.abort(cloudError);
        }
      }),
    ];
    try {
      await waiters[operation.action](
        { client: this.client(region), abortController: stop, ...(this.tuning.waiter ?? defaultWaiter) },
        { InstanceIds: [id] },
      );
      if (!last) throw new CloudError('malformed', 'aws', `EC2 did not list ${id} while following ${operation.action}`);
      return last;
    } catch (error) {
      if (fatal) throw fatal;
      if (options.signal?.aborted) throw options.signal.reason;
      if (stop.signal.aborted) throw stop.signal.reason;
      throw this.followFailure(operation, last, error);
    } finally {
      this.follows.delete(stop);
      options.signal?.removeEventListener('abort', onAbort);
      for (const remove of unlisten) remove();
    }
  }

  private followFailure(operation: CloudOperation, last: CloudInstance | undefined, error: unknown): CloudError {
    const target = targetStates[operation.action];
    if ((error as { name?: string }).name === 'TimeoutError') {
      return new CloudError('provider', 'aws', `${operation.instanceId} did not become ${target} in time`, {
        hint: 'It may still get there: refresh later, or look at it in the EC2 console.',
        cause: error,
      });
    }
    return new CloudError('wrongState', 'aws', `${operation.instanceId} became ${last?.providerState ?? 'unknown'} instead of ${target}`, {
      hint: 'Another action or AWS itself changed it: look at its state reason in the EC2 console.',
      cause: error,
    });
  }

  dispose(): void {
    for (const follow of this.follows) {
      follow.abort(
        new CloudError('provider', 'aws', 'the account was closed while an operation was followed', {
          hint: 'Refresh to see where it got to.',
        }),
      );
    }
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
    this.instanceListeners.clear();
    this.errorListeners.clear();
  }
}

export function createAwsProvider(account: CloudAccount, settings: AwsSettings, secrets: SecretSource, tuning?: AwsTuning): AwsProvider {
  return new AwsProvider(account, settings, secrets, tuning);
}

export const awsProviderModule: ProviderModule<AwsSettings> = {
  kind: 'aws',
  parseSettings: parseAwsSettings,
  secretKeys: awsSecretKeys,
  create: (account, settings, secrets) => createAwsProvider(account, settings, secrets),
};
