// The Azure provider: virtual machines of one subscription through @azure/arm-compute, signed in
// with the standard @azure/identity chain or a client secret the user typed in. Actions are ARM
// long-running operations; their serialized poller is the handle followOperation resumes.
import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';
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
import { toCloudError } from './azure-errors.js';
import { toCloudInstance } from './azure-instances.js';
import { followAzureOperation, startAzureOperation } from './azure-operations.js';
import { type AzureSettings, checkLocationName, isLocationName, parseAzureSettings, parseVirtualMachineId } from './azure-settings.js';
import { createAzureClient } from './azure-client.js';

/** How the provider reaches Azure; not a setting: tests and sovereign deployments hand it in code. */
export interface AzureConnectionOptions {
  /** Extra trusted CA (PEM) for the TLS connections of both Entra and ARM. */
  ca?: string;
  /** First delay between polls of an operation (default 2 s); it grows as operation-polling.ts says. */
  pollIntervalMs?: number;
  /** Base delay of the pipeline's retries of 5xx answers and dropped connections. */
  retryDelayInMs?: number;
}

/** Pages of the subscription-wide list are read until one holds a VM of the location, at most this many. */
const maximumPagesPerCall = 20;
/** Instance views fetched at once when listing per resource group. */
const instanceViewConcurrency = 4;

interface GroupPageToken {
  group: number;
  link?: string;
}

export class AzureProvider implements CloudProvider {
  readonly kind = 'azure' as const;
  readonly accountId: string;
  private client?: Promise<ComputeManagementClient>;
  private readonly origin: string;

  constructor(
    account: CloudAccount,
    private readonly settings: AzureSettings,
    private readonly secrets: SecretSource,
    private readonly connection: AzureConnectionOptions = {},
  ) {
    this.accountId = account.id;
    this.origin = settings.endpoint ?? 'https://management.azure.com';
  }

  private compute(): Promise<ComputeManagementClient> {
    this.client ??= createAzureClient(this.accountId, this.settings, this.secrets, this.connection).catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return this.client;
  }

  /** A nextLink is followed with the bearer token, so it must point at this account's ARM endpoint. */
  private checkLink(link: string): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new CloudError('invalidInput', 'azure', 'The page token is not a link from Azure Resource Manager');
    }
    if (url.origin !== this.origin || !url.pathname.toLowerCase().startsWith(`/subscriptions/${this.settings.subscriptionId}/`))
      throw new CloudError(
        'malformed',
        'azure',
        `A next-page link points outside this subscription's endpoint (${url.origin}); it was not followed`,
        {
          hint: 'Check the account endpoint; Azure Resource Manager never sends links to another host.',
        },
      );
    return link;
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toCloudError(error);
    }
  }

  private wanted(location: string): boolean {
    return this.settings.locations === undefined || this.settings.locations.includes(location);
  }

  async listLocations(signal?: AbortSignal): Promise<CloudLocation[]> {
    const found = new Set<string>(this.settings.locations ?? []);
    let token: string | undefined;
    let first = true;
    while (first || token !== undefined) {
      first = false;
      const page = await this.readPage(undefined, token, signal);
      // A location that is not a location name (from a hostile answer) would only be refused later.
      for (const instance of page.instances)
        if (isLocationName(instance.location) && this.wanted(instance.location)) found.add(instance.location);
      token = page.nextPageToken;
    }
    return [...found].sort().map((id) => ({ id, label: id }));
  }

  async listInstances(location: string, options: { pageToken?: string; signal?: AbortSignal } = {}): Promise<InstancePage> {
    checkLocationName(location, 'location');
    const instances: CloudInstance[] = [];
    let token = options.pageToken;
    for (let pages = 0; pages < maximumPagesPerCall; pages += 1) {
      const page = await this.readPage(location, token, options.signal);
      instances.push(...page.instances);
      token = page.nextPageToken;
      if (token === undefined || instances.length > 0) break;
    }
    return token === undefined ? { instances } : { instances, nextPageToken: token };
  }

  /** One ARM page: subscription-wide with statusOnly=true, or one resource group's (then one instance view per VM). */
  private async readPage(location: string | undefined, token: string | undefined, signal?: AbortSignal): Promise<InstancePage> {
    const client = await this.compute();
    const keep = (instance: CloudInstance) => location === undefined || instance.location === location;
    if (this.settings.resourceGroups === undefined) {
      const link = token === undefined ? undefined : this.checkLink(token);
      const pages = client.virtualMachines.listAll({ statusOnly: 'true', abortSignal: signal }).byPage({ continuationToken: link });
      const result = await this.run(() => pages.next());
      if (result.done) return { instances: [] };
      const instances = this.toInstances(result.value).filter(keep);
      const next = (result.value as { continuationToken?: string }).continuationToken;
      return next ? { instances, nextPageToken: this.checkLink(next) } : { instances };
    }
    // Locations need no power state: instance views only when listing a location's VMs.
    return this.readGroupPage(client, keep, token, signal, location !== undefined);
  }

  private async readGroupPage(
    client: ComputeManagementClient,
    keep: (instance: CloudInstance) => boolean,
    token: string | undefined,
    signal: AbortSignal | undefined,
    withStatus: boolean,
  ): Promise<InstancePage> {
    const groups = this.settings.resourceGroups ?? [];
    const position = token === undefined ? { group: 0 } : this.parseGroupToken(token, groups.length);
    const group = groups[position.group] as string;
    const link = position.link === undefined ? undefined : this.checkLink(position.link);
    const pages = client.virtualMachines.list(group, { abortSignal: signal }).byPage({ continuationToken: link });
    const result = await this.run(() => pages.next());
    const listed = result.done ? [] : (result.value as VirtualMachine[]);
    const wanted = this.toInstances(listed).filter(keep);
    const instances: CloudInstance[] = withStatus ? [] : wanted;
    for (let start = 0; withStatus && start < wanted.length; start += instanceViewConcurrency)
      instances.push(
        ...(await Promise.all(
          wanted
            .slice(start, start + instanceViewConcurrency)
            .map((instance) => (this.isOwnVirtualMachine(instance) ? this.getInstance(instance.location, instance.id, signal) : instance)),
        )),
      );
    const next = result.done ? undefined : (result.value as { continuationToken?: string }).continuationToken;
    const following: GroupPageToken | undefined = next
      ? { group: position.group, link: this.checkLink(next) }
      : position.group + 1 < groups.length
        ? { group: position.group + 1 }
        : undefined;
    return following ? { instances, nextPageToken: JSON.stringify(following) } : { instances };
  }

  private parseGroupToken(token: string, groups: number): GroupPageToken {
    try {
      const parsed = JSON.parse(token) as GroupPageToken;
      if (
        Number.isInteger(parsed.group) &&
        parsed.group >= 0 &&
        parsed.group < groups &&
        (parsed.link === undefined || typeof parsed.link === 'string')
      )
        return parsed;
    } catch {}
    throw new CloudError('invalidInput', 'azure', "The page token was not made by this account's listing; list again from the start");
  }

  private toInstances(vms: VirtualMachine[]): CloudInstance[] {
    if (!Array.isArray(vms))
      throw new CloudError('malformed', 'azure', 'The list of virtual machines is not a list', {
        hint: 'Try again; report it if it stays.',
      });
    return vms.map((vm) => this.checked(toCloudInstance(vm, this.accountId, undefined)));
  }

  /** Whether an answer's id and location are well-formed and of this subscription, so they may reach a URL. */
  private isOwnVirtualMachine(instance: CloudInstance): boolean {
    try {
      parseVirtualMachineId(instance.id, this.settings.subscriptionId);
      checkLocationName(instance.location, 'location');
      return true;
    } catch {
      return false;
    }
  }

  /** An instance with a malformed or foreign id or location is shown but offers no action. */
  private checked(instance: CloudInstance): CloudInstance {
    return this.isOwnVirtualMachine(instance) ? instance : { ...instance, actions: [], consoleUrl: undefined };
  }

  async getInstance(location: string, id: string, signal?: AbortSignal): Promise<CloudInstance> {
    checkLocationName(location, 'location');
    const { resourceGroup, name } = parseVirtualMachineId(id, this.settings.subscriptionId);
    const client = await this.compute();
    const vm = await this.run(() => client.virtualMachines.get(resourceGroup, name, { expand: 'instanceView', abortSignal: signal }));
    return this.checked(toCloudInstance(vm, this.accountId, undefined));
  }

  async runAction(location: string, id: string, action: PowerAction, signal?: AbortSignal): Promise<CloudOperation> {
    checkLocationName(location, 'location');
    const target = parseVirtualMachineId(id, this.settings.subscriptionId);
    const client = await this.compute();
    const handle = await this.run(() => startAzureOperation(client, target, action, this.origin, signal));
    return { provider: 'azure', accountId: this.accountId, location, instanceId: id, action, handle };
  }

  async followOperation(operation: CloudOperation, options: FollowOptions = {}): Promise<CloudInstance> {
    checkLocationName(operation.location, 'location');
    const target = parseVirtualMachineId(operation.instanceId, this.settings.subscriptionId);
    const client = await this.compute();
    return followAzureOperation({
      client,
      operation,
      target,
      origin: this.origin,
      pollIntervalMs: this.connection.pollIntervalMs ?? 2000,
      options,
      read: () => this.getInstance(operation.location, operation.instanceId, options.signal),
    });
  }

  dispose(): void {
    this.client = undefined;
  }
}

export function createAzureProvider(
  account: CloudAccount,
  settings: AzureSettings,
  secrets: SecretSource,
  connection?: AzureConnectionOptions,
): AzureProvider {
  return new AzureProvider(account, settings, secrets, connection);
}

export const azureProviderModule: ProviderModule<AzureSettings> = {
  kind: 'azure',
  parseSettings: parseAzureSettings,
  secretKeys: ['clientSecret'],
  create: (account, settings, secrets) => new AzureProvider(account, settings, secrets),
};
