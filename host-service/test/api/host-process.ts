// Test support for the API tests: builds the vlm-host bundle, starts it as a real process, and
// connects host-client connections to its socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { build } from 'esbuild';
import assert from 'node:assert/strict';
import { ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import { openHostSocket, startHostConnection } from '@vlm/host-client/src/connection';
import type { HostErrorData } from '@vlm/schemas/src/host-protocol';
import { waitUntil } from '../../local-libvirt/wait-until';
import { ssh2CryptoBinding } from '../../build/ssh2-crypto-binding.mjs';

const repositoryRoot = join(__dirname, '..', '..', '..');

/** Bundles host-service/src/main.ts the way scripts/build.mjs does, into `directory`. */
export async function buildHostBundle(directory: string): Promise<string> {
  const outfile = join(directory, 'vlm-host.js');
  await build({
    entryPoints: [join(repositoryRoot, 'host-service', 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['x11', 'usocket', 'cpu-features'],
    plugins: [ssh2CryptoBinding()],
    logLevel: 'warning',
  });
  return outfile;
}

export interface HostProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly socketPath: string;
  stdout: string;
  stderr: string;
  /** SIGTERM; resolves with the exit code once it has exited. */
  stop(): Promise<number | null>;
  /** SIGKILL, like a crash. */
  kill(): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface HostStartOptions {
  bundle: string;
  socketPath: string;
  dataDirectory: string;
  busAddress: string;
  /** Default 'test'. */
  driver?: 'test' | 'qemu';
  extraArguments?: string[];
  /** The process's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export function spawnHost(options: HostStartOptions): HostProcess {
  const child = spawn(
    process.execPath,
    [
      options.bundle,
      '--socket',
      options.socketPath,
      '--data-dir',
      options.dataDirectory,
      '--libvirt',
      options.driver ?? 'test',
      '--bus-address',
      options.busAddress,
      // The bundle is built outside the repository, so it is told where the image builds are.
      '--source-root',
      repositoryRoot,
      ...(options.extraArguments ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: options.env },
  );
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const host: HostProcess = {
    child,
    pid: child.pid as number,
    socketPath: options.socketPath,
    stdout: '',
    stderr: '',
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return (await exited).code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (host.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (host.stderr += chunk));
  return host;
}

/** Starts vlm-host and waits for its ready line (or its exit). */
export async function startHost(options: HostStartOptions): Promise<HostProcess> {
  const host = spawnHost(options);
  const exitedEarly = host.exited.then(() => {
    throw new Error(`vlm-host exited before it was ready: ${host.stderr}`);
  });
  await Promise.race([waitUntil('vlm-host to print its ready line', () => host.stdout.includes('vlm-host ready:'), 20_000), exitedEarly]);
  exitedEarly.catch(() => undefined);
  return host;
}

/** A raw connection through host-client, without its handshake: tests choose their first request. */
export async function connectClient(socketPath: string): Promise<MessageConnection & { close(): void }> {
  const socket = await openHostSocket(socketPath);
  const { connection } = startHostConnection(socket);
  return Object.assign(connection, {
    close() {
      connection.dispose();
      socket.destroy();
    },
  });
}

/** Asserts `promise` fails with a host error of `code` whose data names `field`. */
export async function rejectsWithHostError(
  promise: Promise<unknown>,
  code: number,
  expected: { field?: string; message?: RegExp; allowed?: RegExp } = {},
): Promise<ResponseError<HostErrorData>> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof ResponseError, `expected a ResponseError, got ${String(caught)}`);
  const error = caught as ResponseError<HostErrorData>;
  assert.equal(error.code, code, `code of: ${error.message}`);
  if (expected.field !== undefined) assert.equal(error.data?.field, expected.field, error.message);
  if (expected.message) assert.match(error.message, expected.message);
  if (expected.allowed) assert.match(error.data?.allowed ?? '', expected.allowed);
  return error;
}
