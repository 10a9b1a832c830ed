// The Hypervisor over libvirt-dbus, composed the cockpit-machines way: a connection core (bus,
// call(), signals, poll; libvirt-connection.ts) and one module per libvirt object kind. This class
// only wires them together and delegates; DomainEvent signals are hints the domains module turns
// into re-reads.
import { LibvirtDomains } from './domains';
import { LibvirtHostInfo } from './host-info';
import {
  type Disposable,
  type DomainSummary,
  type HostInfo,
  type Hypervisor,
  type HypervisorConnectOptions,
  HypervisorError,
  type HypervisorEvent,
  type NetworkSummary,
  type SnapshotOptions,
  type SnapshotSummary,
  type StoragePoolSummary,
  type UndefineOptions,
  type VlmMetadata,
  type VolumeSummary,
} from './hypervisor';
import { LibvirtConnection, type LibvirtDbusConnectOptions } from './libvirt-connection';
import type { DhcpHost } from './network-xml';
import { LibvirtNetworks } from './networks';
import { LibvirtSnapshots } from './snapshots';
import { LibvirtStorage } from './storage';

export type { LibvirtDbusConnectOptions } from './libvirt-connection';

export class LibvirtDbusHypervisor implements Hypervisor {
  private readonly connection: LibvirtConnection;
  private readonly domains: LibvirtDomains;
  private readonly snapshots: LibvirtSnapshots;
  private readonly networks: LibvirtNetworks;
  private readonly storage: LibvirtStorage;
  private readonly host: LibvirtHostInfo;

  private constructor(options: LibvirtDbusConnectOptions) {
    this.connection = new LibvirtConnection(options, {
      refresh: () => this.domains.refreshStates(),
      domainEvent: (path, event, detail) => this.domains.onDomainEvent(path, event, detail),
      forgetCaches: () => {
        this.domains.forgetIdentities();
        this.host.forget();
      },
    });
    this.domains = new LibvirtDomains(this.connection);
    this.snapshots = new LibvirtSnapshots(this.connection);
    this.networks = new LibvirtNetworks(this.connection);
    this.storage = new LibvirtStorage(this.connection);
    this.host = new LibvirtHostInfo(this.connection);
  }

  static async connect(options: LibvirtDbusConnectOptions): Promise<LibvirtDbusHypervisor> {
    if (options.driver !== 'test' && options.driver !== 'qemu') {
      throw new HypervisorError('invalid-argument', `Unknown libvirt driver ${JSON.stringify(options.driver)}: expected 'test' or 'qemu'`);
    }
    const hypervisor = new LibvirtDbusHypervisor(options);
    await hypervisor.connection.open();
    return hypervisor;
  }

  hostInfo(): Promise<HostInfo> {
    return this.host.hostInfo();
  }

  listDomains(): Promise<DomainSummary[]> {
    return this.domains.listDomains();
  }

  activeDomainStats(): Promise<Map<string, Record<string, number>>> {
    return this.domains.activeDomainStats();
  }

  getDomain(name: string): Promise<DomainSummary | undefined> {
    return this.domains.getDomain(name);
  }

  getDomainXml(name: string): Promise<string> {
    return this.domains.getDomainXml(name);
  }

  /** The VLM metadata as libvirt stores it (Domain.GetMetadata), for sweeps that want to be sure. */
  getVlmMetadata(name: string): Promise<VlmMetadata | undefined> {
    return this.domains.getVlmMetadata(name);
  }

  defineDomain(xml: string): Promise<DomainSummary> {
    return this.domains.defineDomain(xml);
  }

  start(name: string): Promise<void> {
    return this.domains.start(name);
  }

  shutdown(name: string): Promise<void> {
    return this.domains.shutdown(name);
  }

  destroy(name: string): Promise<void> {
    return this.domains.destroy(name);
  }

  reboot(name: string): Promise<void> {
    return this.domains.reboot(name);
  }

  suspend(name: string): Promise<void> {
    return this.domains.suspend(name);
  }

  resume(name: string): Promise<void> {
    return this.domains.resume(name);
  }

  undefine(name: string, options?: UndefineOptions): Promise<void> {
    return this.domains.undefine(name, options);
  }

  setAutostart(name: string, autostart: boolean): Promise<void> {
    return this.domains.setAutostart(name, autostart);
  }

  createSnapshot(domain: string, options: SnapshotOptions): Promise<SnapshotSummary> {
    return this.snapshots.createSnapshot(domain, options);
  }

  listSnapshots(domain: string): Promise<SnapshotSummary[]> {
    return this.snapshots.listSnapshots(domain);
  }

  revertSnapshot(domain: string, snapshot: string): Promise<void> {
    return this.snapshots.revertSnapshot(domain, snapshot);
  }

  deleteSnapshot(domain: string, snapshot: string): Promise<void> {
    return this.snapshots.deleteSnapshot(domain, snapshot);
  }

  listNetworks(): Promise<NetworkSummary[]> {
    return this.networks.listNetworks();
  }

  getNetworkXml(name: string): Promise<string> {
    return this.networks.getNetworkXml(name);
  }

  defineNetwork(xml: string): Promise<NetworkSummary> {
    return this.networks.defineNetwork(xml);
  }

  setNetworkDhcpHost(name: string, host: DhcpHost, present: boolean): Promise<void> {
    return this.networks.setNetworkDhcpHost(name, host, present);
  }

  setNetworkAutostart(name: string, autostart: boolean): Promise<void> {
    return this.networks.setNetworkAutostart(name, autostart);
  }

  startNetwork(name: string): Promise<void> {
    return this.networks.startNetwork(name);
  }

  destroyNetwork(name: string): Promise<void> {
    return this.networks.destroyNetwork(name);
  }

  undefineNetwork(name: string): Promise<void> {
    return this.networks.undefineNetwork(name);
  }

  listStoragePools(): Promise<StoragePoolSummary[]> {
    return this.storage.listStoragePools();
  }

  getStoragePoolXml(name: string): Promise<string> {
    return this.storage.getStoragePoolXml(name);
  }

  defineStoragePool(xml: string): Promise<StoragePoolSummary> {
    return this.storage.defineStoragePool(xml);
  }

  startStoragePool(name: string): Promise<void> {
    return this.storage.startStoragePool(name);
  }

  destroyStoragePool(name: string): Promise<void> {
    return this.storage.destroyStoragePool(name);
  }

  undefineStoragePool(name: string): Promise<void> {
    return this.storage.undefineStoragePool(name);
  }

  listVolumes(pool: string): Promise<VolumeSummary[]> {
    return this.storage.listVolumes(pool);
  }

  createVolume(pool: string, xml: string): Promise<VolumeSummary> {
    return this.storage.createVolume(pool, xml);
  }

  deleteVolume(pool: string, name: string): Promise<void> {
    return this.storage.deleteVolume(pool, name);
  }

  subscribe(listener: (event: HypervisorEvent) => void): Disposable {
    return this.connection.subscribe(listener);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

export function connectLibvirt(options: HypervisorConnectOptions): Promise<Hypervisor> {
  return LibvirtDbusHypervisor.connect(options);
}
