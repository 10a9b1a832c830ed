// Domain XML for a lab VM: qcow2 disk, BIOS or UEFI (OVMF) firmware, optional direct kernel
// boot, serial console logged to a file, VNC on loopback, NICs on lab networks, and SSH reached
// only through a loopback port forward of QEMU user networking with restrict=on (no way out).
import type { DomainType, VlmMetadata } from './hypervisor';
import { HypervisorError } from './hypervisor';
import { buildVlmMetadataElement } from './vlm-metadata';
import { checkHostPath, checkInteger, checkLibvirtName, checkUuid, escapeXml } from './xml-text';

export const qemuCommandLineNamespace = 'http://libvirt.org/schemas/domain/qemu/1.0';

/** PCI slot of the user-net NIC: explicit, as libvirt does not know QEMU devices it did not add. */
export const userNetworkPciSlot = 0x9;
/** Lab NICs get slots from here, so libvirt's automatic placement never takes the user-net slot. */
const firstLabNicPciSlot = 0x10;
const maximumLabNics = 0x1f - firstLabNicPciSlot + 1;

export interface DomainDisk {
  /** Path of the image file (typically a volume's path). */
  path: string;
  format?: 'qcow2' | 'raw';
}

export interface DirectKernelBoot {
  kernel: string;
  initrd?: string;
  cmdline?: string;
}

export interface DomainSpec {
  name: string;
  type: DomainType;
  uuid?: string;
  vcpu: number;
  memoryMiB: number;
  disk?: DomainDisk;
  /** A read-only CD-ROM, e.g. a cloud-init seed image. */
  cdrom?: string;
  /**
   * Where the CD-ROM goes. Machine 'pc' has IDE, which every kernel reads; 'virtio' attaches it
   * as a read-only virtio disk instead. No SATA: 'pc' has no AHCI controller and cloud kernels
   * often lack the driver. Default 'ide'.
   */
  cdromBus?: 'ide' | 'virtio';
  /** A virtio RNG, so guests need not wait for entropy to make their SSH host keys. Default true. */
  randomNumberGenerator?: boolean;
  kernelBoot?: DirectKernelBoot;
  /** 'uefi' boots OVMF (libvirt picks the firmware build); default 'bios' (SeaBIOS). */
  firmware?: 'bios' | 'uefi';
  /** Where a UEFI guest's variable store lives (made by libvirt from OVMF's template); uefi only. */
  nvramPath?: string;
  /** File the serial console's output is copied to (by virtlogd). */
  serialLogPath?: string;
  /** VNC display on 127.0.0.1 at this TCP port. */
  vncPort?: number;
  /** The VNC password (1-8 letters or digits); required with vncPort: no display without one. */
  vncPassword?: string;
  /** Lab (libvirt) networks, one NIC each. */
  networks?: Array<{ network: string; mac?: string }>;
  /** Host port on 127.0.0.1 forwarded to the guest's SSH port. */
  sshHostPort?: number;
  /** MAC address of the NIC carrying that forward, so the guest's network-config can name it. */
  sshMac?: string;
  sshGuestPort?: number;
  vlm?: VlmMetadata;
}

const macPattern = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function checkDomainSpec(spec: DomainSpec): void {
  checkLibvirtName('domain', spec.name);
  if (spec.type !== 'kvm' && spec.type !== 'qemu')
    throw new HypervisorError('invalid-argument', `Invalid domain type ${JSON.stringify(spec.type)}: expected 'kvm' or 'qemu'`);
  if (spec.uuid !== undefined) checkUuid(spec.uuid);
  checkInteger('vcpu count', spec.vcpu, 1, 256);
  checkInteger('memory (MiB)', spec.memoryMiB, 16, 4 * 1024 * 1024);
  if (spec.disk) checkHostPath('disk', spec.disk.path);
  if (spec.cdrom !== undefined) checkHostPath('CD-ROM', spec.cdrom);
  if (spec.cdromBus !== undefined && spec.cdromBus !== 'ide' && spec.cdromBus !== 'virtio') {
    throw new HypervisorError('invalid-argument', `Invalid CD-ROM bus ${JSON.stringify(spec.cdromBus)}: expected 'ide' or 'virtio'`);
  }
  if (spec.kernelBoot) {
    checkHostPath('kernel', spec.kernelBoot.kernel);
    if (spec.kernelBoot.initrd !== undefined) checkHostPath('initrd', spec.kernelBoot.initrd);
  }
  if (spec.firmware !== undefined && spec.firmware !== 'bios' && spec.firmware !== 'uefi') {
    throw new HypervisorError('invalid-argument', `Invalid firmware ${JSON.stringify(spec.firmware)}: expected 'bios' or 'uefi'`);
  }
  if (spec.nvramPath !== undefined) {
    if (spec.firmware !== 'uefi') throw new HypervisorError('invalid-argument', 'An NVRAM file is for UEFI guests only');
    checkHostPath('NVRAM', spec.nvramPath);
  }
  if (spec.sshMac !== undefined && !macPattern.test(spec.sshMac))
    throw new HypervisorError('invalid-argument', `Invalid MAC address ${JSON.stringify(spec.sshMac)}`);
  if (spec.serialLogPath !== undefined) checkHostPath('serial log', spec.serialLogPath);
  if (spec.vncPort !== undefined) checkInteger('VNC port', spec.vncPort, 5900, 65535);
  if (spec.vncPort !== undefined && spec.vncPassword === undefined)
    throw new HypervisorError('invalid-argument', 'A VNC display needs a password');
  if (spec.vncPassword !== undefined && !/^[A-Za-z0-9]{1,8}$/.test(spec.vncPassword)) {
    throw new HypervisorError('invalid-argument', 'A VNC password is 1 to 8 letters or digits (VNC authentication uses no more)');
  }
  if (spec.sshHostPort !== undefined) checkInteger('SSH host port', spec.sshHostPort, 1024, 65535);
  if (spec.sshGuestPort !== undefined) checkInteger('SSH guest port', spec.sshGuestPort, 1, 65535);
  const networks = spec.networks ?? [];
  if (networks.length > maximumLabNics)
    throw new HypervisorError('invalid-argument', `A domain can have at most ${maximumLabNics} lab networks`);
  for (const nic of networks) {
    checkLibvirtName('network', nic.network);
    if (nic.mac !== undefined && !macPattern.test(nic.mac))
      throw new HypervisorError('invalid-argument', `Invalid MAC address ${JSON.stringify(nic.mac)}`);
  }
}

function pciAddress(slot: number): string {
  return `<address type='pci' domain='0x0000' bus='0x00' slot='0x${slot.toString(16).padStart(2, '0')}' function='0x0'/>`;
}

/**
 * QEMU's arguments for the SSH forward: user networking with restrict=on (no way out), one
 * loopback port forwarded to the guest's SSH port, on a NIC at the fixed user-net slot.
 */
export function sshForwardArguments(hostPort: number, guestPort: number, mac: string | undefined): string[] {
  // libvirt 9.0 has no restrict=on user networking of its own (passt is refused), so QEMU gets it directly.
  const netdev = `user,id=vlmssh0,restrict=on,hostfwd=tcp:127.0.0.1:${hostPort}-:${guestPort}`;
  const macOption = mac === undefined ? '' : `,mac=${mac.toLowerCase()}`;
  const device = `virtio-net-pci,netdev=vlmssh0,bus=pci.0,addr=0x${userNetworkPciSlot.toString(16)}${macOption}`;
  return ['-netdev', netdev, '-device', device];
}

export function buildDomainXml(spec: DomainSpec): string {
  checkDomainSpec(spec);
  const lines: string[] = [];
  const add = (indent: number, line: string) => lines.push(' '.repeat(indent * 2) + line);

  add(0, `<domain type='${escapeXml(spec.type)}' xmlns:qemu='${qemuCommandLineNamespace}'>`);
  add(1, `<name>${escapeXml(spec.name)}</name>`);
  if (spec.uuid) add(1, `<uuid>${escapeXml(spec.uuid)}</uuid>`);
  if (spec.vlm) add(1, `<metadata>${buildVlmMetadataElement(spec.vlm)}</metadata>`);
  add(1, `<memory unit='MiB'>${spec.memoryMiB}</memory>`);
  add(1, `<vcpu>${spec.vcpu}</vcpu>`);
  // UEFI: libvirt picks OVMF from the firmware descriptors QEMU's packages install.
  add(1, spec.firmware === 'uefi' ? `<os firmware='efi'>` : '<os>');
  // i440fx ('pc'): the user-net NIC is placed on its root bus pci.0.
  add(2, `<type arch='x86_64' machine='pc'>hvm</type>`);
  if (spec.firmware === 'uefi') {
    // Plain OVMF: secure boot needs q35 and SMM, and VLM's guests boot unsigned kernels.
    add(2, `<firmware><feature enabled='no' name='secure-boot'/></firmware>`);
    if (spec.nvramPath !== undefined) add(2, `<nvram>${escapeXml(spec.nvramPath)}</nvram>`);
  }
  if (spec.kernelBoot) {
    add(2, `<kernel>${escapeXml(spec.kernelBoot.kernel)}</kernel>`);
    if (spec.kernelBoot.initrd) add(2, `<initrd>${escapeXml(spec.kernelBoot.initrd)}</initrd>`);
    if (spec.kernelBoot.cmdline) add(2, `<cmdline>${escapeXml(spec.kernelBoot.cmdline)}</cmdline>`);
  } else {
    add(2, `<boot dev='hd'/>`);
  }
  add(1, '</os>');
  add(1, '<features><acpi/><apic/></features>');
  // Under KVM the guest sees the host's CPU; under TCG QEMU's default model is the safe choice.
  if (spec.type === 'kvm') add(1, `<cpu mode='host-passthrough'/>`);
  add(1, '<on_poweroff>destroy</on_poweroff>');
  add(1, '<on_reboot>restart</on_reboot>');
  add(1, '<on_crash>destroy</on_crash>');
  add(1, '<devices>');
  if (spec.disk) {
    add(2, `<disk type='file' device='disk'>`);
    add(3, `<driver name='qemu' type='${escapeXml(spec.disk.format ?? 'qcow2')}'/>`);
    add(3, `<source file='${escapeXml(spec.disk.path)}'/>`);
    add(3, `<target dev='vda' bus='virtio'/>`);
    add(2, '</disk>');
  }
  if (spec.cdrom !== undefined) {
    const virtio = spec.cdromBus === 'virtio';
    add(2, `<disk type='file' device='${virtio ? 'disk' : 'cdrom'}'>`);
    add(3, `<driver name='qemu' type='raw'/>`);
    add(3, `<source file='${escapeXml(spec.cdrom)}'/>`);
    add(3, virtio ? `<target dev='vdb' bus='virtio'/>` : `<target dev='hdc' bus='ide'/>`);
    add(3, '<readonly/>');
    add(2, '</disk>');
  }
  (spec.networks ?? []).forEach((nic, index) => {
    add(2, `<interface type='network'>`);
    add(3, `<source network='${escapeXml(nic.network)}'/>`);
    if (nic.mac) add(3, `<mac address='${escapeXml(nic.mac.toLowerCase())}'/>`);
    add(3, `<model type='virtio'/>`);
    add(3, pciAddress(firstLabNicPciSlot + index));
    add(2, '</interface>');
  });
  if (spec.randomNumberGenerator ?? true) {
    add(2, `<rng model='virtio'>`);
    add(3, `<backend model='random'>/dev/urandom</backend>`);
    add(2, '</rng>');
  }
  add(2, `<serial type='pty'>`);
  if (spec.serialLogPath) add(3, `<log file='${escapeXml(spec.serialLogPath)}' append='off'/>`);
  add(3, `<target port='0'/>`);
  add(2, '</serial>');
  add(2, `<console type='pty'><target type='serial' port='0'/></console>`);
  if (spec.vncPort !== undefined) {
    // Loopback only, and a password: any local user can reach 127.0.0.1.
    add(2, `<graphics type='vnc' port='${spec.vncPort}' autoport='no' listen='127.0.0.1' passwd='${escapeXml(spec.vncPassword ?? '')}'>`);
    add(3, `<listen type='address' address='127.0.0.1'/>`);
    add(2, '</graphics>');
  }
  add(1, '</devices>');
  if (spec.sshHostPort !== undefined) {
    add(1, '<qemu:commandline>');
    for (const value of sshForwardArguments(spec.sshHostPort, spec.sshGuestPort ?? 22, spec.sshMac))
      add(2, `<qemu:arg value='${escapeXml(value)}'/>`);
    add(1, '</qemu:commandline>');
  }
  add(0, '</domain>');
  return `${lines.join('\n')}\n`;
}
