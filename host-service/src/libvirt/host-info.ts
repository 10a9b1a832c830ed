// What the host offers: name, versions, CPUs and memory from libvirt's capabilities, and whether
// VMs get KVM or fall back to QEMU software emulation. Whether KVM works is probed by booting a
// guest (kvm-probe.ts), once per bus and driver, since it does not change while the process runs.
import { connectInterface, propertiesInterface } from './constants';
import { toNumber } from './dbus-call';
import type { HostInfo } from './hypervisor';
import { type KvmProbeResult, probeKvm } from './kvm-probe';
import { libvirtConnectionKind } from './libvirt-connection-kind';
import type { LibvirtConnection } from './libvirt-connection';
import { toBytes, unpackProperties } from './libvirt-objects';
import { child, descendants, parseXml, type XmlElement } from './xml-parse';

/** Whether KVM works does not change while the process runs: probe once per bus and driver. */
const kvmProbes = new Map<string, Promise<KvmProbeResult>>();

const tcgSlowdown = 'VMs run under QEMU software emulation (TCG), which is much slower.';

function formatLibvirtVersion(value: number): string {
  if (!value) return '';
  return `${Math.floor(value / 1_000_000)}.${Math.floor(value / 1000) % 1000}.${value % 1000}`;
}

/** CPUs and memory summed over the NUMA cells of libvirt's capabilities. */
function hostSize(capabilities: XmlElement): { cpus: number; memoryBytes: number } {
  const cells = descendants(child(capabilities, 'host', 'topology') ?? capabilities, 'cell');
  let cpus = 0;
  let memoryBytes = 0;
  for (const cell of cells) {
    cpus += Number(child(cell, 'cpus')?.attributes.num ?? '0');
    const memory = child(cell, 'memory');
    if (memory) memoryBytes += toBytes(Number(memory.text.trim()), memory.attributes.unit ?? 'KiB');
  }
  return { cpus, memoryBytes };
}

/** Whether libvirt offers KVM guests for x86_64 at all. */
function offersKvm(capabilities: XmlElement): boolean {
  const guestDomainTypes = descendants(capabilities, 'guest')
    .filter((guest) => child(guest, 'arch')?.attributes.name === 'x86_64')
    .flatMap((guest) => descendants(guest, 'domain').map((domain) => domain.attributes.type));
  return guestDomainTypes.includes('kvm');
}

export class LibvirtHostInfo {
  private cache: Promise<HostInfo> | undefined;

  constructor(private readonly connection: LibvirtConnection) {}

  hostInfo(): Promise<HostInfo> {
    this.cache ??= this.readHostInfo().catch((error: unknown) => {
      this.cache = undefined;
      throw error;
    });
    return this.cache;
  }

  /** After a reconnection: libvirtd may have restarted, even upgraded, meanwhile. */
  forget(): void {
    this.cache = undefined;
  }

  private async readHostInfo(): Promise<HostInfo> {
    const { call, connectPath } = this.connection;
    const driver = this.connection.options.driver;
    const [propertiesBody, capabilitiesBody] = await Promise.all([
      call({
        path: connectPath,
        interface: propertiesInterface,
        member: 'GetAll',
        signature: 's',
        body: [connectInterface],
      }),
      call({ path: connectPath, interface: connectInterface, member: 'GetCapabilities' }),
    ]);
    const properties = unpackProperties(propertiesBody[0]);
    const libvirtConnection = libvirtConnectionKind({
      driver,
      onSystemBus: this.connection.busAddress() === undefined,
      serviceUserId: driver === 'test' ? 0 : await this.connection.serviceUserId(),
    });
    const capabilities = parseXml(String(capabilitiesBody[0]));
    const info: HostInfo = {
      hostname: String(properties.Hostname ?? ''),
      libvirtVersion: formatLibvirtVersion(toNumber(properties.LibVersion ?? 0)),
      hypervisorVersion: formatLibvirtVersion(toNumber(properties.Version ?? 0)),
      driver,
      libvirtConnection,
      ...hostSize(capabilities),
      virtualization: 'test',
      domainType: 'qemu',
      warnings: [],
    };
    if (driver === 'test') return info;
    if (!offersKvm(capabilities)) {
      info.virtualization = 'qemu';
      info.warnings.push(`KVM is not available on this host (no /dev/kvm, or libvirt does not offer it): ${tcgSlowdown}`);
      return info;
    }
    const probe = await this.probeKvmOnce();
    if (probe.works) {
      info.virtualization = 'kvm';
      info.domainType = 'kvm';
    } else {
      info.virtualization = 'qemu';
      info.warnings.push(`KVM is present but a KVM guest does not run here (${probe.reason}): ${tcgSlowdown}`);
    }
    return info;
  }

  private probeKvmOnce(): Promise<KvmProbeResult> {
    const { call, connectPath } = this.connection;
    const probeKey = `${this.connection.busAddress() ?? 'system'} ${connectPath}`;
    let probing = kvmProbes.get(probeKey);
    if (!probing) {
      probing = probeKvm(call, connectPath);
      kvmProbes.set(probeKey, probing);
      probing.catch(() => kvmProbes.delete(probeKey)); // a lost connection proves nothing about KVM
    }
    return probing;
  }
}
