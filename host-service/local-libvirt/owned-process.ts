// A spawned program this run owns (`npm start` or a test): stopped by its own pid, never by name.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { requireCommand } from './require-command';

export class OwnedProcess {
  private exited: Promise<void>;
  private stderrTail = '';

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    this.exited = once(child, 'exit').then(() => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.label} has no pid (did it fail to spawn?)`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What it last wrote to stderr, for error messages. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGCONT'); // a frozen process cannot act on SIGTERM
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGSTOP: it stays on the bus but answers nothing, like a hung service. */
  freeze(): void {
    if (this.running) this.child.kill('SIGSTOP');
  }

  thaw(): void {
    if (this.running) this.child.kill('SIGCONT');
  }

  /** Simulates a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Starts `command` so that the kernel kills it when this process dies, however it dies (util-linux
 * setpriv sets PR_SET_PDEATHSIG, then runs the command in its place, under the same pid): a killed
 * test run or `npm start` leaves no bus or libvirt-dbus behind, reparented to init. In a process
 * group of its own, so a Ctrl-C meant for `npm start` does not end it before npm start's own
 * cleanup, which still needs the bus, has run.
 */
export function spawnOwned(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): OwnedProcess {
  const setpriv = requireCommand('setpriv', 'util-linux');
  const child = spawn(setpriv, ['--pdeathsig', 'KILL', '--', command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.on('error', () => undefined); // surfaced through `running` and the caller's readiness wait
  return new OwnedProcess(label, child);
}
