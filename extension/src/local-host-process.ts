// Runs a vlm-host on this machine for the `local` host when no host service is configured:
// spawned with a data folder and socket in the extension's storage, owned by the connection's
// scope. Windows of one VS Code share that storage, so a second window uses the service the
// first one runs. No `vscode` import: unit-tested.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anotherServiceExitCode } from '@vlm/schemas/src/host-exit-codes';
import { socketAnswers } from '@vlm/schemas/src/socket-probe';

export type LocalDriver = 'qemu' | 'test';

export interface LocalHostOptions {
  /** vlm-host's bundle (host-service/dist/vlm-host.js). */
  serverPath: string;
  /** Folder for the socket and the data directory. */
  storageFolder: string;
  driver: LocalDriver;
  /** The service's data folder: its state, disks and seeds. */
  dataFolder: string;
  /** D-Bus address of libvirt-dbus; empty means vlm-host's default (session bus, else system bus). */
  busAddress: string;
  /** Receives every line the service writes. */
  output: (line: string) => void;
}

/**
 * Where the service keeps its data. QEMU guests of qemu:///system run as libvirt's own user,
 * which must reach their disks: not inside VS Code's storage (often a private home folder), but
 * a folder of its own that others may traverse.
 */
export function localDataFolder(
  driver: LocalDriver,
  storageFolder: string,
  environment: NodeJS.ProcessEnv = process.env,
  userId = process.getuid?.() ?? 0,
): string {
  if (environment.VLM_HOST_DATA_DIR) return environment.VLM_HOST_DATA_DIR;
  if (driver === 'test') return join(storageFolder, 'data');
  return userId === 0 ? '/var/lib/vlm/vscode-local-host' : `/var/tmp/vlm-local-host-${userId}`;
}

export function localHostArguments(options: Omit<LocalHostOptions, 'output'>): { socketPath: string; args: string[] } {
  const socketPath = join(options.storageFolder, 'vlm-host.sock');
  const args = [options.serverPath, '--socket', socketPath, '--data-dir', options.dataFolder, '--libvirt', options.driver];
  if (options.busAddress) args.push('--bus-address', options.busAddress);
  // Its stdin is a pipe from this process: when this process dies, however it dies, the pipe
  // closes and the service shuts down once no window uses it, instead of living on without one.
  args.push('--stop-when-stdin-closes');
  return { socketPath, args };
}

/**
 * Node's inspector for the service when VLM_HOST_INSPECT names a port. Only for a service that is
 * not root: the inspector listens on TCP, where any local user could attach and run code as the
 * service, and node cannot put it on a Unix socket.
 */
export function inspectorArguments(environment: NodeJS.ProcessEnv = process.env, userId = process.getuid?.() ?? 0): string[] {
  const value = environment.VLM_HOST_INSPECT;
  if (value === undefined || value === '') return [];
  if (!/^\d{4,5}$/.test(value) || Number(value) < 1024 || Number(value) > 65535) {
    throw new Error(
      `VLM_HOST_INSPECT must be a port number (1024-65535) for the host service's inspector on 127.0.0.1, not ${JSON.stringify(value.slice(0, 50))}.`,
    );
  }
  if (userId === 0) {
    throw new Error(
      'VLM_HOST_INSPECT is set, but the local vlm-host would run as root: its inspector listens on a TCP port that any local user could attach to and run code as root. ' +
        'Unset VLM_HOST_INSPECT, or debug the host service from a VS Code that runs as a normal user.',
    );
  }
  return [`--inspect=127.0.0.1:${value}`];
}

/** The line vlm-host prints on stdout once it listens. */
const readyLinePrefix = 'vlm-host ready:';

export class LocalHostProcess {
  readonly socketPath: string;
  private readonly child: ChildProcess;
  /** Set once the process ends; says how. */
  exitReason: string | undefined;
  /** Its exit code, once it has exited by itself. */
  exitCode: number | undefined;
  /** The last line the service wrote to stderr: why it stopped, when it stopped early. */
  lastErrorLine: string | undefined;
  readonly exited: Promise<string>;
  /** Resolves when this process (not another window's) says it listens. */
  private readonly listening: Promise<void>;

  constructor(options: LocalHostOptions) {
    // Opt-in (see the README's Development section); checked before anything is made.
    const inspect = inspectorArguments();
    mkdirSync(options.storageFolder, { recursive: true });
    mkdirSync(options.dataFolder, { recursive: true });
    // Traversable by libvirt's QEMU user, not listable; what is private inside, vlm-host keeps private.
    if (options.driver === 'qemu') chmodSync(options.dataFolder, 0o711);
    const { socketPath, args } = localHostArguments(options);
    this.socketPath = socketPath;
    // No socket is removed here: vlm-host replaces a stale one itself and leaves a live one (another
    // window's service) alone.
    this.child = spawn(process.execPath, [...inspect, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Our own process group: stopping it ends anything the service started.
      detached: true,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    // Whoever started VS Code (npm start) can end a service that outlived it. Written once it
    // listens: a service that lost the data folder to another window's must not replace its pid.
    const pidFile = join(options.dataFolder, 'vlm-host.pid');
    const pidText = `${this.child.pid}\n`;
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.output(line);
    };
    let stdoutTail = '';
    this.listening = new Promise((resolve) => {
      this.child.stdout?.on('data', (chunk: Buffer) => {
        const lines = (stdoutTail + chunk.toString('utf8')).split('\n');
        stdoutTail = lines.pop() ?? '';
        if (!lines.some((line) => line.startsWith(readyLinePrefix))) return;
        if (this.child.pid !== undefined && !this.exitReason) writeFileSync(pidFile, pidText);
        resolve();
      });
    });
    this.child.stdout?.on('data', forward);
    this.child.stderr?.on('data', (chunk: Buffer) => {
      forward(chunk);
      const lines = chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim());
      this.lastErrorLine = lines.at(-1)?.trim() ?? this.lastErrorLine;
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.exitReason = `vlm-host could not start: ${error.message}`;
        resolve(this.exitReason);
      });
      this.child.once('close', (code, signal) => {
        // No pid file outlives its process, where a reused pid could be taken for the service's.
        if (this.child.pid !== undefined && existsSync(pidFile) && readFileSync(pidFile, 'utf8') === pidText)
          rmSync(pidFile, { force: true });
        this.exitCode = code ?? undefined;
        this.exitReason = signal ? `vlm-host was ended by ${signal}` : `vlm-host exited with code ${code}`;
        resolve(this.exitReason);
      });
    });
  }

  /** Resolves once this service says it listens; rejects with the exit reason if it ends first. */
  async ready(timeoutMs = 20_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.listening.then(() => 'listening' as const),
      this.exited.then(() => 'exited' as const),
      new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'exited' || this.exitReason) {
      const said = this.lastErrorLine ? `: ${this.lastErrorLine.replace(/\.$/, '')}` : '';
      throw new Error(`${this.exitReason} before it listened on ${this.socketPath}${said}. See the Virtual Labs log.`);
    }
    if (outcome === 'late') throw new Error(`vlm-host did not listen on ${this.socketPath} within ${timeoutMs / 1000} s.`);
  }

  /**
   * For a closing window: ends the service's standard input, as the window's death would. The
   * service stops at once unless another window is connected to it; then it stops once none is.
   */
  release(): void {
    this.child.stdin?.end();
  }

  /** SIGTERM to the process group, SIGKILL if it is still there after 5 s. */
  async stop(): Promise<void> {
    if (this.exitReason || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-pid, name);
      } catch {
        // Already gone.
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The service a window uses: its own, or the one another window of the same VS Code runs. */
export interface LocalHostUse {
  socketPath: string;
  /** This window's process, to stop with the window; undefined when another window's is used. */
  own: LocalHostProcess | undefined;
}

/**
 * This window's service while it runs; else the one that answers on the shared socket; else a new
 * one. Two windows starting at once both spawn one: the loser exits with anotherServiceExitCode
 * and uses the winner's once it listens.
 */
export async function useLocalHost(
  current: LocalHostProcess | undefined,
  options: LocalHostOptions,
  timeoutMs = 20_000,
): Promise<LocalHostUse> {
  if (current && !current.exitReason) {
    await current.ready(timeoutMs);
    return { socketPath: current.socketPath, own: current };
  }
  const { socketPath } = localHostArguments(options);
  if (await socketAnswers(socketPath)) return { socketPath, own: undefined };
  const started = new LocalHostProcess(options);
  const deadline = Date.now() + timeoutMs;
  try {
    await started.ready(timeoutMs);
    return { socketPath, own: started };
  } catch (error) {
    if (started.exitCode !== anotherServiceExitCode) {
      await started.stop();
      throw error;
    }
    // The other service may still be starting: its socket answers once it listens.
    while (Date.now() < deadline) {
      if (await socketAnswers(socketPath)) return { socketPath, own: undefined };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw error;
  }
}
