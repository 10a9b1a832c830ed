// What `vlm-host --listen HOST:PORT` needs before it opens a TCP port: an address (loopback unless
// remote access is asked for explicitly), a TLS certificate and key that belong together, and a
// bearer token from a file only its owner can read. Every problem is a clear error naming the file.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';

export interface RemoteListenArguments {
  /** "HOST:PORT", "[IPV6]:PORT". */
  listen: string;
  certificatePath: string | undefined;
  keyPath: string | undefined;
  tokenPath: string | undefined;
  allowRemote: boolean;
}

export interface RemoteListenConfig {
  host: string;
  port: number;
  certificate: Buffer;
  privateKey: Buffer;
  token: string;
}

export class RemoteListenError extends Error {
  override readonly name = 'RemoteListenError';
}

const minimumTokenLength = 16;
const maximumTokenLength = 4096;

export function isLoopbackAddress(host: string): boolean {
  return host === '::1' || host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Splits HOST:PORT; the host must be an IP address or "localhost" (no name lookups for a bind). */
export function parseListenAddress(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || host === undefined)
    throw new RemoteListenError(`--listen needs HOST:PORT (for example 127.0.0.1:7443 or [::1]:7443), not ${JSON.stringify(text)}.`);
  if (host !== 'localhost' && isIP(host) === 0)
    throw new RemoteListenError(`--listen needs an IP address or localhost to bind to, not ${JSON.stringify(host)}.`);
  if (match[2] !== undefined && isIP(host) === 6)
    throw new RemoteListenError(`--listen: write an IPv6 address in brackets, as [${host}]:PORT.`);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RemoteListenError(`--listen: ${match[3]} is not a TCP port (1-65535).`);
  return { host, port };
}

async function readRequired(path: string | undefined, flag: string, what: string): Promise<Buffer> {
  if (path === undefined) throw new RemoteListenError(`--listen needs ${flag} PATH: ${what}.`);
  try {
    return await readFile(path);
  } catch (error) {
    throw new RemoteListenError(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
}

/** The token, once its file is checked: a regular file of ours that nobody else can read or write. */
async function readToken(path: string | undefined): Promise<string> {
  if (path === undefined)
    throw new RemoteListenError('--listen needs --token-file PATH: a file (mode 0600) holding the token clients must send first.');
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw new RemoteListenError(`--token-file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  if (!info.isFile()) throw new RemoteListenError(`--token-file: ${path} is not a regular file.`);
  if ((info.mode & 0o077) !== 0) {
    throw new RemoteListenError(
      `--token-file: ${path} has mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}; others could read the token. Make it 0600 (chmod 600 ${path}).`,
    );
  }
  if (process.getuid && info.uid !== process.getuid())
    throw new RemoteListenError(`--token-file: ${path} belongs to uid ${info.uid}, not to the user vlm-host runs as.`);
  const token = (await readFile(path, 'utf8')).trim();
  if (token.length < minimumTokenLength)
    throw new RemoteListenError(
      `--token-file: the token in ${path} is ${token.length} characters; use at least ${minimumTokenLength} (for example: openssl rand -hex 32).`,
    );
  if (token.length > maximumTokenLength || /\s/.test(token))
    throw new RemoteListenError(
      `--token-file: ${path} must hold one token: one line without spaces, at most ${maximumTokenLength} characters.`,
    );
  return token;
}

export async function loadRemoteListenConfig(options: RemoteListenArguments): Promise<RemoteListenConfig> {
  const { host, port } = parseListenAddress(options.listen);
  if (!isLoopbackAddress(host) && !options.allowRemote) {
    throw new RemoteListenError(
      `--listen ${options.listen} would accept connections from other machines, and whoever holds the token can create and run VMs and playbooks on this host. ` +
        `Bind to a loopback address (127.0.0.1) and reach it through a tunnel, or pass --allow-remote to accept that.`,
    );
  }
  const certificate = await readRequired(options.certificatePath, '--tls-cert', 'the TLS certificate (PEM) clients check');
  const privateKey = await readRequired(options.keyPath, '--tls-key', "the certificate's private key (PEM)");
  try {
    createSecureContext({ cert: certificate, key: privateKey });
  } catch (error) {
    throw new RemoteListenError(
      `--tls-cert ${options.certificatePath} and --tls-key ${options.keyPath} cannot be used together: ${(error as Error).message}.`,
    );
  }
  const token = await readToken(options.tokenPath);
  return { host, port, certificate, privateKey, token };
}

/** Compares a presented token with the expected one in time that does not depend on where they differ. */
export function tokenMatches(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Failed authentications per peer address, in a sliding window: past the limit, that address's
 * connections are refused without looking at their token until the oldest failure leaves the
 * window. Together with one token check per connection, guessing gets at most `maximumFailures`
 * tries per window and address.
 */
export class AuthenticationRateLimit {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly maximumFailures = 5,
    readonly windowMs = 60_000,
    /** Addresses remembered at once; the stalest are forgotten first past it. */
    private readonly maximumAddresses = 10_000,
  ) {}

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string, now = Date.now()): number {
    const recent = this.recent(address, now);
    if (recent.length < this.maximumFailures) return 0;
    return (recent[recent.length - this.maximumFailures] as number) + this.windowMs - now;
  }

  recordFailure(address: string, now = Date.now()): void {
    const recent = this.recent(address, now);
    recent.push(now);
    // Re-inserted, so the map's order is least recently failed first.
    this.failures.delete(address);
    this.failures.set(address, recent.slice(-this.maximumFailures));
    while (this.failures.size > this.maximumAddresses) this.failures.delete(this.failures.keys().next().value as string);
  }

  private recent(address: string, now: number): number[] {
    const recent = (this.failures.get(address) ?? []).filter((time) => time > now - this.windowMs);
    if (recent.length === 0) this.failures.delete(address);
    return recent;
  }
}

/** One address per peer: IPv4 clients of a dual-stack listener arrive as ::ffff:a.b.c.d. */
export function peerAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.startsWith('::ffff:') && isIP(remoteAddress.slice(7)) === 4 ? remoteAddress.slice(7) : remoteAddress;
}
