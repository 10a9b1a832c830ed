// Why no host is connected, in the Hosts view itself. On a first run (no host but this machine)
// while none is connected, the view shows no rows, so VS Code shows its welcome content, chosen by
// the `vlm.hostProblem` context key. Welcome content is fixed text and shows only while the view
// has no message, so the host's own reason (for a service that stopped, its last stderr line)
// goes beside the view's title. No `vscode` import: unit-tested.
import type { HostSnapshot } from './host-snapshot';

/** What keeps every host from connecting; each kind has its own welcome text in the manifest. */
export type HostProblemKind =
  | 'no-hosts'
  | 'connecting'
  | 'missing-libvirt'
  | 'socket-permission'
  | 'service-exited'
  | 'no-service'
  | 'unreachable';

export interface HostProblem {
  kind: HostProblemKind;
  /** Which host, and the whole reason it gave, on one line. */
  message: string;
  /** The telling part of the reason, for beside the view's title: a stopped service's last line. */
  summary: string;
}

/** Words that say the host service found no libvirt to talk to (its D-Bus service or daemon). */
const missingLibvirt = /libvirt-dbus|org\.libvirt|D-Bus|libvirtd|libvirt-sock|ServiceUnknown/i;
const permission = /EACCES|EPERM|permission denied|not permitted/i;
const exited = /vlm-host (exited|was ended|could not start)/;
const noService = /ENOENT|ECONNREFUSED|no socket|not running/i;

/** Sorts a host's reason for not connecting into what the user can do about it. */
export function classifyReason(reason: string): HostProblemKind {
  if (permission.test(reason)) return 'socket-permission';
  if (missingLibvirt.test(reason)) return 'missing-libvirt';
  if (exited.test(reason)) return 'service-exited';
  if (noService.test(reason)) return 'no-service';
  return 'unreachable';
}

/** Undefined while some host is connected; otherwise why none is, for the view's message. */
export function hostProblem(snapshots: readonly HostSnapshot[]): HostProblem | undefined {
  if (snapshots.some((snapshot) => snapshot.state.status === 'connected')) return undefined;
  if (snapshots.length === 0) {
    const message = 'No hosts: this machine is turned off (vlm.localHost.enabled) and vlm.hosts is empty.';
    return { kind: 'no-hosts', message, summary: 'no hosts in the settings' };
  }
  const connecting = snapshots.find((snapshot) => snapshot.state.status === 'connecting' || snapshot.state.untried);
  if (connecting) return { kind: 'connecting', message: `Connecting to ${hostWords(connecting)}…`, summary: 'connecting…' };
  // The local host's reason first: it is the one a first run has.
  const first = snapshots.find((snapshot) => snapshot.host.isLocal) ?? snapshots[0];
  const reason = oneLine(first?.state.reason ?? 'Not connected.');
  const others = snapshots.length > 1 ? ` (and ${snapshots.length - 1} other host${snapshots.length > 2 ? 's' : ''} not connected)` : '';
  return {
    kind: classifyReason(reason),
    message: `${first ? capitalized(hostWords(first)) : 'The host'}: ${reason}${others}`,
    summary: clipped(reasonSummary(reason), 160),
  };
}

/**
 * The problem the welcome shows instead of rows: only while every host is this machine. A host
 * added to the settings keeps its row, connected or not, so it can be connected, edited or removed.
 */
export function welcomeProblem(snapshots: readonly HostSnapshot[]): HostProblem | undefined {
  return snapshots.some((snapshot) => !snapshot.host.isLocal) ? undefined : hostProblem(snapshots);
}

/** What a stopped service said (local-host-process.ts puts its last stderr line after the socket), else the reason. */
export function reasonSummary(reason: string): string {
  const said = /before it listened on \S+?: (.*?)\.? See the Virtual Labs log\.?$/.exec(reason)?.[1];
  // The telling words first: the title has room for a few.
  return (said ?? reason).replace(/^vlm-host: /, '').replace(/\.$/, '');
}

/** The view's message, which hides the welcome content: only the filter's, and only while hosts show. */
export function viewMessage(problem: HostProblem | undefined, filter: string): string | undefined {
  if (problem) return undefined;
  return filter ? `Showing labs and VMs matching "${filter}"` : undefined;
}

function hostWords(snapshot: HostSnapshot): string {
  return snapshot.host.isLocal ? 'this machine (local)' : `host ${snapshot.host.name}`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A reason may hold a service's output: the view's message is one line, and not a long one. */
function oneLine(text: string): string {
  return clipped(text.replace(/\s+/g, ' ').trim(), 400);
}

function clipped(line: string, length: number): string {
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
