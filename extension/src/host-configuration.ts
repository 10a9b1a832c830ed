// Which hosts the extension shows, from the `vlm.*` settings. No `vscode` import: unit-tested.
import { join } from 'node:path';
import { defaultSocketPath } from '@vlm/schemas/src/socket-defaults';
import { isValidName } from '@vlm/schemas';

/** How the extension reaches a host's service. */
export type HostAddress =
  | { kind: 'socket'; path: string }
  /** `socketPath`: where the host service listens on the remote machine, when not the default. */
  | { kind: 'ssh'; destination: string; socketPath?: string };

export interface HostDefinition {
  name: string;
  /** `local` is this machine; the others come from `vlm.hosts`. */
  isLocal: boolean;
  address: HostAddress;
}

export interface HostSettings {
  localEnabled: boolean;
  localSocket: string;
  hosts: unknown;
}

export interface HostConfiguration {
  hosts: HostDefinition[];
  /** One sentence per `vlm.hosts` entry that was left out, saying why. */
  problems: string[];
}

export const localHostName = 'local';

/** Where the local host service (host-service/src/main.ts) listens unless `vlm.localHost.socket` says otherwise. */
export function defaultLocalSocket(environment: NodeJS.ProcessEnv = process.env, userId = process.getuid?.() ?? 0): string {
  // Without $XDG_RUNTIME_DIR, the folder systemd gives each user.
  const runtimeFolder = environment.XDG_RUNTIME_DIR || join('/run/user', String(userId));
  // Never undefined: a runtime folder is always given.
  return defaultSocketPath(userId === 0, runtimeFolder) as string;
}

export function readHostConfiguration(
  settings: HostSettings,
  environment: NodeJS.ProcessEnv = process.env,
  userId = process.getuid?.() ?? 0,
): HostConfiguration {
  const hosts: HostDefinition[] = [];
  const problems: string[] = [];
  if (settings.localEnabled) {
    const path = settings.localSocket.trim() || defaultLocalSocket(environment, userId);
    hosts.push({ name: localHostName, isLocal: true, address: { kind: 'socket', path } });
  }
  const entries = Array.isArray(settings.hosts) ? settings.hosts : [];
  if (!Array.isArray(settings.hosts) && settings.hosts !== undefined && settings.hosts !== null) {
    problems.push('vlm.hosts must be a list of hosts; it was ignored.');
  }
  entries.forEach((entry: unknown, index) => {
    const where = `vlm.hosts[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`${where} is not an object with a name; it was ignored.`);
      return;
    }
    const { name, ssh, socket, remoteSocket } = entry as Record<string, unknown>;
    if (!isValidName(name)) {
      problems.push(`${where} needs a name of lowercase letters, digits and '-'; it was ignored.`);
      return;
    }
    if (hosts.some((host) => host.name === name)) {
      problems.push(`${where}: the host name "${name}" is already taken; it was ignored.`);
      return;
    }
    if (typeof socket === 'string' && socket.trim() !== '') {
      hosts.push({ name, isLocal: false, address: { kind: 'socket', path: socket.trim() } });
    } else if (typeof ssh === 'string' && ssh.trim() !== '') {
      const socketProblem = remoteSocket === undefined ? undefined : remoteSocketProblem(remoteSocket);
      if (socketProblem) {
        problems.push(`${where} ("${name}"): remoteSocket: ${socketProblem} It was ignored.`);
        return;
      }
      const address = { kind: 'ssh' as const, destination: ssh.trim() };
      hosts.push({ name, isLocal: false, address: typeof remoteSocket === 'string' ? { ...address, socketPath: remoteSocket } : address });
    } else {
      problems.push(`${where} ("${name}") needs an "ssh" destination or a "socket" path; it was ignored.`);
    }
  });
  return { hosts, problems };
}

/** Checks an SSH destination typed into "Add Host": `[user@]host[:port]`, nothing a shell would expand. */
export function sshDestinationProblem(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return 'Type where the host is, such as admin@lab-server.';
  if (!/^([A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(trimmed)) {
    return 'Use the form user@host or host, with an optional :port.';
  }
  return undefined;
}

/** Checks the host service's socket path on a remote machine: absolute, one line, nothing odd. */
export function remoteSocketProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/')) return 'Give the absolute path of the socket, such as /run/vlm/vlm-host.sock.';
  if (value.length > 107) return 'A Unix socket path is at most 107 characters long.';
  if ([...value].some((character) => character.charCodeAt(0) < 32 || character.charCodeAt(0) === 127))
    return 'The path holds a control character.';
  return undefined;
}

/** `vlm.hosts` without the entry named `name`; other entries are kept exactly as they are. */
export function hostsWithout(hosts: unknown, name: string): unknown[] {
  return (Array.isArray(hosts) ? hosts : []).filter((entry) => !isEntryNamed(entry, name));
}

/** `vlm.hosts` with the entry named `name` changed; an undefined value removes that field. */
export function hostsWithChanges(hosts: unknown, name: string, changes: Record<string, string | undefined>): unknown[] {
  return (Array.isArray(hosts) ? hosts : []).map((entry) => {
    if (!isEntryNamed(entry, name)) return entry;
    const next: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    return next;
  });
}

function isEntryNamed(entry: unknown, name: string): boolean {
  return typeof entry === 'object' && entry !== null && (entry as Record<string, unknown>).name === name;
}
