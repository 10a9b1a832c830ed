// A lab VM's NICs: fixed MAC addresses, so the libvirt network's fixed DHCP leases, the domain's
// NICs and the guest's network-config all name the same NIC; and the network-config the guest
// gets, with its static addresses.
import { createHash } from 'node:crypto';
import { formatIpv4, hostAddressOf, parseCidr, parseIpv4, type Lab, type VM } from '@vlm/schemas';
import type { SeedInterface } from './nocloud-seed';

/** The management NIC (QEMU user networking for SSH), or the index of a lab NIC in `vm.networks`. */
export type NicSlot = 'management' | number;

/** QEMU's own locally administered prefix, then three bytes that depend only on the names. */
export function nicMac(lab: string, vm: string, slot: NicSlot): string {
  const digest = createHash('sha256').update(`${lab}\u0000${vm}\u0000${slot}`).digest();
  return ['52', '54', '00', ...[0, 1, 2].map((index) => (digest[index] as number).toString(16).padStart(2, '0'))].join(':');
}

export interface LabNic {
  /** The lab network's name, as in the lab file. */
  network: string;
  mac: string;
  /** The static address, when the lab file gives one. */
  ip?: string;
}

export function labNics(lab: Lab, vm: VM): LabNic[] {
  return (vm.networks ?? []).map((reference, index) => {
    const nic: LabNic = { network: typeof reference === 'string' ? reference : reference.name, mac: nicMac(lab.name, vm.name, index) };
    if (typeof reference !== 'string' && reference.ip !== undefined) {
      // Written the one way every reader takes (10.0.0.010 is 10.0.0.10); lab checks refuse invalid ones.
      const address = parseIpv4(reference.ip);
      nic.ip = address.ok ? formatIpv4(address.value) : reference.ip;
    }
    return nic;
  });
}

/**
 * The guest's network-config: every NIC matched by MAC. The management NIC and lab NICs without
 * a static address use DHCP (where the network serves it); static NICs get their address, and on
 * a NAT network the host as gateway. Undefined for a VM on no lab network (the image's default,
 * DHCP on the first NIC, is then right).
 */
export function seedInterfaces(lab: Lab, vm: VM): SeedInterface[] | undefined {
  const nics = labNics(lab, vm);
  if (nics.length === 0) return undefined;
  const interfaces: SeedInterface[] = [{ name: 'management', macAddress: nicMac(lab.name, vm.name, 'management'), dhcp4: true }];
  nics.forEach((nic, index) => {
    const network = (lab.networks ?? []).find((item) => item.name === nic.network);
    const cidr = network ? parseCidr(network.cidr) : undefined;
    const entry: SeedInterface = { name: `lab${index}`, macAddress: nic.mac };
    if (nic.ip !== undefined && cidr?.ok) {
      entry.addresses = [`${nic.ip}/${cidr.value.prefix}`];
      if (network?.mode === 'nat') entry.gateway4 = formatIpv4(hostAddressOf(cidr.value));
    } else {
      entry.dhcp4 = network?.dhcp ?? true;
    }
    interfaces.push(entry);
  });
  return interfaces;
}
