// libvirt's numeric constants (from libvirt-domain.h and friends), named here and used by name elsewhere.
import type { DomainEventKind, DomainState } from './hypervisor';

export const libvirtService = 'org.libvirt';
export const connectInterface = 'org.libvirt.Connect';
export const domainInterface = 'org.libvirt.Domain';
export const snapshotInterface = 'org.libvirt.DomainSnapshot';
export const networkInterface = 'org.libvirt.Network';
export const storagePoolInterface = 'org.libvirt.StoragePool';
export const storageVolumeInterface = 'org.libvirt.StorageVol';
export const propertiesInterface = 'org.freedesktop.DBus.Properties';
export const libvirtErrorName = 'org.libvirt.Error';

export const connectPaths = { test: '/org/libvirt/Test', qemu: '/org/libvirt/QEMU' } as const;

/** virDomainState, indexed by its value. */
export const domainStates: readonly DomainState[] = [
  'no-state',
  'running',
  'blocked',
  'paused',
  'shutting-down',
  'shut-off',
  'crashed',
  'pm-suspended',
];

/** virDomainEventType, indexed by its value. */
export const domainEventKinds: readonly DomainEventKind[] = [
  'defined',
  'undefined',
  'started',
  'suspended',
  'resumed',
  'stopped',
  'shutdown',
  'pm-suspended',
  'crashed',
];

/** The virDomainEvent*DetailType of each event kind, indexed by the detail's value. */
export const domainEventDetails: Readonly<Record<DomainEventKind, readonly string[]>> = {
  defined: ['added', 'updated', 'renamed', 'from-snapshot'],
  undefined: ['removed', 'renamed'],
  started: ['booted', 'migrated', 'restored', 'from-snapshot', 'wakeup'],
  suspended: ['paused', 'migrated', 'io-error', 'watchdog', 'restored', 'from-snapshot', 'api-error', 'postcopy', 'postcopy-failed'],
  resumed: ['unpaused', 'migrated', 'from-snapshot', 'postcopy', 'postcopy-failed'],
  stopped: ['shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from-snapshot'],
  shutdown: ['finished', 'guest', 'host'],
  'pm-suspended': ['memory', 'disk'],
  crashed: ['panicked', 'crashloaded'],
};

/** virConnectListAllDomainsFlags. */
export const listDomainsFlags = {
  all: 0,
  active: 1 << 0,
  inactive: 1 << 1,
  persistent: 1 << 2,
  transient: 1 << 3,
  autostart: 1 << 10,
} as const;

/** virDomainStatsTypes. */
export const domainStatsTypes = {
  state: 1 << 0,
  cpuTotal: 1 << 1,
  balloon: 1 << 2,
  vcpu: 1 << 3,
  interface: 1 << 4,
  block: 1 << 5,
} as const;

/** virConnectGetAllDomainStatsFlags: only running and paused domains. */
export const domainStatsActive = 1 << 0;

/** virDomainUndefineFlagsValues. */
export const undefineFlags = {
  managedSave: 1 << 0,
  snapshotsMetadata: 1 << 1,
  nvram: 1 << 2,
} as const;

/** virDomainXMLFlags. */
export const domainXmlFlags = {
  live: 0,
  inactive: 1 << 1,
} as const;

/** virDomainMetadataType and virDomainModificationImpact. */
export const metadataTypeElement = 2;
export const affectCurrent = 0;

/** virDomainSnapshotCreateFlags / virDomainSnapshotRevertFlags / virDomainSnapshotDeleteFlags: defaults. */
export const snapshotFlagsNone = 0;

/** virDomainShutdownFlagValues: let the hypervisor pick (ACPI for QEMU). */
export const shutdownFlagsDefault = 0;

/** virConnectListAllNetworksFlags / virConnectListAllStoragePoolsFlags: all. */
export const listAllFlags = 0;

/** virNetworkUpdate: commands, the section of fixed DHCP leases, and whom a change affects. */
export const networkUpdateCommands = { modify: 1, delete: 2, addLast: 3 } as const;
export const networkSectionDhcpHost = 4;
export const networkUpdateFlags = { live: 1 << 0, config: 1 << 1 } as const;
