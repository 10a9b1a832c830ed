// Readiness of a guest: an SSH handshake on its forwarded loopback port that ends with the
// lab's key accepted. Until the guest's sshd is up the port refuses or hangs up, so connects
// are retried with a short backoff until the deadline or the lab's cancellation.
import { createHash } from 'node:crypto';
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
  let lastError = 'no attempt was made';
  while (!options.signal.aborted && Date.now() < deadline) {
    attempts += 1;
    try {
      // One attempt may not use the whole deadline: a forward that accepted but never answers is retried.
      const hostKeySha256 = await attempt(options, Math.min(deadline - Date.now(), 30_000));
      if (options.signal.aborted) break;
      return { hostKeySha256, attempts, elapsedMs: Date.now() - started };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await pause(Math.min(backoff, Math.max(0, deadline - Date.now())), options.signal);
    backoff = Math.min(backoff * 2, 1000);
  }
  if (options.signal.aborted) throw new SshNotReadyError(`waiting for SSH on 127.0.0.1:${options.port} was cancelled`);
  throw new SshNotReadyError(
    `SSH on ${options.host}:${options.port} did not accept the lab's key within ${Math.round(options.timeoutMs / 1000)} s (${attempts} attempt(s); last: ${lastError})`,
  );
}
