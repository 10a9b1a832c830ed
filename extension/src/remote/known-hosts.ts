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
  /** A line names this host with another key of the same type: possibly an attacker. */
  | { kind: 'changed'; line: number }
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

function wildcardMatches(pattern: string, name: string): boolean {
  const expression = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
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
    if (lineType !== type) continue;
    if (lineKey === key) trusted = true;
    else changedLine ??= index + 1;
  }
  if (trusted) return { kind: 'trusted' };
  if (changedLine !== undefined) return { kind: 'changed', line: changedLine };
  return { kind: 'unknown' };
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
  await appendFile(path, `${separator}${knownHostsName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
}
