// The shapes the host API carries: results, events, and the params of every request.
import type { Lab } from '../generated-types';

export type LabStatus = 'pending' | 'deploying' | 'running' | 'failed';

export type VmState = 'no-state' | 'running' | 'blocked' | 'paused' | 'shutting-down' | 'shut-off' | 'crashed' | 'pm-suspended';

export interface HostInfoResult {
  protocolVersion: number;
  service: { version: string; pid: number; startedAt: string };
  hostname: string;
  libvirtVersion: string;
  hypervisorVersion: string;
  driver: 'test' | 'qemu';
  /**
   * Which libvirt: qemu:///system, the service user's own qemu:///session (no root: no lab
   * networks), or the test driver. Absent from services older than this field.
   */
  libvirtConnection?: 'system' | 'session' | 'test';
  cpus: number;
  memoryBytes: number;
  virtualization: 'kvm' | 'qemu' | 'test';
  warnings: string[];
}

export interface VmSummary {
  /** The libvirt domain name; what every VM request takes as `vm`. */
  name: string;
  uuid: string;
  state: VmState;
  vcpu: number;
  memoryBytes: number;
  persistent: boolean;
  autostart: boolean;
  /** Present for domains VLM made. */
  lab?: string;
  /** The VM's name inside its lab. */
  labVm?: string;
  /** When an idle VM of a lab with `idle_shutdown_minutes` will be asked to power off, if it stays idle. */
  idleShutdownAt?: string;
}

export interface LabSummary {
  name: string;
  status: LabStatus;
  vmCount: number;
  updatedAt: string;
}

export interface LabResources {
  domains: { name: string; vm: string; uuid?: string }[];
  volumes: { pool: string; name: string; vm: string }[];
  /** `uuid`: what the network was made with (absent for networks older versions made). */
  networks: { name: string; network: string; uuid?: string }[];
  ports: { kind: 'ssh' | 'vnc'; port: number; vm: string }[];
  /** NoCloud seed ISOs (path on the host) of VMs of cloud-init images; absent on hosts that attach none. */
  seeds?: { path: string; vm: string }[];
}

export interface DeployLogLine {
  time: string;
  level: 'info' | 'warning' | 'error';
  vm?: string;
  text: string;
}

export interface LabDetails extends LabSummary {
  definition: Lab;
  resources: LabResources;
  deployLog: DeployLogLine[];
  /** The lab's domains as libvirt sees them now. */
  vms: VmSummary[];
}

export type PlanAction = 'create' | 'change' | 'delete';
export type PlanResourceKind = 'network' | 'volume' | 'domain' | 'port' | 'seed';

export interface PlanStep {
  action: PlanAction;
  kind: PlanResourceKind;
  /** The libvirt name (for a port "ssh:22001", for a seed the ISO's path). */
  resource: string;
  /** The lab file's name for it: the VM or network. */
  labItem: string;
  /** For a change: what differs, e.g. "ram_mb 1024 → 2048". */
  changes: string[];
}

export interface PlanResult {
  lab: string;
  /** True when nothing is recorded for the lab yet. */
  newLab: boolean;
  steps: PlanStep[];
  /** Resources that stay as they are. */
  unchanged: number;
}

export interface SnapshotSummary {
  name: string;
  description: string;
  createdAt: string;
  domainState: string;
  current: boolean;
  parent?: string;
}

export interface ImageSummary {
  name: string;
  title: string;
  /** Whether the base image is on this host. */
  present: boolean;
}

export type HostEventBody =
  | { type: 'vm-state'; vm: string; state: VmState | 'undefined'; lab?: string; detail: string }
  | { type: 'lab-status'; lab: string; status: LabStatus | 'destroyed' }
  | { type: 'deploy-log'; lab: string; line: DeployLogLine }
  | { type: 'connection-state'; connected: boolean; reason?: string }
  /** An idle VM's shutdown time changed: a time when it became idle, null when it is busy again, gone or asked. */
  | { type: 'vm-idle'; vm: string; lab: string; shutdownAt: string | null }
  /**
   * Idle shutdown acted: `requested` the guest was asked to power off (ACPI); `ignored` it was still up
   * after the grace period (left running, asked again after another idle period); `failed` libvirt refused.
   */
  | { type: 'idle-shutdown'; vm: string; lab: string; outcome: IdleShutdownOutcome; idleMinutes: number; detail: string };

export type IdleShutdownOutcome = 'requested' | 'ignored' | 'failed';

/** An event with its place in the host's single, gapless, increasing sequence. */
export type HostEvent = HostEventBody & { sequence: number; time: string };

export interface EventsSubscribeResult {
  /** Sequence number of the newest event so far; events after it arrive as notifications. */
  currentSequence: number;
  /**
   * True when every event after `afterSequence` was replayed (or none was asked for). False when
   * some are no longer kept (or were from before a restart): re-read the state, then go on.
   */
  complete: boolean;
  /** How many events were replayed as notifications before this answer. */
  replayed: number;
}

// Params

export type NoParams = Record<string, never>;
export interface LabNameParams {
  name: string;
}
export interface LabDefinitionParams {
  lab: Lab;
}
/** `remove: false` (the default) only lists. */
export interface LabSweepParams {
  remove?: boolean;
}
export interface VmListParams {
  lab?: string;
}
export interface VmParams {
  vm: string;
}
export interface VmDeleteParams {
  vm: string;
  /**
   * The exact name of the domain, to delete one this host did not make (no VLM metadata naming its
   * data directory). Without it such a domain is refused with code InvalidState.
   */
  confirmForeign?: string;
}
export interface SnapshotCreateParams {
  vm: string;
  name: string;
  description?: string;
}
export interface SnapshotParams {
  vm: string;
  name: string;
  /** As in VmDeleteParams: the domain's exact name, to revert or delete a snapshot of a domain this host did not make. */
  confirmForeign?: string;
}
export interface ImagePullParams {
  name: string;
  /** When given, the host reports the pull's progress as `$/progress` with this token (see WorkDoneProgress). */
  workDoneToken?: string | number;
}
/** 'vnc' carries the VNC display's RFB bytes, base64 in writes and output, for a client such as noVNC. */
export type ConsoleKind = 'serial' | 'ssh' | 'vnc';
export interface ConsoleOpenParams {
  vm: string;
  /** 'serial' (default): the VM's first serial port. 'ssh': a login shell over the VM's forwarded SSH port, with the service key. */
  kind?: ConsoleKind;
  /** Terminal size and type for an SSH console's pty; a serial line has none. */
  columns?: number;
  rows?: number;
  term?: string;
  /**
   * When true, the host stops reading the console once the client has `consoleWindowBytes` of output it
   * has not acknowledged with vlm/consoles/ack, and reads on when acknowledged (see console-flow.ts).
   */
  flowControl?: boolean;
}
/** `bytes`: the total output bytes (the `bytes` of every output notification) the client has processed. */
export interface ConsoleAckParams {
  consoleId: string;
  bytes: number;
}
export interface ConsoleWriteParams {
  consoleId: string;
  data: string;
}
export interface ConsoleResizeParams {
  consoleId: string;
  columns: number;
  rows: number;
}
export interface ConsoleCloseParams {
  consoleId: string;
}
export interface EventsSubscribeParams {
  afterSequence?: number;
}
