// Every instance of one account: all locations at once (a bounded number in flight), each
// followed through its pages. A location that fails is reported beside the others' results,
// so one closed region never hides the rest.
import { CloudError, isCloudError } from './cloud-errors.js';
import type { CloudInstance, CloudLocation, CloudProvider } from './cloud-provider.js';

export interface LocationListing {
  location: CloudLocation;
  instances: CloudInstance[];
  /** Why this location could not be listed (its instances are then those of the pages read before). */
  error?: CloudError;
}

export interface AccountListing {
  instances: CloudInstance[];
  /** In the order the provider listed the locations. */
  locations: LocationListing[];
  errors: Array<{ location: CloudLocation; error: CloudError }>;
}

export interface ListingOptions {
  /** Locations listed at once; by default 20, so all of AWS's usual 17 regions go together. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called as each location finishes, so a tree can show it before the slowest one answers. */
  onLocation?: (listing: LocationListing) => void;
}

export const defaultListingConcurrency = 20;

/** A provider's error as is; anything else (a bug, a library's own error) as a CloudError 'provider'. */
function asCloudError(provider: CloudProvider, error: unknown): CloudError {
  if (isCloudError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CloudError('provider', provider.kind, message, { cause: error });
}

async function listLocation(provider: CloudProvider, location: CloudLocation, signal: AbortSignal | undefined): Promise<LocationListing> {
  const instances: CloudInstance[] = [];
  const seenTokens = new Set<string>();
  let pageToken: string | undefined;
  try {
    do {
      const page = await provider.listInstances(location.id, {
        ...(pageToken === undefined ? {} : { pageToken }),
        ...(signal ? { signal } : {}),
      });
      instances.push(...page.instances);
      pageToken = page.nextPageToken || undefined;
      if (pageToken !== undefined) {
        // A provider answering the same token again would page forever.
        if (seenTokens.has(pageToken)) {
          throw new CloudError('malformed', provider.kind, `listing ${location.id} returned a page token it had already returned`, {
            hint: 'The instances of the pages before are shown; refresh to try again.',
          });
        }
        seenTokens.add(pageToken);
      }
    } while (pageToken !== undefined);
    return { location, instances };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    return { location, instances, error: asCloudError(provider, error) };
  }
}

/**
 * Lists every location of the provider in parallel. Rejects only when the locations themselves
 * cannot be listed or `signal` aborts; a failing location is in `errors`.
 */
export async function listAllInstances(provider: CloudProvider, options: ListingOptions = {}): Promise<AccountListing> {
  const { signal, onLocation } = options;
  const concurrency = options.concurrency ?? defaultListingConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
  signal?.throwIfAborted();
  const locations = await provider.listLocations(signal);
  const results: LocationListing[] = new Array(locations.length);
  let next = 0;
  const worker = async () => {
    while (next < locations.length) {
      signal?.throwIfAborted();
      const index = next;
      next += 1;
      const location = locations[index] as CloudLocation;
      const listing = await listLocation(provider, location, signal);
      results[index] = listing;
      onLocation?.(listing);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, locations.length) }, worker));
  return {
    instances: results.flatMap((listing) => listing.instances),
    locations: results,
    errors: results.flatMap((listing) => (listing.error ? [{ location: listing.location, error: listing.error }] : [])),
  };
}
