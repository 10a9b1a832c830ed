// The libvirt names a lab's parts get. Only DNS labels go in, so the names are safe in XML,
// paths and shells; they are re-checked here anyway, before anything is named after them.
//
// A name is `LAB.PART`: '.' never occurs in a DNS label, so no two (lab, part) pairs share a
// name (lab `web` + VM `db-1` is `web.db-1`, lab `web-db` + VM `1` is `web-db.1`). Disks, seeds
// and serial logs are named after the same pair. Labs made by versions that joined with '-' keep
// the names their state records: the recorded name of a part always wins over the scheme.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { isValidName } from '@vlm/schemas';
import type { ReadonlyHostState } from '../state/state-store';

type ReadonlyLabRecord = ReadonlyHostState['labs'][string];

/** Between a lab's name and its part's name. */
export const labPartSeparator = '.';

/**
 * The storage pool a vlm-host keeps its disks in: one per data directory, since libvirt's pools
 * are host-wide and a pool only says where its files are by its (unreadable here) XML.
 */
export function volumePoolFor(dataDirectory: string): string {
  return `vlm-${createHash('sha256').update(resolve(dataDirectory)).digest('hex').slice(0, 8)}`;
}

function checked(value: string, what: string): string {
  if (!isValidName(value)) throw new Error(`Refusing to build a libvirt name from an invalid ${what} ${JSON.stringify(value)}.`);
  return value;
}

function partName(lab: string, part: string, what: string): string {
  return `${checked(lab, 'lab name')}${labPartSeparator}${checked(part, what)}`;
}

export function domainName(lab: string, vm: string): string {
  return partName(lab, vm, 'VM name');
}

export function networkName(lab: string, network: string): string {
  return partName(lab, network, 'network name');
}

export function volumeName(lab: string, vm: string): string {
  return `${partName(lab, vm, 'VM name')}.qcow2`;
}

/** The NoCloud seed ISO of a VM, beside its disk in the pool directory. */
export function seedPathFor(poolDirectory: string, lab: string, vm: string): string {
  return join(poolDirectory, `${partName(lab, vm, 'VM name')}.seed.iso`);
}

/** A file name in the pool directory that is a seed by this scheme or the older '-' one. */
export function isSeedFileName(file: string): boolean {
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)?\.seed\.iso$/.test(file);
}

/** Where virtlogd copies a domain's serial console. */
export function serialLogPathFor(dataDirectory: string, domain: string): string {
  return join(dataDirectory, 'logs', `${domain}.log`);
}

/** The VM's domain: the one its lab recorded, else the name a new one gets. */
export function labDomainName(record: ReadonlyLabRecord | undefined, lab: string, vm: string): string {
  return record?.resources.domains.find((item) => item.vm === vm)?.name ?? domainName(lab, vm);
}

/** The lab network's libvirt network: the one its lab recorded, else the name a new one gets. */
export function labNetworkName(record: ReadonlyLabRecord | undefined, lab: string, network: string): string {
  return record?.resources.networks.find((item) => item.network === network)?.name ?? networkName(lab, network);
}

/** The VM's disk in `pool`: the one its lab recorded there, else the name a new one gets. */
export function labVolumeName(record: ReadonlyLabRecord | undefined, pool: string, lab: string, vm: string): string {
  return record?.resources.volumes.find((item) => item.vm === vm && item.pool === pool)?.name ?? volumeName(lab, vm);
}
