// Why no host is connected, in the Hosts view itself: while none is, the view shows no rows, so
// VS Code shows its welcome content (chosen by the `vlm.hostProblem` context key) under a message
// that gives the real reason. No `vscode` import: unit-tested.
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
  /** One line for the view's message: which host, and the reason it gave. */
  message: string;
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
    return { kind: 'no-hosts', message: 'No hosts: this machine is turned off (vlm.localHost.enabled) and vlm.hosts is empty.' };
  }
  const connecting = snapshots.find((snapshot) => snapshot.state.status === 'connecting');
  if (connecting) return { kind: 'connecting', message: `Connecting to ${hostWords(connecting)}…` };
  // The local host's reason first: it is the one a first run has.
  const first = snapshots.find((snapshot) => snapshot.host.isLocal) ?? snapshots[0];
  const reason = oneLine(first?.state.reason ?? 'Not connected.');
  const others = snapshots.length > 1 ? ` (and ${snapshots.length - 1} other host${snapshots.length > 2 ? 's' : ''} not connected)` : '';
  return { kind: classifyReason(reason), message: `${first ? capitalized(hostWords(first)) : 'The host'}: ${reason}${others}` };
}

/** The view's message: the host problem first, then the filter, if any. */
export function viewMessage(problem: HostProblem | undefined, filter: string): string | undefined {
  if (problem) return problem.message;
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
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}
