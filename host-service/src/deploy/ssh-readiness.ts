// Readiness of a guest: an SSH handshake on its forwarded loopback port that ends with the
// lab's key accepted. Until the guest's sshd is up the port refuses or hangs up, so connects
// are retried with a short backoff (at most 250 ms) until the deadline or the lab's cancellation.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
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
/** How long a first connect may go without the server's SSH greeting; doubled after each silent one (a starved guest is slow to answer). */
const firstGreetingTimeoutMs = 2000;

/**
 * Resolves once the server on the port sends its SSH identification line. QEMU's user network
 * accepts a forwarded connect before the guest listens (or has an address); such a connect then
 * stays silent until the guest's stack retransmits, seconds after sshd is up. Dropping silent
 * connects after a moment and connecting anew notices sshd as soon as it answers.
 */
class SilentServerError extends Error {}

function greeting(options: SshReadinessOptions, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host, port: options.port });
    const finish = (error?: Error) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', abort);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const abort = () => finish(new Error('cancelled'));
    const timer = setTimeout(() => finish(new SilentServerError(`no SSH greeting within ${timeoutMs} ms`)), timeoutMs);
    options.signal.addEventListener('abort', abort, { once: true });
    socket.once('data', (chunk: Buffer) =>
      chunk.toString('latin1').startsWith('SSH-') ? finish() : finish(new Error('the server did not greet as SSH')),
    );
    socket.once('error', (error) => finish(error));
    socket.once('close', () => finish(new Error('the connection closed before the SSH greeting')));
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
  let backoff = 100;
  let greetingTimeoutMs = firstGreetingTimeoutMs;
  let lastError = 'no attempt was made';
  while (!options.signal.aborted && Date.now() < deadline) {
    attempts += 1;
    try {
      // One attempt may not use the whole deadline: a forward that accepted but never answers is retried.
      await greeting(options, Math.min(greetingTimeoutMs, Math.max(1, deadline - Date.now())));
      if (options.signal.aborted) break;
      const hostKeySha256 = await attempt(options, Math.min(deadline - Date.now(), 30_000));
      if (options.signal.aborted) break;
      return { hostKeySha256, attempts, elapsedMs: Date.now() - started };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      if (error instanceof SilentServerError) greetingTimeoutMs = Math.min(greetingTimeoutMs * 2, 30_000);
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
