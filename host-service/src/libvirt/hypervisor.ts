// The host service's view of a hypervisor: what the API and deploy code call, whatever backs it
// (libvirt-dbus on the test driver or on qemu:///system). Units are bytes; names are libvirt names.
import type { HostInfoResult, VmState } from '@vlm/schemas/src/host-protocol';
import type { DhcpHost } from './network-xml';

/** How guests run: hardware KVM, QEMU's software emulation (TCG), or libvirt's test driver. */
export type Virtualization = HostInfoResult['virtualization'];

/** The `type` attribute of `<domain>` that new domains on this host should use. */
export type DomainType = 'kvm' | 'qemu';

/** What `vlm/host/info` tells about the machine (the protocol's words), and what new domains use. */
export interface HostInfo extends Omit<HostInfoResult, 'protocolVersion' | 'service'> {
  /** What to put in `<domain type=...>`: 'qemu' whenever KVM is missing or does not work. */
  domainType: DomainType;
}

/** A domain's libvirt state, as the protocol names it. */
export type DomainState = VmState;

/** The lab and VM a domain was made for, read from its `<metadata><vlm:lab .../>`. */
export interface VlmMetadata {
  lab: string;
  vm: string;
  /** The data directory of the vlm-host that made it; absent in domains older versions made. */
  dataDirectory?: string;
}

/** The lab network a libvirt network was made for, read from its `<metadata><vlm:network .../>`. */
export interface VlmNetworkMetadata {
  lab: string;
  network: string;
  dataDirectory: string;
}

export interface DomainSummary {
  uuid: string;
  name: string;
  state: DomainState;
  vcpu: number;
  /** Current memory (balloon) in bytes; the configured maximum when the domain is off. */
  memoryBytes: number;
  persistent: boolean;
  autostart: boolean;
  /** Absent for domains VLM did not make. */
  vlm?: VlmMetadata;
}

export interface SnapshotOptions {
  name: string;
  description?: string;
}

export interface SnapshotSummary {
  name: string;
  description: string;
  /** ISO 8601; from the snapshot's `<creationTime>`. */
  createdAt: string;
  /** Domain state when the snapshot was taken, e.g. 'running' or 'shut-off'. */
  domainState: string;
  current: boolean;
  parent?: string;
}

export interface NetworkSummary {
  uuid: string;
  name: string;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

export interface StoragePoolSummary {
  uuid: string;
  name: string;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

export interface VolumeSummary {
  pool: string;
  name: string;
  path: string;
  key: string;
  capacityBytes: number;
  allocationBytes: number;
}

/** Lifecycle event kinds, after libvirt's VIR_DOMAIN_EVENT_* names. */
export type DomainEventKind =
  | 'defined'
  | 'undefined'
  | 'started'
  | 'suspended'
  | 'resumed'
  | 'stopped'
  | 'shutdown'
  | 'pm-suspended'
  | 'crashed';

export type HypervisorEvent =
  | {
      type: 'domain';
      kind: DomainEventKind;
      /** libvirt's detail for the kind, e.g. 'booted', 'destroyed', 'paused'. */
      detail: string;
      name: string;
      uuid: string;
      /** The domain as re-read after the event; absent when it no longer exists. */
      domain?: DomainSummary;
    }
  /** The poll backstop saw a domain change that no signal reported (or a signal was missed). */
  | { type: 'domain-changed'; name: string; uuid: string; domain?: DomainSummary }
  | { type: 'connection-lost'; reason: string }
  | { type: 'connection-restored' };

export interface Disposable {
  dispose(): void;
}

export type HypervisorErrorCode =
  | 'no-such-domain'
  | 'no-such-network'
  | 'no-such-snapshot'
  | 'no-such-pool'
  | 'no-such-volume'
  /** The operation does not fit the object's state, e.g. starting a running domain. */
  | 'invalid-operation'
  | 'already-exists'
  | 'invalid-argument'
  | 'timeout'
  | 'disconnected'
  | 'libvirt';

/** Every failure of a Hypervisor method is one of these. */
export class HypervisorError extends Error {
  override readonly name = 'HypervisorError';
  constructor(
    readonly code: HypervisorErrorCode,
    message: string,
    /** libvirt's own error (org.libvirt.Error text) when there is one. */
    readonly libvirtMessage?: string,
  ) {
    super(message);
  }
}

export interface UndefineOptions {
  /** Also delete its snapshots' metadata (needed to undefine a domain that has snapshots). Default true. */
  snapshots?: boolean;
}

/**
 * Domains, networks, pools and volumes are addressed by name. Methods throw HypervisorError.
 * Events: `subscribe` gets every event until its Disposable is disposed.
 */
export interface Hypervisor {
  hostInfo(): Promise<HostInfo>;

  listDomains(): Promise<DomainSummary[]>;
  /**
   * Every running or paused domain's cumulative counters by name, from one GetAllDomainStats call:
   * libvirt's keys (`cpu.time`, `balloon.current`, `block.0.rd.bytes`...) with their numeric values.
   */
  activeDomainStats(): Promise<Map<string, Record<string, number>>>;
  /** Undefined when no domain has that name. */
  getDomain(name: string): Promise<DomainSummary | undefined>;
  /** Live XML when running (holds e.g. the serial pty path), else the persistent XML. */
  getDomainXml(name: string): Promise<string>;
  /** Defines (or redefines) a persistent domain; returns it. */
  defineDomain(xml: string): Promise<DomainSummary>;
  start(name: string): Promise<void>;
  /** Asks the guest to power off (ACPI); returns without waiting for it. */
  shutdown(name: string): Promise<void>;
  /** Forced stop, like pulling the plug. */
  destroy(name: string): Promise<void>;
  reboot(name: string): Promise<void>;
  suspend(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  undefine(name: string, options?: UndefineOptions): Promise<void>;
  setAutostart(name: string, autostart: boolean): Promise<void>;

  createSnapshot(domain: string, options: SnapshotOptions): Promise<SnapshotSummary>;
  listSnapshots(domain: string): Promise<SnapshotSummary[]>;
  revertSnapshot(domain: string, snapshot: string): Promise<void>;
  deleteSnapshot(domain: string, snapshot: string): Promise<void>;

  listNetworks(): Promise<NetworkSummary[]>;
  /** Defines a persistent network: isolated (no `<forward>`) or NAT (`<forward mode='nat'/>`); other forwarding is refused. */
  defineNetwork(xml: string): Promise<NetworkSummary>;
  /** The network's XML (live when active, with the bridge name libvirt chose). */
  getNetworkXml(name: string): Promise<string>;
  /**
   * Adds (present) or removes a fixed DHCP lease, keyed by MAC, in the running network and its
   * persistent definition; an existing lease of that MAC is replaced.
   */
  setNetworkDhcpHost(name: string, host: DhcpHost, present: boolean): Promise<void>;
  setNetworkAutostart(name: string, autostart: boolean): Promise<void>;
  startNetwork(name: string): Promise<void>;
  destroyNetwork(name: string): Promise<void>;
  undefineNetwork(name: string): Promise<void>;

  listStoragePools(): Promise<StoragePoolSummary[]>;
  /** The pool's XML; its <target><path> says where its files are. */
  getStoragePoolXml(name: string): Promise<string>;
  defineStoragePool(xml: string): Promise<StoragePoolSummary>;
  startStoragePool(name: string): Promise<void>;
  destroyStoragePool(name: string): Promise<void>;
  undefineStoragePool(name: string): Promise<void>;
  listVolumes(pool: string): Promise<VolumeSummary[]>;
  createVolume(pool: string, xml: string): Promise<VolumeSummary>;
  deleteVolume(pool: string, name: string): Promise<void>;

  subscribe(listener: (event: HypervisorEvent) => void): Disposable;
  /** Stops polling, drops signal matches, closes the bus connection. */
  close(): Promise<void>;
}

/** How to reach libvirt-dbus. `connectLibvirt(options)` in libvirt-dbus-hypervisor.ts returns a Hypervisor. */
export interface HypervisorConnectOptions {
  /** 'test' → /org/libvirt/Test (test:///default), 'qemu' → /org/libvirt/QEMU (qemu:///system). */
  driver: 'test' | 'qemu';
  /** D-Bus address; defaults to DBUS_SESSION_BUS_ADDRESS, else the system bus. */
  busAddress?: string;
  /** Per-call timeout; default 30 s. */
  callTimeoutMs?: number;
  /** Backstop poll of domain states; default 10 s. */
  pollIntervalMs?: number;
}
