// `user@host[:port]` as the `vlm.hosts` setting writes an SSH host. No `vscode` import:
// unit-tested. (Reconnecting with backoff is the host connection's, the same for every host.)
import { userInfo } from 'node:os';

export interface SshDestination {
  user: string;
  host: string;
  port: number;
}

/** The parts written in `[user@]host[:port]`; absent ones are left to ~/.ssh/config or the defaults. */
export function parseSshDestinationParts(text: string): { user?: string; host: string; port?: number } {
  const trimmed = text.trim();
  const at = trimmed.lastIndexOf('@');
  const user = at >= 0 ? trimmed.slice(0, at) : undefined;
  const rest = at >= 0 ? trimmed.slice(at + 1) : trimmed;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const plain = /^([^:[\]\s]+)(?::(\d+))?$/.exec(rest);
  const match = bracketed ?? plain;
  if (user === '' || (user !== undefined && /\s/.test(user)) || !match?.[1]) {
    throw new Error(`"${text}" is not an SSH destination: write user@host, or user@host:port for a port other than 22.`);
  }
  if (match[2] === undefined) return user === undefined ? { host: match[1] } : { user, host: match[1] };
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`"${text}": the port must be a number from 1 to 65535.`);
  return { ...(user === undefined ? {} : { user }), host: match[1], port };
}

/** Parses `user@host`, `host:2222`, `user@[::1]:2222`; the user defaults to the local one. */
export function parseSshDestination(text: string, defaultUser = userInfo().username): SshDestination {
  const parts = parseSshDestinationParts(text);
  return { user: parts.user ?? defaultUser, host: parts.host, port: parts.port ?? 22 };
}

export function formatSshDestination(destination: SshDestination): string {
  const host = destination.host.includes(':') ? `[${destination.host}]` : destination.host;
  return `${destination.user}@${host}${destination.port === 22 ? '' : `:${destination.port}`}`;
}
