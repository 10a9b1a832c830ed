// Making one lab VM: its disk (a thin overlay on the image), its NoCloud seed (hostname, keys,
// cloud-init, static addresses), then its domain, whose XML is assembled here from the lab file,
// the ports recorded for the VM and the image's boot files. Each is made write-ahead.
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Lab, VM } from '@vlm/schemas';
import type { ImageFiles } from '../images/image-store';
import { buildDomainXml } from '../libvirt/domain-xml';
import { buildVolumeXml } from '../libvirt/volume-xml';
import { ensureDataFolder } from '../state/data-directory-modes';
import { mergeCloudConfig } from './cloud-config';
import type { DeployContext } from './deploy-context';
import { labNics, type LabNic, nicMac, seedInterfaces } from './lab-addresses';
import { labDomainName, labNetworkName, labVolumeName, seedPathFor, serialLogPathFor } from './lab-resources';
import { writeNoCloudSeed } from './nocloud-seed';
import type { ServiceSshKey } from './service-ssh-key';
import { creating } from './write-ahead';

export interface VmCreation {
  domainType: 'kvm' | 'qemu';
  /** The VM's image files; none on the test driver, which boots nothing. */
  image: ImageFiles | undefined;
  poolPath: string;
  serviceKey: ServiceSshKey | undefined;
  /** Throws when the apply stops; called between the parts. */
  stop: () => void;
}

/** Makes the VM's disk, seed and domain; returns the domain's name. */
export async function createVm(context: DeployContext, lab: Lab, vm: VM, creation: VmCreation): Promise<string> {
  const { hypervisor } = context.options;
  const labRecord = () => context.labRecord(lab.name);
  const name = labDomainName(labRecord(), lab.name, vm.name);
  const nics = labNics(lab, vm);
  creation.stop();
  const volumePath = await createDisk(context, lab, vm, creation);
  creation.stop();
  const { image, serviceKey } = creation;
  const seedPath =
    image !== undefined && serviceKey !== undefined
      ? await writeSeed(context, lab, vm, { name, poolPath: creation.poolPath, serviceKey })
      : undefined;
  const { xml, uuid } = await assembleDomainXml(context, lab, vm, {
    name,
    volumePath,
    seedPath,
    nics,
    domainType: creation.domainType,
    image,
  });
  creation.stop();
  // Static addresses: a fixed lease on the lab network too, for guests that ask DHCP anyway.
  for (const nic of nics) {
    const network = (lab.networks ?? []).find((item) => item.name === nic.network);
    if (nic.ip === undefined || !(network?.dhcp ?? true)) continue;
    await hypervisor.setNetworkDhcpHost(
      labNetworkName(labRecord(), lab.name, nic.network),
      { mac: nic.mac, ip: nic.ip, name: vm.name },
      true,
    );
  }
  if (vm.firmware === 'uefi') await ensureDataFolder(context.options.dataDirectory, 'nvram');
  await creating(
    context,
    lab.name,
    { kind: 'domain', name, item: vm.name, uuid },
    async () => {
      await hypervisor.defineDomain(xml);
      if (vm.autostart) await hypervisor.setAutostart(name, true);
    },
    (record) => record.resources.domains.push({ name, vm: vm.name, uuid }),
  );
  // A VM that starts with the host needs its networks up by then.
  if (vm.autostart) for (const nic of nics) await hypervisor.setNetworkAutostart(labNetworkName(labRecord(), lab.name, nic.network), true);
  const seedNote = seedPath === undefined ? '' : `, NoCloud seed on ${vm.firmware === 'uefi' ? 'virtio' : 'IDE'}`;
  await context.log(lab.name, 'info', `Defined ${name} (${vm.vcpu} vCPU, ${vm.ram_mb} MiB, ${vm.disk_gb} GiB${seedNote}).`, vm.name);
  return name;
}

/** The VM's disk in the pool, unless an interrupted apply made (and recorded) it; returns its path. */
async function createDisk(context: DeployContext, lab: Lab, vm: VM, creation: VmCreation): Promise<string> {
  const { volumePool } = context;
  const { image } = creation;
  const volume = labVolumeName(context.labRecord(lab.name), volumePool, lab.name, vm.name);
  let volumePath = join(creation.poolPath, volume);
  if (context.labRecord(lab.name)?.resources.volumes.some((item) => item.pool === volumePool && item.name === volume)) return volumePath;
  await creating(
    context,
    lab.name,
    { kind: 'volume', name: volume, pool: volumePool, item: vm.name },
    async () => {
      const made = await context.options.hypervisor.createVolume(
        volumePool,
        buildVolumeXml({
          name: volume,
          capacityBytes: vm.disk_gb * 1024 ** 3,
          // A thin overlay: only the blocks the VM writes use space.
          ...(image?.disk === undefined ? {} : { backingPath: image.disk, backingFormat: image.diskFormat }),
        }),
      );
      if (made.path) volumePath = made.path;
    },
    (record) => record.resources.volumes.push({ pool: volumePool, name: volume, vm: vm.name }),
  );
  return volumePath;
}

/** Writes the VM's NoCloud seed; returns its path. */
async function writeSeed(
  context: DeployContext,
  lab: Lab,
  vm: VM,
  target: { name: string; poolPath: string; serviceKey: ServiceSshKey },
): Promise<string> {
  const path =
    context.labRecord(lab.name)?.resources.seeds?.find((item) => item.vm === vm.name)?.path ??
    seedPathFor(target.poolPath, lab.name, vm.name);
  const keys = [target.serviceKey.publicKey, ...(vm.ssh_authorized_keys ?? [])];
  // A new instance id per apply: cloud-init redoes its first-boot work for a recreated VM. Its
  // random part is also what proves, after a crash, that the file is this apply's.
  const instanceId = `${target.name.slice(0, 111)}-${randomBytes(8).toString('hex')}`; // at most 128, as NoCloud seeds take
  await creating(
    context,
    lab.name,
    { kind: 'seed', name: path, item: vm.name, instanceId },
    async () => {
      const userData = mergeCloudConfig({
        hostname: vm.name,
        sshAuthorizedKeys: keys,
        ...(vm.cloud_init === undefined ? {} : { cloudInit: vm.cloud_init }),
      });
      const interfaces = seedInterfaces(lab, vm);
      await writeNoCloudSeed(path, {
        instanceId,
        hostname: vm.name,
        sshAuthorizedKeys: keys,
        userData,
        ...(interfaces ? { interfaces } : {}),
      });
    },
    (record) => {
      record.resources.seeds ??= [];
      const seeds = record.resources.seeds;
      if (!seeds.some((item) => item.path === path)) seeds.push({ path, vm: vm.name });
    },
  );
  return path;
}

interface DomainParts {
  name: string;
  volumePath: string;
  seedPath: string | undefined;
  nics: readonly LabNic[];
  domainType: 'kvm' | 'qemu';
  image: ImageFiles | undefined;
}

/** The domain's XML and the UUID it gives the domain; makes the VNC password first. */
async function assembleDomainXml(context: DeployContext, lab: Lab, vm: VM, parts: DomainParts): Promise<{ xml: string; uuid: string }> {
  const { name, seedPath, image } = parts;
  const labRecord = context.labRecord(lab.name);
  const ports = labRecord?.resources.ports ?? [];
  const uuid = randomUUID();
  const sshPort = ports.find((port) => port.vm === vm.name && port.kind === 'ssh')?.port;
  const vncPort = ports.find((port) => port.vm === vm.name && port.kind === 'vnc')?.port;
  // On disk before the domain is defined: a display is never left without its recorded password.
  const vncPassword = vncPort === undefined ? undefined : await context.vncPasswords.create(name);
  const xml = buildDomainXml({
    name,
    type: parts.domainType,
    vcpu: vm.vcpu,
    memoryMiB: vm.ram_mb,
    disk: { path: parts.volumePath },
    // Under OVMF, Linux finds no IDE CD-ROM on 'pc' (the firmware leaves the channel unusable), so UEFI guests read the seed from virtio.
    ...(seedPath === undefined ? {} : { cdrom: seedPath, cdromBus: vm.firmware === 'uefi' ? ('virtio' as const) : ('ide' as const) }),
    networks: parts.nics.map((nic) => ({ network: labNetworkName(context.labRecord(lab.name), lab.name, nic.network), mac: nic.mac })),
    ...(vncPort === undefined ? {} : { vncPort, vncPassword }),
    ...(sshPort === undefined ? {} : { sshHostPort: sshPort, sshMac: nicMac(lab.name, vm.name, 'management') }),
    ...(vm.firmware === 'uefi' ? { firmware: 'uefi' as const, nvramPath: context.nvramPathFor(name) } : {}),
    ...(image?.kernel === undefined
      ? {}
      : {
          kernelBoot: {
            kernel: image.kernel,
            ...(image.initramfs === undefined ? {} : { initrd: image.initramfs }),
            ...(image.cmdline === undefined ? {} : { cmdline: image.cmdline }),
          },
        }),
    ...(image === undefined ? {} : { serialLogPath: serialLogPathFor(context.options.dataDirectory, name) }),
    vlm: { lab: lab.name, vm: vm.name, dataDirectory: context.options.dataDirectory },
    // Chosen here and noted in the intent: the proof, after a crash, that this domain is this apply's.
    // It also makes libvirt refuse, rather than redefine, a domain someone else made under the name.
    uuid,
  });
  return { xml, uuid };
}
