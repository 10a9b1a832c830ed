// A spawned program the tests own: stopped by its own pid, never by name.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export class OwnedProcess {
  private exited: Promise<void>;
  private stderrTail = '';

  constructor(readonly label: string, readonly child: ChildProcess) {
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

export function spawnOwned(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): OwnedProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.on('error', () => undefined); // surfaced through `running` and the caller's readiness wait
  return new OwnedProcess(label, child);
}
