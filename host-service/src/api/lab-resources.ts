// The libvirt names a lab's parts get. Only DNS labels go in, so the names are safe in XML,
// paths and shells; they are re-checked here anyway, before anything is named after them.
import { isValidName } from '@vlm/schemas';

/** The storage pool VLM keeps its disks in. */
export const volumePool = 'vlm';

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
