// Runs a vlm-host on this machine for the `local` host when no host service is configured:
// spawned with a data folder and socket in the extension's storage, owned by the connection's
// scope. No `vscode` import: unit-tested.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
  // closes and the service shuts down instead of living on without an owner.
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

export class LocalHostProcess {
  readonly socketPath: string;
  private readonly child: ChildProcess;
  /** Set once the process ends; says how. */
  exitReason: string | undefined;
  /** The last line the service wrote to stderr: why it stopped, when it stopped early. */
  lastErrorLine: string | undefined;
  readonly exited: Promise<string>;

  constructor(options: LocalHostOptions) {
    // Opt-in (see the README's Development section); checked before anything is made.
    const inspect = inspectorArguments();
    mkdirSync(options.storageFolder, { recursive: true });
    mkdirSync(options.dataFolder, { recursive: true });
    // Traversable by libvirt's QEMU user, not listable; what is private inside, vlm-host keeps private.
    if (options.driver === 'qemu') chmodSync(options.dataFolder, 0o711);
    const { socketPath, args } = localHostArguments(options);
    this.socketPath = socketPath;
    // A socket left by a service that crashed would look ready at once.
    rmSync(socketPath, { force: true });
    this.child = spawn(process.execPath, [...inspect, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Our own process group: stopping it ends anything the service started.
      detached: true,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    // Whoever started VS Code (npm start) can end a service that outlived it.
    const pidFile = join(options.dataFolder, 'vlm-host.pid');
    const pidText = `${this.child.pid}\n`;
    if (this.child.pid !== undefined) writeFileSync(pidFile, pidText);
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.output(line);
    };
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
        this.exitReason = signal ? `vlm-host was ended by ${signal}` : `vlm-host exited with code ${code}`;
        resolve(this.exitReason);
      });
    });
  }

  /** Resolves once the socket exists; rejects with the exit reason if the process ends first. */
  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(this.socketPath)) {
      if (this.exitReason) {
        const said = this.lastErrorLine ? `: ${this.lastErrorLine.replace(/\.$/, '')}` : '';
        throw new Error(`${this.exitReason} before it listened on ${this.socketPath}${said}. See the Virtual Labs log.`);
      }
      if (Date.now() > deadline) throw new Error(`vlm-host did not listen on ${this.socketPath} within ${timeoutMs / 1000} s.`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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
