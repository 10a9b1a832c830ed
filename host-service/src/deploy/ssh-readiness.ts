// Readiness of a guest: an SSH handshake on its forwarded loopback port that ends with the
// lab's key accepted. Until the guest's sshd is up the port refuses, hangs up or stays silent, so
// connects are retried (refused ones after at most 250 ms, silent ones kept beside fresh ones)
// until the deadline or the lab's cancellation.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Client } from 'ssh2';

export interface SshReadinessOptions {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  /** Milliseconds from now. */
  timeoutMs: number;
  signal: AbortSignal;
}

export interface SshReady {
  /** SHA-256 of the host key the guest presented, base64 as OpenSSH prints it. */
  hostKeySha256: string;
  attempts: number;
  elapsedMs: number;
}

export class SshNotReadyError extends Error {
  override name = 'SshNotReadyError';
}

function attempt(options: SshReadinessOptions, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKey = '';
    const abort = () => client.end();
    options.signal.addEventListener('abort', abort, { once: true });
    const finish = (error?: Error) => {
      options.signal.removeEventListener('abort', abort);
      client.end();
      if (error) reject(error);
      else resolve(hostKey);
    };
    client.on('ready', () => finish());
    client.on('error', (error) => finish(error));
    client.on('close', () => finish(new Error('the connection closed before login')));
    client.connect({
      host: options.host,
      port: options.port,
      username: options.user,
      privateKey: options.privateKey,
      readyTimeout: Math.max(1000, timeoutMs),
      // The guest made its host key at first boot; it is recorded here (trust on first use).
      hostVerifier: (key: Buffer) => {
        hostKey = createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
        return true;
      },
    });
  });
}

const maximumBackoffMs = 250;
/**
 * While every connect is silent, a fresh one joins them this often. The guest's stack sends a
 * silent connect's SYN again only after about 3 s, so a fresh connect is what notices sshd soon.
 */
const spareConnectIntervalMs = 250;
/** Silent connects kept open at once; beyond it the oldest is dropped (it has waited 4 s, past its first resend). */
const maximumSilentConnects = 16;

/**
 * QEMU's user network accepts a forwarded connect before the guest listens (or has an address);
 * such a connect then stays silent until the guest's stack retransmits, which may be many seconds
 * after sshd is up. So silent connects are kept (a starved guest may still answer one) while
 * fresh ones start beside them, and the first SSH identification line wins.
 * Resolves at the first greeting; rejects when every connect failed (refused, closed, not SSH),
 * at the deadline, or on abort. `onConnect` counts the connects.
 */
function firstGreeting(options: SshReadinessOptions, timeoutMs: number, onConnect: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const open = new Set<Socket>();
    let spareTimer: NodeJS.Timeout | undefined;
    let replacementTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadlineTimer);
      clearTimeout(spareTimer);
      clearTimeout(replacementTimer);
      options.signal.removeEventListener('abort', abort);
      for (const socket of open) socket.destroy();
      open.clear();
      if (error) reject(error);
      else resolve();
    };
    const drop = (socket: Socket, error: Error) => {
      if (!open.delete(socket)) return;
      socket.destroy();
      // A refused or closed connect is cheap to retry: the caller backs off briefly and calls again.
      if (open.size === 0) {
        finish(error);
        return;
      }
      // The guest's stack answered (sshd not yet listening): connect again soon, not at the next spare.
      if (replacementTimer === undefined) {
        replacementTimer = setTimeout(() => {
          replacementTimer = undefined;
          startConnect();
        }, maximumBackoffMs);
      }
    };
    const startConnect = () => {
      onConnect();
      const socket = connect({ host: options.host, port: options.port });
      open.add(socket);
      socket.once('data', (chunk: Buffer) =>
        chunk.toString('latin1').startsWith('SSH-') ? finish() : finish(new Error('the server did not greet as SSH')),
      );
      socket.once('error', (error) => drop(socket, error));
      socket.once('close', () => drop(socket, new Error('the connection closed before the SSH greeting')));
    };
    const startSpare = () => {
      if (open.size >= maximumSilentConnects) {
        const oldest = open.values().next().value as Socket;
        open.delete(oldest);
        oldest.destroy();
      }
      startConnect();
      spareTimer = setTimeout(startSpare, spareConnectIntervalMs);
    };
    const abort = () => finish(new Error('cancelled'));
    const deadlineTimer = setTimeout(() => finish(new Error(`no SSH greeting within ${timeoutMs} ms`)), timeoutMs);
    options.signal.addEventListener('abort', abort, { once: true });
    startConnect();
    spareTimer = setTimeout(startSpare, spareConnectIntervalMs);
  });
}

function pause(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves once a login with the key succeeds; rejects at the deadline (with the last error) or on abort. */
export async function waitForSsh(options: SshReadinessOptions): Promise<SshReady> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let attempts = 0;
  const countConnect = () => {
    attempts += 1;
  };
  let backoff = 100;
  let lastError = 'no attempt was made';
  while (!options.signal.aborted && Date.now() < deadline) {
    try {
      await firstGreeting(options, Math.max(1, deadline - Date.now()), countConnect);
      if (options.signal.aborted) break;
      countConnect();
      const hostKeySha256 = await attempt(options, Math.min(deadline - Date.now(), 30_000));
      if (options.signal.aborted) break;
      return { hostKeySha256, attempts, elapsedMs: Date.now() - started };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await pause(Math.min(backoff, Math.max(0, deadline - Date.now())), options.signal);
    // At most a quarter second between attempts: a refused connect costs next to nothing, and a
    // longer wait was time every VM spent ready but unnoticed (half a second on average).
    backoff = Math.min(backoff * 2, maximumBackoffMs);
  }
  if (options.signal.aborted) throw new SshNotReadyError(`waiting for SSH on 127.0.0.1:${options.port} was cancelled`);
  throw new SshNotReadyError(
    `SSH on ${options.host}:${options.port} did not accept the lab's key within ${Math.round(options.timeoutMs / 1000)} s (${attempts} attempt(s); last: ${lastError})`,
  );
}
