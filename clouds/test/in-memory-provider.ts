// A provider held in memory, for the provider-independent logic (listing, registry): pages,
// failing locations and slow answers on demand. Providers themselves are tested over their wire.
import { CloudError } from '../src/cloud-errors';
import type { CloudInstance, CloudLocation, CloudProvider, InstancePage, ProviderKind } from '../src/cloud-provider';

export function instance(accountId: string, location: string, id: string, overrides: Partial<CloudInstance> = {}): CloudInstance {
  return {
    provider: 'aws',
    accountId,
    location,
    id,
    name: id,
    state: 'running',
    providerState: 'running',
    tags: {},
    actions: ['stop', 'reboot'],
    ...overrides,
  };
}

export interface InMemoryOptions {
  kind?: ProviderKind;
  accountId?: string;
  /** Instances per location id. */
  instances: Record<string, CloudInstance[]>;
  pageSize?: number;
  /** Locations whose listing fails, with the error. */
  failing?: Record<string, Error>;
  /** Called at the start of each listInstances call, and awaited: lets a test hold answers. */
  onList?: (location: string, pageToken: string | undefined) => Promise<void> | void;
  /** Returns this token forever from the location, to test the loop guard. */
  stuckTokenAt?: string;
}

export function inMemoryProvider(options: InMemoryOptions): CloudProvider {
  const kind = options.kind ?? 'aws';
  const accountId = options.accountId ?? 'test';
  const pageSize = options.pageSize ?? 1000;
  const unused = () => Promise.reject(new CloudError('provider', kind, 'not used in these tests'));
  return {
    kind,
    accountId,
    async listLocations(): Promise<CloudLocation[]> {
      return Object.keys(options.instances).map((id) => ({ id, label: id.toUpperCase() }));
    },
    async listInstances(location, listOptions = {}): Promise<InstancePage> {
      await options.onList?.(location, listOptions.pageToken);
      listOptions.signal?.throwIfAborted();
      const failure = options.failing?.[location];
      if (failure) throw failure;
      if (options.stuckTokenAt === location) return { instances: [], nextPageToken: 'again' };
      const all = options.instances[location] ?? [];
      const start = listOptions.pageToken === undefined ? 0 : Number(listOptions.pageToken);
      const end = start + pageSize;
      return { instances: all.slice(start, end), ...(end < all.length ? { nextPageToken: String(end) } : {}) };
    },
    getInstance: unused,
    runAction: unused,
    followOperation: unused,
    dispose() {},
  };
}
