// The sidebar's tree as plain data: what each row says, its icon and the `contextValue` that
// menus match on. The `vscode` adapter (labs-tree.ts) only maps it to TreeItems. Unit-tested.
import type { LabSnapshotSummary } from '@vlm/schemas/src/host-protocol';
import type { HostSnapshot, LabSnapshot, VmSnapshot, VmStatus } from './host-snapshot';
import type { RowIcon, RowLook } from './tree-row-look';
import type { WorkspaceGroupRow, WorkspaceLabRow } from './workspace-lab-rows';
import type { VmTooltipInput } from './vm-tooltip';
import { hostContext, labContext, labSnapshotContext, looseVmsContext, vmContext } from './row-context';

/** A host; in the view, its labs are followed by the workspace's lab files not deployed there. */
export interface HostRow<Child extends LabRow | WorkspaceLabRow = LabRow> extends RowLook {
  kind: 'host';
  hostName: string;
  children: Child[];
}

export interface LabRow extends RowLook {
  kind: 'lab';
  hostName: string;
  labName: string;
  children: (VmRow | LabSnapshotRow)[];
  /** The workspace file of this lab, when one names it and its host: a click opens it. */
  fileUri?: string;
}

/** One lab-wide snapshot, under its lab after the VMs. */
export interface LabSnapshotRow extends RowLook {
  kind: 'labSnapshot';
  hostName: string;
  labName: string;
  snapshotName: string;
}

export interface VmRow extends RowLook {
  kind: 'vm';
  hostName: string;
  labName: string;
  vmName: string;
  /** The libvirt domain name, what the host's VM requests take. */
  domain: string;
  sshPort?: number;
  /**
   * What its Markdown tooltip says (vm-tooltip.ts), made only for rows handed to VS Code: the plain
   * `tooltip` carries the same words, so comparing it tells whether the Markdown changed.
   */
  tooltipFacts: VmTooltipInput;
}

export type Row = HostRow<LabRow | WorkspaceLabRow> | LabRow | VmRow | LabSnapshotRow | WorkspaceLabRow | WorkspaceGroupRow;

/** Rows without children. */
export function isLeafRow(row: Row): row is VmRow | LabSnapshotRow | WorkspaceLabRow {
  return row.kind === 'vm' || row.kind === 'labSnapshot' || row.kind === 'workspaceLab';
}

const vmStatusWords: Record<VmStatus, string> = {
  running: 'running',
  stopped: 'stopped',
  paused: 'paused',
  starting: 'starting',
  stopping: 'stopping',
  crashed: 'crashed',
  unknown: 'state unknown',
};

function vmIcon(status: VmStatus): RowIcon {
  switch (status) {
    case 'running':
      return { codicon: 'vm-running', color: 'testing.iconPassed' };
    case 'starting':
    case 'stopping':
      return { codicon: 'loading~spin' };
    case 'paused':
      return { codicon: 'debug-pause' };
    case 'crashed':
      return { codicon: 'vm-outline', color: 'errorForeground' };
    default:
      return { codicon: 'vm-outline' };
  }
}

function labIcon(lab: LabSnapshot): RowIcon {
  if (!lab.name) return { codicon: 'folder' };
  if (lab.status === 'deploying' || lab.activity) return { codicon: 'loading~spin' };
  if (lab.status === 'failed') return { codicon: 'layers', color: 'errorForeground' };
  return { codicon: 'layers', color: lab.status === 'running' ? 'testing.iconPassed' : undefined };
}

/**
 * A case-insensitive filter over names and tags; an empty one lets everything through.
 * `state:running` (or `state:stopped`...) matches VMs by state instead.
 */
export function matchesFilter(filter: string, name: string, tags: readonly string[], status?: VmStatus): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return true;
  const state = /^state:\s*(.*)$/.exec(needle);
  if (state) return status !== undefined && vmStatusWords[status].startsWith(state[1] ?? '');
  return name.toLowerCase().includes(needle) || tags.some((tag) => tag.toLowerCase().includes(needle));
}

/** How often the tree redraws while a VM counts down to its idle shutdown. */
export const idleCountdownRefreshMs = 15_000;

/** The countdown to an idle shutdown, in words: short for the row, whole for the tooltip. */
export function idleShutdownWords(at: string, now: number): { short: string; long: string } | undefined {
  const atMs = Date.parse(at);
  // The time comes from the host: one that is not a time shows nothing rather than "NaN min".
  if (Number.isNaN(atMs)) return undefined;
  const minutesLeft = Math.ceil((atMs - now) / 60_000);
  const left = minutesLeft <= 0 ? 'now' : minutesLeft === 1 ? 'in under 1 min' : `in ${minutesLeft} min`;
  const clock = new Date(atMs).toISOString().slice(11, 16);
  return {
    short: `idle: shutdown ${left}`,
    long: `Idle: the host will ask it to power off ${left} (${clock} UTC), unless its CPU gets busy or a console opens.`,
  };
}

/** True when some VM shows an idle shutdown countdown, which the tree keeps current. */
export function hasIdleCountdown(snapshots: readonly HostSnapshot[]): boolean {
  return snapshots.some((snapshot) => snapshot.labs.some((lab) => lab.vms.some((vm) => vm.idleShutdownAt !== undefined)));
}

/**
 * Rows already made for VM snapshots, reused while the snapshot object, its host and lab are the
 * same (HostInventory keeps unchanged VMs' snapshots): one change among 1,000 VMs rebuilds one row.
 * Rows with an idle countdown change with the clock and are always made again.
 */
export type VmRowCache = WeakMap<VmSnapshot, VmRow>;

function cachedVmRow(cache: VmRowCache | undefined, hostName: string, lab: LabSnapshot, vm: VmSnapshot, now: number): VmRow {
  const known = cache?.get(vm);
  if (known && known.hostName === hostName && known.labName === lab.name) return known;
  const made = vmRow(hostName, lab, vm, now);
  if (cache && vm.idleShutdownAt === undefined) cache.set(vm, made);
  return made;
}

function vmRow(hostName: string, lab: LabSnapshot, vm: VmSnapshot, now: number): VmRow {
  const words = vmStatusWords[vm.status];
  const domain = vm.domain ?? vm.name;
  const ssh = vm.sshPort !== undefined ? `ssh 127.0.0.1:${vm.sshPort}` : '';
  const idle = vm.idleShutdownAt !== undefined && vm.status === 'running' ? idleShutdownWords(vm.idleShutdownAt, now) : undefined;
  const row: VmRow = {
    kind: 'vm',
    id: `vm/${hostName}/${domain}`,
    label: vm.name,
    description: [words, idle?.short, ssh].filter(Boolean).join(' · '),
    tooltip: [
      lab.name ? `VM ${vm.name} of lab ${lab.name}: ${words}` : `VM ${vm.name} (in no lab): ${words}`,
      idle?.long,
      vm.description,
      ...(vm.details ?? []),
      ssh ? `SSH: port ${vm.sshPort} on the host's loopback` : '',
      vm.tags.length ? `Tags: ${vm.tags.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    tooltipFacts: { hostName, labName: lab.name, vm, stateWords: words, ...(idle ? { idle: idle.long } : {}) },
    icon: vmIcon(vm.status),
    contextValue: vmContext({ status: vm.status, inLab: lab.name !== '', ssh: vm.sshPort !== undefined }),
    hostName,
    labName: lab.name,
    vmName: vm.name,
    domain,
  };
  if (vm.sshPort !== undefined) row.sshPort = vm.sshPort;
  return row;
}

/**
 * A lab snapshot's row; its context words say whether it can be reverted (row-context.ts).
 */
function labSnapshotRow(hostName: string, lab: LabSnapshot, snapshot: LabSnapshotSummary): LabSnapshotRow {
  const vms = snapshot.members.map((member) => member.vm);
  const incomplete = snapshot.missing.length > 0;
  return {
    kind: 'labSnapshot',
    id: `labSnapshot/${hostName}/${lab.name}/${snapshot.name}`,
    label: snapshot.name,
    description: [
      'lab snapshot',
      snapshot.createdAt.slice(0, 16).replace('T', ' '),
      incomplete ? `lacks ${snapshot.missing.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      `Lab snapshot ${snapshot.name} of lab ${lab.name}, taken ${snapshot.createdAt}`,
      snapshot.description,
      `VMs: ${vms.join(', ')} (${snapshot.members.filter((member) => member.wasRunning).length} were running)`,
      incomplete ? `No part for: ${snapshot.missing.join(', ')}: it cannot be reverted.` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    icon: { codicon: 'history', color: incomplete ? 'list.warningForeground' : undefined },
    contextValue: labSnapshotContext({ busy: Boolean(lab.activity), incomplete }),
    hostName,
    labName: lab.name,
    snapshotName: snapshot.name,
  };
}

function labRow(hostName: string, lab: LabSnapshot, filter: string, now: number, cache?: VmRowCache): LabRow | undefined {
  const labMatches = lab.name !== '' && matchesFilter(filter, lab.name, lab.tags);
  // A lab that matches shows all its VMs; otherwise it shows only the VMs that match.
  const vms = labMatches ? lab.vms : lab.vms.filter((vm) => matchesFilter(filter, vm.name, vm.tags, vm.status));
  if (!labMatches && vms.length === 0) return undefined;
  const running = lab.vms.filter((vm) => vm.status === 'running').length;
  return {
    kind: 'lab',
    id: `lab/${hostName}/${lab.name}`,
    label: lab.name || 'VMs in no lab',
    description: [lab.activity ?? '', lab.status && lab.status !== 'running' ? lab.status : '', `${running} of ${lab.vms.length} running`]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      lab.name ? `Lab ${lab.name} on ${hostName}` : `VMs on ${hostName} that belong to no lab`,
      lab.status ? `Status: ${lab.status}` : '',
      lab.description,
      lab.tags.length ? `Tags: ${lab.tags.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    icon: labIcon(lab),
    // A lab busy with a lab snapshot operation offers none of the lab actions, which it would refuse.
    contextValue: lab.name ? labContext({ busy: Boolean(lab.activity), runningVms: running }) : looseVmsContext(),
    hostName,
    labName: lab.name,
    children: [
      ...vms.map((vm) => cachedVmRow(cache, hostName, lab, vm, now)),
      ...(labMatches ? (lab.labSnapshots ?? []).map((snapshot) => labSnapshotRow(hostName, lab, snapshot)) : []),
    ],
  };
}

function hostDescription(snapshot: HostSnapshot): string {
  switch (snapshot.state.status) {
    case 'connected':
      if (snapshot.state.simulated) return snapshot.host.isLocal ? 'this machine · simulated' : 'simulated';
      if (snapshot.state.libvirt === 'session') return snapshot.host.isLocal ? 'this machine · session, no root' : 'session, no root';
      return snapshot.host.isLocal ? 'this machine' : 'connected';
    case 'connecting':
      return 'connecting…';
    default:
      return 'not connected';
  }
}

/** Which libvirt the host drives, for its tooltip; empty for a service too old to say. */
export function libvirtWords(state: HostSnapshot['state']): string {
  switch (state.libvirt) {
    case 'system':
      return 'libvirt: qemu:///system.';
    case 'session':
      return "libvirt: qemu:///session, the service user's own libvirt without root. Labs run without lab networks; for lab networks use qemu:///system (the libvirt group and a vlm-host run as root).";
    case 'test':
      return 'libvirt: the test driver (simulated VMs, nothing runs).';
    default:
      return '';
  }
}

function hostAddressWords(snapshot: HostSnapshot): string {
  const address = snapshot.host.address;
  return address.kind === 'ssh' ? `over SSH to ${address.destination}` : `through ${address.path}`;
}

export function hostRow(snapshot: HostSnapshot, filter = '', now = Date.now(), cache?: VmRowCache): HostRow {
  const { host, state } = snapshot;
  const connected = state.status === 'connected';
  const tooltip = [
    `${host.isLocal ? 'This machine' : `Host ${host.name}`}, reached ${hostAddressWords(snapshot)}`,
    connected ? 'Connected.' : state.status === 'connecting' ? 'Connecting…' : (state.reason ?? 'Not connected.'),
    ...(connected ? [libvirtWords(state), ...(state.details ?? [])].filter(Boolean) : []),
  ].join('\n');
  return {
    kind: 'host',
    id: `host/${host.name}`,
    label: host.name,
    description: hostDescription(snapshot),
    tooltip,
    icon:
      state.status === 'connecting'
        ? { codicon: 'loading~spin' }
        : { codicon: host.isLocal ? 'device-desktop' : 'server', color: connected ? undefined : 'disabledForeground' },
    contextValue: hostContext(connected ? 'connected' : state.status === 'connecting' ? 'connecting' : 'disconnected', {
      fromSettings: !host.isLocal,
      ssh: host.address.kind === 'ssh',
    }),
    hostName: host.name,
    children: snapshot.labs.flatMap((lab) => labRow(host.name, lab, filter, now, cache) ?? []),
  };
}

export function labsTree(snapshots: readonly HostSnapshot[], filter = '', now = Date.now(), cache?: VmRowCache): HostRow[] {
  return snapshots.map((snapshot) => hostRow(snapshot, filter, now, cache));
}
