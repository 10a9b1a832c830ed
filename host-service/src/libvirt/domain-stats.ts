// The one GetAllDomainStats call: every domain's stats in one round trip. The domain listing reads
// states and sizes with it; the metrics sampler reads counters with it, once per interval.
import { connectInterface } from './constants';
import { toNumber } from './dbus-call';
import type { LibvirtCall } from './libvirt-connection';
import { type Properties, unpackProperties } from './libvirt-objects';

/** Stats of `types` (domainStatsTypes bits) for the domains `flags` selects (0: all), by domain name. */
export async function readAllDomainStats(
  call: LibvirtCall,
  connectPath: string,
  types: number,
  flags = 0,
): Promise<Map<string, Properties>> {
  const [allStats] = await call({
    path: connectPath,
    interface: connectInterface,
    member: 'GetAllDomainStats',
    signature: 'uu',
    body: [types, flags],
  });
  const statsByName = new Map<string, Properties>();
  for (const [name, stats] of (allStats as Array<[string, unknown]> | undefined) ?? []) statsByName.set(name, unpackProperties(stats));
  return statsByName;
}

/** The numeric stats only (device names and paths are strings, dropped). */
export function numericStats(properties: Properties): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (typeof value === 'string' || typeof value === 'boolean') continue;
    try {
      values[key] = toNumber(value);
    } catch {
      // Not a number libvirt-dbus sends today; skip it rather than fail the whole sample.
    }
  }
  return values;
}
