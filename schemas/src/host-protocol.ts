// The VLM host API: JSON-RPC 2.0 (vscode-jsonrpc) over a Unix socket between vlm-host and its
// clients (the extension, the CLI). Each message is a namespace with a literal `method` and a
// typed RequestType or NotificationType. Every request's params are validated by the host
// against host-protocol.schema.json before anything runs.
//
// A client: connect to the socket, wrap it in StreamMessageReader/Writer, then
// `sendRequest(HostInfoRequest.type, {})`. For live state, handle EventNotification and send
// EventsSubscribeRequest; after a reconnect, subscribe with `afterSequence` = the last sequence
// seen; if the answer says `complete: false`, re-read what you show. Use this module's vscode-jsonrpc
// (the hoisted 8.2.1): RequestTypes from another copy of the library do not work with it.
import { NotificationType, ParameterStructures, ProgressType, RequestType } from 'vscode-jsonrpc';
import hostProtocolSchemaJson from '../host-protocol.schema.json';
import type { Lab } from './generated-types';

/** Bumped when a change would break existing clients. */
export const hostProtocolVersion = 1;

export const hostProtocolSchema: Record<string, unknown> = hostProtocolSchemaJson;
export const hostProtocolSchemaId: string = hostProtocolSchemaJson.$id;

/** Largest request (one JSON-RPC message body) the host accepts, in bytes. */
export const maximumRequestBytes = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Errors

/** Numeric codes of the errors the host answers with (JSON-RPC `error.code`). */
export const HostErrorCode = {
  /** A param is missing, has the wrong type or shape, or a value is outside what is allowed. */
  InvalidParams: -32602,
  /** The method does not exist. */
  MethodNotFound: -32601,
  InternalError: -32603,
  /** The request body exceeds maximumRequestBytes; it was skipped unread and the connection goes on. */
  RequestTooLarge: -32001,
  /** The lab, VM, snapshot, image or console named does not exist. */
  NotFound: -32002,
  /** The operation does not fit the object's state (e.g. starting a running VM). */
  InvalidState: -32003,
  AlreadyExists: -32004,
  /** The method is part of the protocol but this host does not implement it yet. */
  NotImplemented: -32005,
  /** libvirt cannot be reached, or failed. */
  HypervisorError: -32006,
  /** The lab file is valid JSON Schema-wise but inconsistent (unknown network, cycle, ...). */
  InvalidLab: -32008,
  /** On a TCP (--listen) connection: the first request was not vlm/authenticate with the right token. The host closes the connection. */
  Unauthenticated: -32010,
  /** The client cancelled the request. Same as vscode-jsonrpc's RequestCancelled. */
  RequestCancelled: -32800,
} as const;
export type HostErrorCode = (typeof HostErrorCode)[keyof typeof HostErrorCode];

/** `error.data` of every error the host answers with. */
export interface HostErrorData {
  /** Symbolic form of the code, e.g. "invalid-params". */
  kind: string;
  /** JSON pointer into the request params of the offending value ("" for the whole params). */
  field?: string;
  /** What would have been accepted there, in words. */
  allowed?: string;
  /** For InvalidLab: every problem found, each with its own pointer into the lab. */
  problems?: { field: string; message: string }[];
}

// ---------------------------------------------------------------------------------------------
// Shapes of results and events

export type LabStatus = 'pending' | 'deploying' | 'running' | 'failed';

export type VmState =
  | 'no-state'
  | 'running'
  | 'blocked'
  | 'paused'
  | 'shutting-down'
  | 'shut-off'
  | 'crashed'
  | 'pm-suspended';

export interface HostInfoResult {
  protocolVersion: number;
  service: { version: string; pid: number; startedAt: string };
  hostname: string;
  libvirtVersion: string;
  hypervisorVersion: string;
  driver: 'test' | 'qemu';
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
  | { type: 'connection-state'; connected: boolean; reason?: string };

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

// ---------------------------------------------------------------------------------------------
// Params

export type NoParams = Record<string, never>;
export interface LabNameParams { name: string }
export interface LabDefinitionParams { lab: Lab }
/** `remove: false` (the default) only lists. */
export interface LabSweepParams { remove?: boolean }
export interface VmListParams { lab?: string }
export interface VmParams { vm: string }
export interface VmDeleteParams {
  vm: string;
  /**
   * The exact name of the domain, to delete one this host did not make (no VLM metadata naming its
   * data directory). Without it such a domain is refused with code InvalidState.
   */
  confirmForeign?: string;
}
export interface SnapshotCreateParams { vm: string; name: string; description?: string }
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
export type ConsoleKind = 'serial' | 'ssh';
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
export interface ConsoleAckParams { consoleId: string; bytes: number }
export interface ConsoleWriteParams { consoleId: string; data: string }
export interface ConsoleResizeParams { consoleId: string; columns: number; rows: number }
export interface ConsoleCloseParams { consoleId: string }
export interface EventsSubscribeParams { afterSequence?: number }

// ---------------------------------------------------------------------------------------------
// Messages. Params are always one object, sent by name.

function request<P, R>(method: string) {
  return new RequestType<P, R, HostErrorData>(method, ParameterStructures.byName);
}
function notification<P>(method: string) {
  return new NotificationType<P>(method, ParameterStructures.byName);
}

export namespace HostInfoRequest {
  export const method = 'vlm/host/info' as const;
  export const type = request<NoParams, HostInfoResult>(method);
}

export namespace LabsListRequest {
  export const method = 'vlm/labs/list' as const;
  export const type = request<NoParams, { labs: LabSummary[] }>(method);
}
export namespace LabsGetRequest {
  export const method = 'vlm/labs/get' as const;
  export const type = request<LabNameParams, LabDetails>(method);
}
export namespace LabsPlanRequest {
  export const method = 'vlm/labs/plan' as const;
  export const type = request<LabDefinitionParams, PlanResult>(method);
}
export namespace LabsApplyRequest {
  export const method = 'vlm/labs/apply' as const;
  export const type = request<LabDefinitionParams, PlanResult>(method);
}
export namespace LabsDestroyRequest {
  export const method = 'vlm/labs/destroy' as const;
  export const type = request<LabNameParams, PlanResult>(method);
}
/** A libvirt object or file VLM made that no lab recorded on this host owns. */
export interface SweepLeftover {
  kind: 'domain' | 'volume' | 'network' | 'seed' | 'pool';
  /** The libvirt name; for a volume "pool/name"; for a seed the file's path; for a pool the storage pool's name. */
  name: string;
  /** The proof that VLM made it: the mark VLM wrote in it, or its place in this host's own pool. */
  reason: string;
}
export interface LabSweepResult {
  leftovers: SweepLeftover[];
  /** True when they were removed (params.remove), false for a dry run. */
  removed: boolean;
}
/**
 * Lists, or with `remove` removes, leftovers that no lab recorded on this host owns and that VLM can
 * prove it made here: domains and networks whose VLM metadata names this host's data directory,
 * volumes and seeds in this host's pool, and `vlm-*` storage pools whose folder is gone. A name
 * alone is never proof.
 */
export namespace LabsSweepRequest {
  export const method = 'vlm/labs/sweep' as const;
  export const type = request<LabSweepParams, LabSweepResult>(method);
}
export namespace LabsExportRequest {
  export const method = 'vlm/labs/export' as const;
  export const type = request<LabNameParams, { lab: Lab }>(method);
}

export namespace VmsListRequest {
  export const method = 'vlm/vms/list' as const;
  export const type = request<VmListParams, { vms: VmSummary[] }>(method);
}
export namespace VmsStartRequest {
  export const method = 'vlm/vms/start' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/** Asks the guest to power off (ACPI) and returns without waiting; watch vm-state events. */
export namespace VmsStopRequest {
  export const method = 'vlm/vms/stop' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/** Pulls the plug. */
export namespace VmsForceStopRequest {
  export const method = 'vlm/vms/forceStop' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/**
 * Removes a VM that belongs to no recorded lab: force-stops it if it runs, then undefines it with
 * its snapshots. Its disk files are kept. A lab's VM is refused: change the lab file or destroy the lab.
 * A domain this host did not make is refused unless `confirmForeign` repeats its exact name.
 */
export namespace VmsDeleteRequest {
  export const method = 'vlm/vms/delete' as const;
  export const type = request<VmDeleteParams, { deleted: string; keptDisks: string[] }>(method);
}
export namespace VmsRebootRequest {
  export const method = 'vlm/vms/reboot' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/** Where and how to reach a VM's VNC display: loopback only, with the password vlm-host made for it. */
export interface VncCredentials {
  /** Always 127.0.0.1: reach it from elsewhere through an SSH tunnel. */
  host: '127.0.0.1';
  port: number;
  /** VNC authentication's password (8 letters or digits); whoever may use this host API may have it. */
  password: string;
}
/**
 * The VNC display of a VM that vlm-host deployed. Each such VM has its own generated password
 * (the display refuses connections without it); it is kept on the host, readable by the service
 * only, and given out by this request alone.
 */
export namespace VmsVncCredentialsRequest {
  export const method = 'vlm/vms/vncCredentials' as const;
  export const type = request<VmParams, VncCredentials>(method);
}

export namespace SnapshotsCreateRequest {
  export const method = 'vlm/snapshots/create' as const;
  export const type = request<SnapshotCreateParams, SnapshotSummary>(method);
}
export namespace SnapshotsListRequest {
  export const method = 'vlm/snapshots/list' as const;
  export const type = request<VmParams, { snapshots: SnapshotSummary[] }>(method);
}
export namespace SnapshotsRevertRequest {
  export const method = 'vlm/snapshots/revert' as const;
  export const type = request<SnapshotParams, VmSummary>(method);
}
export namespace SnapshotsDeleteRequest {
  export const method = 'vlm/snapshots/delete' as const;
  export const type = request<SnapshotParams, { deleted: string }>(method);
}

export namespace ImagesListRequest {
  export const method = 'vlm/images/list' as const;
  export const type = request<NoParams, { images: ImageSummary[] }>(method);
}
/**
 * Only on a TCP connection (vlm-host --listen, TLS): must be the first request, with the host's
 * token. Any other first request, or a wrong token, is answered with Unauthenticated and the
 * connection is closed. On the Unix socket (whose file mode is the access check) it is not
 * needed and is answered { authenticated: true } without looking at the token.
 */
export interface AuthenticateParams { token: string }
export namespace AuthenticateRequest {
  export const method = 'vlm/authenticate' as const;
  export const type = request<AuthenticateParams, { authenticated: true }>(method);
}
/** Downloads (checked against the catalog's checksum list) or builds an image; an image already present is not fetched again. */
export namespace ImagesPullRequest {
  export const method = 'vlm/images/pull' as const;
  export const type = request<ImagePullParams, ImageSummary>(method);
}
/**
 * Progress of a long request whose params carry a `workDoneToken`, host → client, shaped like
 * LSP's work-done progress: one 'begin', any number of 'report', one 'end'. Handle it with
 * `connection.onProgress(WorkDoneProgress.type, token, handler)`.
 */
export interface WorkDoneProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  /** 0-100, when the total is known. */
  percentage?: number;
}
export namespace WorkDoneProgress {
  export const type = new ProgressType<WorkDoneProgressValue>();
}

/**
 * Attaches to a running VM's serial console, or opens a root shell over its forwarded SSH port
 * (kind 'ssh': the service key; the guest's host key is pinned on the first connect and a changed
 * key is refused with InvalidState). Output arrives as ConsoleOutputNotification; the console
 * belongs to this connection and is closed with it; ConsoleClosedNotification says why it ended.
 */
export namespace ConsolesOpenRequest {
  export const method = 'vlm/consoles/open' as const;
  export const type = request<ConsoleOpenParams, { consoleId: string }>(method);
}
export namespace ConsolesWriteRequest {
  export const method = 'vlm/consoles/write' as const;
  export const type = request<ConsoleWriteParams, { written: number }>(method);
}
/** Sets an SSH console's window size; a serial line has none to pass on, so it is accepted and ignored. */
export namespace ConsolesResizeRequest {
  export const method = 'vlm/consoles/resize' as const;
  export const type = request<ConsoleResizeParams, Record<string, never>>(method);
}
export namespace ConsolesCloseRequest {
  export const method = 'vlm/consoles/close' as const;
  export const type = request<ConsoleCloseParams, Record<string, never>>(method);
}
/**
 * A console write is answered within this long: written, or an error saying why not (the VM is
 * paused, the guest does not read, the console is gone). What was not written by then is dropped.
 */
export const consoleWriteDeadlineMs = 5_000;
/** Bytes of writes that may wait per console; a write past it is refused at once. */
export const consoleWriteQueueBytes = 256 * 1024;
/** Bytes of unacknowledged output after which a flow-controlled console stops reading its source. */
export const consoleWindowBytes = 256 * 1024;
/** Output processed by the client of a console opened with flowControl (a no-op for others). */
export namespace ConsolesAckRequest {
  export const method = 'vlm/consoles/ack' as const;
  export const type = request<ConsoleAckParams, Record<string, never>>(method);
}
/** Output of an open console, host → client. `bytes`: how many bytes of the source's output `data` decodes. */
export namespace ConsoleOutputNotification {
  export const method = 'vlm/consoles/output' as const;
  export const type = notification<{ consoleId: string; data: string; bytes: number }>(method);
}
/** The console ended without the client closing it (the VM stopped, say), host → client. */
export namespace ConsoleClosedNotification {
  export const method = 'vlm/consoles/closed' as const;
  export const type = notification<{ consoleId: string; reason: string }>(method);
}

/**
 * Starts (or resumes) this connection's event stream. With `afterSequence`, the events after it
 * that the host still keeps are sent first, in order, before the answer; then live ones follow.
 */
export namespace EventsSubscribeRequest {
  export const method = 'vlm/events/subscribe' as const;
  export const type = request<EventsSubscribeParams, EventsSubscribeResult>(method);
}
export namespace EventNotification {
  export const method = 'vlm/events/event' as const;
  export const type = notification<HostEvent>(method);
}

/** Every request method, with the definition in host-protocol.schema.json its params must match. */
export const hostRequestParams = {
  [HostInfoRequest.method]: 'NoParams',
  [LabsListRequest.method]: 'NoParams',
  [LabsGetRequest.method]: 'LabNameParams',
  [LabsPlanRequest.method]: 'LabDefinitionParams',
  [LabsApplyRequest.method]: 'LabDefinitionParams',
  [LabsDestroyRequest.method]: 'LabNameParams',
  [LabsExportRequest.method]: 'LabNameParams',
  [LabsSweepRequest.method]: 'LabSweepParams',
  [VmsListRequest.method]: 'VmListParams',
  [VmsStartRequest.method]: 'VmParams',
  [VmsStopRequest.method]: 'VmParams',
  [VmsForceStopRequest.method]: 'VmParams',
  [VmsRebootRequest.method]: 'VmParams',
  [VmsDeleteRequest.method]: 'VmDeleteParams',
  [VmsVncCredentialsRequest.method]: 'VmParams',
  [SnapshotsCreateRequest.method]: 'SnapshotCreateParams',
  [SnapshotsListRequest.method]: 'VmParams',
  [SnapshotsRevertRequest.method]: 'SnapshotParams',
  [SnapshotsDeleteRequest.method]: 'SnapshotParams',
  [ImagesListRequest.method]: 'NoParams',
  [ImagesPullRequest.method]: 'ImagePullParams',
  [AuthenticateRequest.method]: 'AuthenticateParams',
  [ConsolesOpenRequest.method]: 'ConsoleOpenParams',
  [ConsolesWriteRequest.method]: 'ConsoleWriteParams',
  [ConsolesResizeRequest.method]: 'ConsoleResizeParams',
  [ConsolesCloseRequest.method]: 'ConsoleCloseParams',
  [ConsolesAckRequest.method]: 'ConsoleAckParams',
  [EventsSubscribeRequest.method]: 'EventsSubscribeParams',
} as const;
export type HostRequestMethod = keyof typeof hostRequestParams;
