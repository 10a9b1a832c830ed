// The one interface every cloud provider module implements. The tree, the CLI and the cost
// figures only ever talk to this; each provider maps its own API onto it.

export type ProviderKind = 'aws' | 'proxmox' | 'azure' | 'gcp' | 'vsphere';

export const providerKinds: readonly ProviderKind[] = ['aws', 'proxmox', 'azure', 'gcp', 'vsphere'];

/** Normalised instance states; the provider's own word is kept in `providerState`. */
export type InstanceState =
  | 'pending'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'rebooting'
  | 'suspended'
  | 'terminating'
  | 'terminated'
  | 'unknown';

/** States an instance leaves on its own; a row in one of them is followed until it settles. */
export const transitionalStates: readonly InstanceState[] = ['pending', 'stopping', 'rebooting', 'terminating'];

export type PowerAction = 'start' | 'stop' | 'reboot' | 'forceStop' | 'delete';

/** A price in millionths of the currency's unit (integer: money is never a float). */
export interface HourlyPrice {
  currency: string;
  micros: number;
}

/** A region, node, location, zone or datacenter: the second level of the tree. */
export interface CloudLocation {
  id: string;
  label: string;
}

export interface CloudInstance {
  provider: ProviderKind;
  /** The VLM account this came from (its `id`), not the provider's account number. */
  accountId: string;
  location: string;
  /** The provider's stable id (EC2 instance id, Proxmox `node/vmid`, Azure resource id…). */
  id: string;
  name: string;
  state: InstanceState;
  providerState: string;
  size?: string;
  publicAddress?: string;
  privateAddress?: string;
  /** When it last started (ISO 8601), where the provider tells it; uptime is derived from it. */
  startedAt?: string;
  tags: Record<string, string>;
  pricePerHour?: HourlyPrice;
  /** The provider's web console page for this instance. */
  consoleUrl?: string;
  /** The actions that make sense in the current state. */
  actions: PowerAction[];
}

export interface InstancePage {
  instances: CloudInstance[];
  nextPageToken?: string;
}

/** A provider operation started by an action, followed to its end by the provider's own mechanism. */
export interface CloudOperation {
  provider: ProviderKind;
  accountId: string;
  location: string;
  instanceId: string;
  action: PowerAction;
  /** The provider's handle: a Proxmox UPID, an Azure-AsyncOperation URL, a GCP operation name, a vSphere task… */
  handle: string;
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** Called with each state the instance passes through, so the row moves without a refresh. */
  onInstance?: (instance: CloudInstance) => void;
}

export interface CloudProvider {
  readonly kind: ProviderKind;
  readonly accountId: string;
  listLocations(signal?: AbortSignal): Promise<CloudLocation[]>;
  listInstances(location: string, options?: { pageToken?: string; signal?: AbortSignal }): Promise<InstancePage>;
  /** Every instance of every location at once, where the provider has one listing for that (GCP's aggregated list). */
  listAllInstances?(options?: { signal?: AbortSignal }): Promise<InstancePage>;
  getInstance(location: string, id: string, signal?: AbortSignal): Promise<CloudInstance>;
  /** Starts the action and returns at once with the operation to follow. */
  runAction(location: string, id: string, action: PowerAction, signal?: AbortSignal): Promise<CloudOperation>;
  /** Resolves with the instance's settled state, or rejects with a CloudError carrying the provider's code. */
  followOperation(operation: CloudOperation, options?: FollowOptions): Promise<CloudInstance>;
  /** Releases sockets and timers. */
  dispose(): void;
}

/** Where a provider gets the secrets a user typed in (VS Code's SecretStorage, or the CLI's encrypted file). */
export interface SecretSource {
  get(accountId: string, key: string): Promise<string | undefined>;
}

/** An account as the user configured it (VS Code settings or the CLI's accounts file). No secrets here. */
export interface CloudAccount {
  /** The user's name for it: letters, digits, `.`, `_` and `-`. */
  id: string;
  provider: ProviderKind;
  label?: string;
  /** Provider-specific, checked by that provider's `parseSettings`. */
  settings: Record<string, unknown>;
}

/** What each provider module exports, so the registry can check settings and build providers. */
export interface ProviderModule<Settings = unknown> {
  kind: ProviderKind;
  /** Checks an account's settings; throws CloudError('invalidInput') naming the field, what was wrong and what is allowed. */
  parseSettings(settings: Record<string, unknown>): Settings;
  /** Names of the secrets a user may type in for this provider (an API token, a password…). */
  secretKeys: readonly string[];
  create(account: CloudAccount, settings: Settings, secrets: SecretSource): CloudProvider;
}
