// OpenSSH's known_hosts, read and appended the way `ssh` does: plain and hashed host names,
// `[host]:port` for ports other than 22, `*`/`?` patterns and `!` negations, @revoked lines.
// No `vscode` import: unit-tested.
import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type HostKeyVerdict =
  | { kind: 'trusted' }
  /** No line names this host with a key of this type. */
  | { kind: 'unknown' }
  /**
   * A line names this host with another key: possibly an attacker. `knownType` is set when the
   * recorded key is of another type than the one presented (an attacker need not match the type).
   */
  | { kind: 'changed'; line: number; knownType?: string }
  | { kind: 'revoked'; line: number };

/** "SHA256:..." as `ssh-keygen -l` prints it. */
export function keyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a public key blob starts with, e.g. "ssh-ed25519". */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** How known_hosts names a host: the name alone on port 22, else "[name]:port". */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's `*` and `?` patterns, case-insensitive (known_hosts and ssh_config's Host lines). */
export function wildcardMatches(pattern: string, name: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`, 'i').test(name);
}

function hashedMatches(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

/** Whether a line's host field names `name`: any positive pattern matches and no negated one. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** Checks a server's key against the text of a known_hosts file. */
export function checkHostKey(knownHostsText: string, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const type = keyTypeOf(keyBlob);
  const key = keyBlob.toString('base64');
  let changedLine: number | undefined;
  let otherType: { line: number; type: string } | undefined;
  let trusted = false;
  const lines = knownHostsText.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const words = (lines[index] ?? '').trim().split(/\s+/);
    if (words[0] === '' || words[0]?.startsWith('#')) continue;
    const marker = words[0]?.startsWith('@') ? words.shift() : undefined;
    const [hosts, lineType, lineKey] = words;
    if (!hosts || !lineType || !lineKey || marker === '@cert-authority') continue;
    if (!hostFieldMatches(hosts, name)) continue;
    if (marker === '@revoked') {
      if (lineKey === key) return { kind: 'revoked', line: index + 1 };
      continue;
    }
    if (lineType !== type) otherType ??= { line: index + 1, type: lineType };
    else if (lineKey === key) trusted = true;
    else changedLine ??= index + 1;
  }
  if (trusted) return { kind: 'trusted' };
  if (changedLine !== undefined) return { kind: 'changed', line: changedLine };
  // Known under another key type only: as changed as any other key (clients ask for known types first).
  if (otherType !== undefined) return { kind: 'changed', line: otherType.line, knownType: otherType.type };
  return { kind: 'unknown' };
}

/** The key types known_hosts records for a host (not @revoked or @cert-authority lines), in file order. */
export function knownKeyTypes(knownHostsText: string, host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types: string[] = [];
  for (const line of knownHostsText.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] === '' || words[0]?.startsWith('#') || words[0]?.startsWith('@')) continue;
    const [hosts, lineType, lineKey] = words;
    if (!hosts || !lineType || !lineKey || !hostFieldMatches(hosts, name)) continue;
    if (!types.includes(lineType)) types.push(lineType);
  }
  return types;
}

/** SSH host key algorithms that yield a key of each known_hosts key type. */
const algorithmsOfKeyType: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-dss': ['ssh-dss'],
};

/**
 * The host key algorithms to ask a server for first, as `ssh` does: those of the key types already
 * recorded, so a server with several host keys shows a known one rather than look changed.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  return [...new Set(knownTypes.flatMap((type) => algorithmsOfKeyType[type] ?? []))];
}

export async function readKnownHosts(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Records an accepted key the way `ssh` would, creating ~/.ssh (0700) and the file (0600) if needed. */
export async function recordHostKey(path: string, host: string, port: number, keyBlob: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const existing = await readKnownHosts(path);
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  await appendFile(path, `${separator}${knownHostsName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`, {
    mode: 0o600,
  });
}
