// An account's instances as the tree takes them: every location at once through clouds/'
// listAllInstances, a failed location as a problem of its own. No `vscode` import: tested against
// the EC2 stand-in.
import type { CloudProvider } from '@vlm/clouds/src/cloud-provider';
import { listAllInstances } from '@vlm/clouds/src/instance-listing';
import { problemOf } from './cloud-accounts';
import type { LocationListing } from './cloud-tree-model';

/** Every location of an account at once (clouds/' listAllInstances); a location that fails gets its own problem row. */
export async function listAccount(provider: CloudProvider, signal: AbortSignal): Promise<LocationListing[]> {
  const listing = await listAllInstances(provider, { signal });
  return listing.locations.map((location) => ({
    location: location.location,
    instances: location.instances,
    ...(location.error ? { problem: problemOf(location.error) } : {}),
  }));
}
