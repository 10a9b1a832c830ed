// The libvirt names a lab's parts get. Only DNS labels go in, so the names are safe in XML,
// paths and shells; they are re-checked here anyway, before anything is named after them.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { isValidName } from '@vlm/schemas';

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

export function domainName(lab: string, vm: string): string {
  return `${checked(lab, 'lab name')}-${checked(vm, 'VM name')}`;
}

export function networkName(lab: string, network: string): string {
  return `${checked(lab, 'lab name')}-${checked(network, 'network name')}`;
}

export function volumeName(lab: string, vm: string): string {
  return `${checked(lab, 'lab name')}-${checked(vm, 'VM name')}.qcow2`;
}

/** The NoCloud seed ISO of a VM, beside its disk in the pool directory. */
export function seedPathFor(poolDirectory: string, lab: string, vm: string): string {
  return join(poolDirectory, `${checked(lab, 'lab name')}-${checked(vm, 'VM name')}.seed.iso`);
}
