// A lab as Terraform JSON (main.tf.json) for the dmacvicar/libvirt provider ~> 0.9.7, built from
// what the host recorded: the lab definition, the libvirt names and ports of its parts, the images
// on this host. It mirrors what the deployer makes (vm-creation.ts, domain-xml.ts, network-xml.ts);
// what the provider cannot say is listed in the document's "//" comment and returned, never dropped.
import { formatIpv4, parseCidr, type Lab, type Network, type VM } from '@vlm/schemas';
import type { ImageFiles } from '../images/image-store';
import { mergeCloudConfig } from '../deploy/cloud-config';
import { labNics, nicMac, seedInterfaces } from '../deploy/lab-addresses';
import { labDomainName, labNetworkName, labVolumeName, volumeName } from '../deploy/lab-resources';
import { renderMetaData, renderNetworkConfig } from '../deploy/nocloud-seed';
import { sshForwardArguments } from '../libvirt/domain-xml';
import type { ReadonlyHostState } from '../state/state-store';
import { reference, resourceLabel, templateLiteral } from './terraform-strings';

type ReadonlyLabRecord = ReadonlyHostState['labs'][string];

export const terraformFileName = 'main.tf.json';
export const providerSource = 'dmacvicar/libvirt';
/** qemu_commandline exists from 0.9.5; `~> 0.9` would also allow 0.9.0–0.9.4. */
export const providerVersion = '~> 0.9.7';

export interface TerraformExportInput {
  /** The lab as the host recorded it. */
  lab: Lab;
  record: ReadonlyLabRecord | undefined;
  /** The storage pool VLM keeps this host's disks in: the default of var.pool. */
  volumePool: string;
  domainType: 'kvm' | 'qemu';
  /** The files of each image the lab names; undefined for an image not on this host. */
  images: ReadonlyMap<string, ImageFiles | undefined>;
  /** Where a UEFI domain's variable store is on this host. */
  nvramPathFor: (domain: string) => string;
}

export interface TerraformExport {
  fileName: typeof terraformFileName;
  /** The document as a JSON value (references and escapes already written in). */
  document: Record<string, unknown>;
  /** main.tf.json's text. */
  text: string;
  /** What the provider cannot express, one sentence each; also the document's "//" comment. */
  unexpressed: string[];
}

/** A Terraform expression: written as `${...}` and never escaped. */
class Expression {
  constructor(readonly text: string) {}
}

/** Every literal string escaped as a template literal; expressions written as they are. */
function finish(value: unknown): unknown {
  if (value instanceof Expression) return value.text;
  if (typeof value === 'string') return templateLiteral(value);
  if (Array.isArray(value)) return value.map(finish);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, finish(item)]));
  }
  return value;
}

const vmFieldsExported = new Set([
  'name',
  'description',
  'vcpu',
  'ram_mb',
  'disk_gb',
  'os_image',
  'networks',
  'ssh_port',
  'vnc_port',
  'depends_on',
  'autostart',
  'firmware',
  'ssh_authorized_keys',
  'cloud_init',
]);
const labFieldsExported = new Set(['name', 'description', 'networks', 'vms']);
const networkFieldsExported = new Set(['name', 'cidr', 'mode', 'dhcp']);

/** Fields of the lab file this exporter does not know: said, not silently dropped. */
function unknownFields(lab: Lab, notes: string[]): void {
  for (const key of Object.keys(lab))
    if (!labFieldsExported.has(key)) notes.push(`lab field ${key}: not exported (no Terraform equivalent)`);
  for (const network of lab.networks ?? []) {
    for (const key of Object.keys(network))
      if (!networkFieldsExported.has(key)) notes.push(`network ${network.name}: field ${key} is not exported (no Terraform equivalent)`);
  }
  for (const vm of lab.vms) {
    for (const key of Object.keys(vm)) {
      if (vmFieldsExported.has(key)) continue;
      if (key === 'ansible_config_yaml')
        notes.push(`vm ${vm.name}: ansible_config_yaml is not exported: provisioning is not a libvirt resource`);
      else if (key === 'tags') notes.push(`vm ${vm.name}: tags are not exported: libvirt_domain has no tags`);
      else notes.push(`vm ${vm.name}: field ${key} is not exported (no Terraform equivalent)`);
    }
  }
}

function networkResource(input: TerraformExportInput, network: Network): Record<string, unknown> {
  const { lab, record } = input;
  const cidr = parseCidr(network.cidr);
  if (!cidr.ok) throw new Error(`network ${network.name}: ${cidr.problem}`);
  const { network: base, prefix, last } = cidr.value;
  const ip: Record<string, unknown> = { address: formatIpv4(base + 1), netmask: formatIpv4(2 ** 32 - 2 ** (32 - prefix)) };
  if (network.dhcp ?? true) {
    const hosts = lab.vms.flatMap((vm) =>
      labNics(lab, vm)
        .filter((nic) => nic.network === network.name && nic.ip !== undefined)
        .map((nic) => ({ mac: nic.mac, name: vm.name, ip: nic.ip })),
    );
    ip.dhcp = { ranges: [{ start: formatIpv4(base + 2), end: formatIpv4(last - 1) }], ...(hosts.length > 0 ? { hosts } : {}) };
  }
  const resource: Record<string, unknown> = { name: labNetworkName(record, lab.name, network.name) };
  // Isolated: no forward, and libvirt's DNS off, as network-xml.ts makes it.
  if (network.mode === 'nat') resource.forward = { mode: 'nat' };
  else resource.dns = { enable: 'no' };
  resource.ips = [ip];
  const onAutostartVm = lab.vms.some((vm) => vm.autostart && labNics(lab, vm).some((nic) => nic.network === network.name));
  if (onAutostartVm) resource.autostart = true;
  return resource;
}

interface VmResources {
  disk: Record<string, unknown>;
  cloudinit: Record<string, unknown>;
  seed: Record<string, unknown>;
  domain: Record<string, unknown>;
}

const poolExpression = new Expression(reference('var', 'pool'));

function diskResource(input: TerraformExportInput, vm: VM, image: ImageFiles | undefined, notes: string[]): Record<string, unknown> {
  const { lab, record, volumePool } = input;
  const disk: Record<string, unknown> = {
    name: labVolumeName(record, volumePool, lab.name, vm.name),
    pool: poolExpression,
    capacity: vm.disk_gb * 1024 ** 3,
    target: { format: { type: 'qcow2' } },
  };
  if (image?.disk !== undefined && image.diskFormat !== undefined) {
    disk.backing_store = { path: image.disk, format: { type: image.diskFormat } };
  } else {
    notes.push(
      `vm ${vm.name}: image ${vm.os_image} is not on this host, so its disk's base image is unknown: ` +
        `the volume is exported blank (no backing_store); pull the image (vlm image pull) and export again`,
    );
  }
  return disk;
}

/** The NoCloud seed: the user's keys and cloud-config, without VLM's own lab key. */
function seedResources(
  input: TerraformExportInput,
  vm: VM,
  domain: string,
): { cloudinit: Record<string, unknown>; seed: Record<string, unknown> } {
  const { lab } = input;
  const keys = vm.ssh_authorized_keys ?? [];
  const seedOptions = { instanceId: domain, hostname: vm.name, sshAuthorizedKeys: keys };
  const interfaces = seedInterfaces(lab, vm);
  const networkConfig = interfaces ? renderNetworkConfig({ ...seedOptions, interfaces }) : undefined;
  const cloudinit: Record<string, unknown> = {
    name: `${domain}.seed`,
    user_data: mergeCloudConfig({
      hostname: vm.name,
      sshAuthorizedKeys: keys,
      ...(vm.cloud_init === undefined ? {} : { cloudInit: vm.cloud_init }),
    }),
    meta_data: renderMetaData(seedOptions),
    ...(networkConfig === undefined ? {} : { network_config: networkConfig }),
  };
  const cloudinitAddress = `libvirt_cloudinit_disk.${resourceLabel('cloudinit', vm.name)}`;
  const seed: Record<string, unknown> = {
    name: `${domain}.seed.iso`,
    pool: poolExpression,
    target: { format: { type: 'raw' } },
    create: { content: { url: new Expression(reference(cloudinitAddress, 'path')) } },
    // At 0.9.7 a changed `create` does not replace the volume: this makes a new seed reach the VM.
    lifecycle: { replace_triggered_by: [new Expression(cloudinitAddress)] },
  };
  return { cloudinit, seed };
}

function osAttributes(input: TerraformExportInput, vm: VM, domain: string, image: ImageFiles | undefined): Record<string, unknown> {
  const os: Record<string, unknown> = { type: 'hvm', type_arch: 'x86_64', type_machine: 'pc' };
  if (vm.firmware === 'uefi') {
    os.firmware = 'efi';
    os.firmware_info = { features: [{ enabled: 'no', name: 'secure-boot' }] };
    os.nv_ram = { nv_ram: input.nvramPathFor(domain) };
  }
  if (image?.kernel !== undefined) {
    os.kernel = image.kernel;
    if (image.initramfs !== undefined) os.initrd = image.initramfs;
    if (image.cmdline !== undefined) os.cmdline = image.cmdline;
  } else {
    os.boot_devices = [{ dev: 'hd' }];
  }
  return os;
}

function devices(input: TerraformExportInput, vm: VM, vncPort: number | undefined): Record<string, unknown> {
  const { lab } = input;
  const virtioSeed = vm.firmware === 'uefi';
  const disks = [
    {
      device: 'disk',
      driver: { name: 'qemu', type: 'qcow2' },
      source: {
        volume: { pool: poolExpression, volume: new Expression(reference(`libvirt_volume.${resourceLabel('disk', vm.name)}`, 'name')) },
      },
      target: { dev: 'vda', bus: 'virtio' },
    },
    {
      device: virtioSeed ? 'disk' : 'cdrom',
      driver: { name: 'qemu', type: 'raw' },
      source: {
        volume: { pool: poolExpression, volume: new Expression(reference(`libvirt_volume.${resourceLabel('seed', vm.name)}`, 'name')) },
      },
      target: virtioSeed ? { dev: 'vdb', bus: 'virtio' } : { dev: 'hdc', bus: 'ide' },
      read_only: true,
    },
  ];
  const interfaces = labNics(lab, vm).map((nic) => ({
    source: { network: { network: new Expression(reference(`libvirt_network.${resourceLabel('net', nic.network)}`, 'name')) } },
    mac: { address: nic.mac },
    model: { type: 'virtio' },
  }));
  const result: Record<string, unknown> = { disks };
  if (interfaces.length > 0) result.interfaces = interfaces;
  result.rngs = [{ model: 'virtio', backend: { random: '/dev/urandom' } }];
  if (vncPort !== undefined) {
    const variable = `vnc_password_${vm.name.replace(/-/g, '_')}`;
    result.graphics = [
      { vnc: { port: vncPort, auto_port: false, listen: '127.0.0.1', passwd: new Expression(reference('var', variable)) } },
    ];
  }
  return result;
}

/** A VM's domain; its VNC password becomes a sensitive variable, never written into the file. */
function domainResource(input: TerraformExportInput, vm: VM, image: ImageFiles | undefined, notes: string[]): Record<string, unknown> {
  const { lab, record } = input;
  const domain = labDomainName(record, lab.name, vm.name);
  const ports = record?.resources.ports ?? [];
  const sshPort = ports.find((port) => port.vm === vm.name && port.kind === 'ssh')?.port ?? vm.ssh_port;
  const vncPort = ports.find((port) => port.vm === vm.name && port.kind === 'vnc')?.port ?? vm.vnc_port;
  const resource: Record<string, unknown> = {
    name: domain,
    type: input.domainType,
    ...(vm.description === undefined ? {} : { description: vm.description }),
    memory: vm.ram_mb,
    memory_unit: 'MiB',
    vcpu: vm.vcpu,
    os: osAttributes(input, vm, domain, image),
    features: { acpi: true, apic: {} },
    ...(input.domainType === 'kvm' ? { cpu: { mode: 'host-passthrough' } } : {}),
    on_poweroff: 'destroy',
    on_reboot: 'restart',
    on_crash: 'destroy',
    devices: devices(input, vm, vncPort),
  };
  if (sshPort !== undefined) {
    resource.qemu_commandline = {
      args: sshForwardArguments(sshPort, 22, nicMac(lab.name, vm.name, 'management')).map((value) => ({ value })),
    };
  } else {
    notes.push(`vm ${vm.name}: no SSH port is recorded (the lab was never applied here) and ssh_port is unset: no SSH forward is exported`);
  }
  resource.running = true;
  if (vm.autostart) resource.autostart = true;
  if ((vm.depends_on ?? []).length > 0) {
    resource.depends_on = (vm.depends_on ?? []).map((name) => new Expression(`libvirt_domain.${resourceLabel('vm', name)}`));
    notes.push(`vm ${vm.name}: depends_on only orders creation in Terraform; VLM also waits for each dependency's SSH`);
  }
  domainNotes(vm, vncPort, notes);
  return resource;
}

function domainNotes(vm: VM, vncPort: number | undefined, notes: string[]): void {
  notes.push(
    `vm ${vm.name}: serial console (a pty copied to a log file by virtlogd) is not exported: the provider's pty source needs a path, which libvirt picks at start`,
    `vm ${vm.name}: lab NICs at fixed PCI slots from 0x10 are not exported (the provider has no interface address): libvirt places them, and may take slot 0x9, which the SSH forward's NIC asks QEMU for`,
    `vm ${vm.name}: VLM's metadata (lab, VM, data directory) is not exported: a VM Terraform makes is not VLM's`,
    `vm ${vm.name}: VLM's own lab SSH key is not in the seed: only ssh_authorized_keys of the lab file are`,
  );
  if (vncPort !== undefined)
    notes.push(`vm ${vm.name}: the VNC password is not exported: set variable vnc_password_${vm.name.replace(/-/g, '_')}`);
}

function vmResources(input: TerraformExportInput, vm: VM, notes: string[]): VmResources {
  const domainName = labDomainName(input.record, input.lab.name, vm.name);
  const image = input.images.get(vm.os_image);
  const { cloudinit, seed } = seedResources(input, vm, domainName);
  return { disk: diskResource(input, vm, image, notes), cloudinit, seed, domain: domainResource(input, vm, image, notes) };
}

function variables(input: TerraformExportInput): Record<string, unknown> {
  const result: Record<string, unknown> = {
    libvirt_uri: { type: 'string', default: 'qemu:///system', description: 'the libvirt connection URI' },
    pool: {
      type: 'string',
      default: input.volumePool,
      description: "the storage pool for the lab's disks (the exporting host's VLM pool)",
    },
  };
  const ports = input.record?.resources.ports ?? [];
  for (const vm of input.lab.vms) {
    if (!ports.some((port) => port.vm === vm.name && port.kind === 'vnc') && vm.vnc_port === undefined) continue;
    result[`vnc_password_${vm.name.replace(/-/g, '_')}`] = {
      type: 'string',
      sensitive: true,
      description: `VNC password of ${vm.name}: 1 to 8 letters or digits`,
    };
  }
  return result;
}

/** main.tf.json for a recorded lab. Throws on a name that cannot be a Terraform label. */
export function exportTerraform(input: TerraformExportInput): TerraformExport {
  const { lab } = input;
  // A VM's disk name is checked like every name that reaches a path.
  for (const vm of lab.vms) volumeName(lab.name, vm.name);
  const notes: string[] = [];
  unknownFields(lab, notes);
  const network: Record<string, unknown> = {};
  for (const item of lab.networks ?? []) network[resourceLabel('net', item.name)] = networkResource(input, item);
  const volume: Record<string, unknown> = {};
  const cloudinitDisk: Record<string, unknown> = {};
  const domain: Record<string, unknown> = {};
  for (const vm of lab.vms) {
    const parts = vmResources(input, vm, notes);
    volume[resourceLabel('disk', vm.name)] = parts.disk;
    volume[resourceLabel('seed', vm.name)] = parts.seed;
    cloudinitDisk[resourceLabel('cloudinit', vm.name)] = parts.cloudinit;
    domain[resourceLabel('vm', vm.name)] = parts.domain;
  }
  const resource: Record<string, unknown> = {};
  if (Object.keys(network).length > 0) resource.libvirt_network = network;
  resource.libvirt_cloudinit_disk = cloudinitDisk;
  resource.libvirt_volume = volume;
  resource.libvirt_domain = domain;
  const comment = [
    `Lab ${lab.name}, exported by VLM for ${providerSource} ${providerVersion}.`,
    ...(lab.description === undefined ? [] : [`Description: ${lab.description}`]),
    'Not expressible with the provider:',
    ...notes,
  ];
  const document = finish({
    '//': comment.join('\n'),
    terraform: { required_providers: { libvirt: { source: providerSource, version: providerVersion } } },
    variable: variables(input),
    provider: { libvirt: { uri: new Expression(reference('var', 'libvirt_uri')) } },
    resource,
  }) as Record<string, unknown>;
  return { fileName: terraformFileName, document, text: `${JSON.stringify(document, null, 2)}\n`, unexpressed: notes };
}
