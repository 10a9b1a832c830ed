// SSH consoles: a login shell with a pty, over the VM's SSH port forwarded on 127.0.0.1,
// authenticated with the key of the VM's lab. The guest's host key is pinned on the first connect
// and must match afterwards.
import { readFile } from 'node:fs/promises';
import { Client, type CipherAlgorithm, type ClientChannel, type MacAlgorithm } from 'ssh2';
import type { ConsoleSource, ConsoleSourceEvents } from './console-source';
import { hostKeyFingerprint, type SshHostKeys } from './ssh-host-keys';

/**
 * Ciphers and MACs that Node's OpenSSL runs natively, first: ssh2 does ChaCha20-Poly1305's
 * Poly1305 in WebAssembly (its native binding is not built), which cost about 4x the CPU of the
 * `ssh` client per megabyte of console output. AES-GCM where the guest offers it (OpenSSH), else
 * AES-CTR with HMAC-SHA2 (dropbear, as in vlm-tiny); ChaCha20-Poly1305 stays as the last resort.
 */
const cipherPreference: CipherAlgorithm[] = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
  'chacha20-poly1305@openssh.com',
];
const macPreference: MacAlgorithm[] = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
  'hmac-sha1-etm@openssh.com',
  'hmac-sha1',
];

const hostForwardPattern = /hostfwd=tcp:127\.0\.0\.1:(\d+)-:(\d+)/;

/** The 127.0.0.1 port forwarded to the guest's SSH port, from the domain XML; undefined when none. */
export function sshForwardPort(domainXml: string): number | undefined {
  const match = hostForwardPattern.exec(domainXml);
  return match ? Number(match[1]) : undefined;
}

export class SshConsoleError extends Error {
  override name = 'SshConsoleError';
}

export interface SshConsoleOptions {
  vm: string;
  /** libvirt uuid of the VM: the host key pin is kept under it. */
  uuid: string;
  port: number;
  privateKeyPath: string;
  hostKeys: SshHostKeys;
  user?: string;
  term?: string;
  columns?: number;
  rows?: number;
  /** Give up connecting after this long. */
  timeoutMs?: number;
}

class SshConsoleSource implements ConsoleSource {
  readonly kind = 'ssh' as const;
  private closed = false;

  constructor(
    private readonly vm: string,
    private readonly client: Client,
    private readonly channel: ClientChannel,
  ) {}

  start(events: ConsoleSourceEvents): void {
    let ended = false;
    const end = (reason: string): void => {
      if (this.closed || ended) return;
      ended = true;
      events.end(reason);
    };
    this.channel.on('data', (chunk: Buffer) => events.data(chunk));
    // stderr of a pty session is merged by the guest; anything here is still the user's output.
    this.channel.stderr.on('data', (chunk: Buffer) => events.data(chunk));
    this.channel.on('close', () => end(`The SSH console of ${this.vm} ended (the shell exited or the VM stopped).`));
    this.client.on('close', () => end(`The SSH connection to ${this.vm} closed (the VM stopped or its SSH server went away).`));
    this.client.on('error', (error) => end(`The SSH connection to ${this.vm} failed: ${error.message}`));
  }

  write(bytes: Buffer, signal: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new SshConsoleError(`The SSH console of ${this.vm} is closed.`));
        return;
      }
      if (signal.aborted) {
        resolve(0);
        return;
      }
      // Once handed to the channel the bytes cannot be taken back: a late write counts as not
      // confirmed (0), and what waits in the channel counts against the console's queue limit.
      const late = () => resolve(0);
      signal.addEventListener('abort', late, { once: true });
      this.channel.write(bytes, (error) => {
        signal.removeEventListener('abort', late);
        if (error) reject(error);
        else resolve(bytes.length);
      });
    });
  }

  bufferedBytes(): number {
    return this.channel.writableLength;
  }

  resize(columns: number, rows: number): void {
    this.channel.setWindow(rows, columns, 0, 0);
  }

  pause(): void {
    // Pausing the channel stops ssh2 from widening the SSH window, so the guest's sshd stops sending.
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // destroy(), not end(): the socket must go now, whatever the guest does.
    this.client.destroy();
  }
}

export async function openSshConsole(options: SshConsoleOptions): Promise<ConsoleSource> {
  const { vm } = options;
  let privateKey: Buffer;
  try {
    privateKey = await readFile(options.privateKeyPath);
  } catch (error) {
    throw new SshConsoleError(`The SSH key ${options.privateKeyPath} for ${vm} cannot be read: ${(error as Error).message}`);
  }
  const pinned = await options.hostKeys.get(options.uuid);
  let seen: string | undefined;
  const client = new Client();
  // Errors after login reach the console through start(); this keeps one between login and start() from crashing the service.
  client.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (error) => reject(error));
      client.once('close', () => reject(new SshConsoleError(`The SSH connection to ${vm} closed before login.`)));
      client.connect({
        host: '127.0.0.1',
        port: options.port,
        username: options.user ?? 'root',
        privateKey,
        readyTimeout: options.timeoutMs ?? 20_000,
        algorithms: { cipher: cipherPreference, hmac: macPreference },
        hostVerifier: (key: Buffer) => {
          seen = hostKeyFingerprint(key);
          return pinned === undefined || pinned.fingerprint === seen;
        },
      });
    });
  } catch (error) {
    client.destroy();
    if (pinned !== undefined && seen !== undefined && seen !== pinned.fingerprint) {
      throw new SshConsoleError(
        `The SSH host key of ${vm} changed: pinned ${pinned.fingerprint} on ${pinned.pinnedAt}, now ${seen}. Refusing to connect.`,
      );
    }
    throw new SshConsoleError(`Cannot open an SSH console on ${vm} (127.0.0.1:${options.port}): ${(error as Error).message}`);
  }
  try {
    if (pinned === undefined && seen !== undefined)
      await options.hostKeys.pin(options.uuid, { vm, fingerprint: seen, pinnedAt: new Date().toISOString() });
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      client.shell({ term: options.term ?? 'xterm-256color', cols: options.columns ?? 80, rows: options.rows ?? 24 }, (error, stream) =>
        error ? reject(error) : resolve(stream),
      );
    });
    return new SshConsoleSource(vm, client, channel);
  } catch (error) {
    client.destroy();
    throw new SshConsoleError(`Cannot start a shell on ${vm}: ${(error as Error).message}`);
  }
}
