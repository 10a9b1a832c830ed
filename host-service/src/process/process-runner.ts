// The one way vlm-host runs other programs: an argument array (never a shell string), a new
// process group so cancelling reaches grandchildren too, output streamed line by line, an
// AbortSignal and a timeout that end the whole group (SIGTERM, then SIGKILL after a grace period).
import { spawn } from 'node:child_process';

export interface CommandDescription {
  program: string;
  args: readonly string[];
  cwd?: string;
  /** The whole environment of the child; the parent's when omitted. */
  env?: NodeJS.ProcessEnv;
  /** Ends the process group after this long; no limit when omitted. */
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL when cancelling or timing out. */
  killGraceMs?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Each line; `cutCharacters` is how much of an over-long line was dropped (see maximumLineCharacters). */
  onStdoutLine?: (line: string, cutCharacters: number) => void;
  onStderrLine?: (line: string, cutCharacters: number) => void;
  /** Output kept in the result per stream; the rest is dropped from the front. */
  maximumKeptBytes?: number;
  /** Lines longer than this reach the callbacks cut to this length, so one endless line cannot fill memory. */
  maximumLineCharacters?: number;
}

export interface CommandResult {
  /** null when the process ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  timedOut: boolean;
  durationMs: number;
}

const defaultGraceMs = 5_000;
const defaultKeptBytes = 4 * 1024 * 1024;
const stderrLinesInErrors = 8;

/** How a command is named in messages: program and arguments, quoted when needed. */
export function describeCommand(command: Pick<CommandDescription, 'program' | 'args'>): string {
  return [command.program, ...command.args].map((part) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The command did not succeed: names it, how it ended, and its last stderr lines. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    const ending = result.timedOut
      ? 'timed out'
      : result.cancelled
        ? 'was cancelled'
        : result.signal !== null
          ? `was killed by ${result.signal}`
          : `exited with status ${result.exitCode}`;
    const tail = lastLines(result.stderr, stderrLinesInErrors);
    super(`${command} ${ending}${tail ? `:\n${tail}` : '.'}`);
  }
}

/** Whether any process of the group still exists. */
function groupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch {
    // The group is already gone.
  }
}

/** Splits a byte stream into lines, each cut at `limit`; the last partial line comes out at the end. */
class LineSplitter {
  private pending = '';
  private cut = 0;
  constructor(
    private readonly onLine: ((line: string, cutCharacters: number) => void) | undefined,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}
  push(text: string): void {
    if (!this.onLine) return;
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      this.add(text.slice(start, newline));
      const line = this.pending.endsWith('\r') && this.cut === 0 ? this.pending.slice(0, -1) : this.pending;
      this.onLine(line, this.cut);
      this.pending = '';
      this.cut = 0;
      start = newline + 1;
    }
    this.add(text.slice(start));
  }
  private add(text: string): void {
    const room = Math.max(0, this.limit - this.pending.length);
    this.pending += text.slice(0, room);
    this.cut += Math.max(0, text.length - room);
  }
  end(): void {
    if (this.onLine && (this.pending !== '' || this.cut > 0)) this.onLine(this.pending, this.cut);
    this.pending = '';
    this.cut = 0;
  }
}

class KeptText {
  text = '';
  constructor(private readonly limit: number) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit) this.text = this.text.slice(this.text.length - this.limit);
  }
}

/**
 * Runs a command to its end and tells how it ended; a non-zero exit is not thrown (see
 * requireSuccess). Rejects only when the program cannot be started.
 */
export function runCommand(command: CommandDescription, options: RunOptions = {}): Promise<CommandResult> {
  const started = performance.now();
  const kept = options.maximumKeptBytes ?? defaultKeptBytes;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, signal: null, stdout: '', stderr: '', cancelled: true, timedOut: false, durationMs: 0 });
      return;
    }
    const child = spawn(command.program, [...command.args], {
      cwd: command.cwd,
      env: command.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = new KeptText(kept);
    const stderr = new KeptText(kept);
    const stdoutLines = new LineSplitter(options.onStdoutLine, options.maximumLineCharacters);
    const stderrLines = new LineSplitter(options.onStderrLine, options.maximumLineCharacters);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout.push(chunk);
      stdoutLines.push(chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr.push(chunk);
      stderrLines.push(chunk);
    });

    let cancelled = false;
    let timedOut = false;
    let stopping: Promise<void> | undefined;
    let groupWatch: NodeJS.Timeout | undefined;
    const groupId = child.pid;

    // SIGTERM to the group; whatever of it is left after the grace period gets SIGKILL.
    const stopGroup = (): Promise<void> => {
      if (groupId === undefined) return Promise.resolve();
      stopping ??= new Promise<void>((done) => {
        signalGroup(groupId, 'SIGTERM');
        const deadline = Date.now() + (command.killGraceMs ?? defaultGraceMs);
        const check = () => {
          if (!groupAlive(groupId)) return done();
          if (Date.now() >= deadline) {
            signalGroup(groupId, 'SIGKILL');
            return done();
          }
          groupWatch = setTimeout(check, 50);
        };
        check();
      });
      return stopping;
    };

    const onAbort = () => {
      cancelled = true;
      void stopGroup();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      command.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            void stopGroup();
          }, command.timeoutMs);

    const finish = () => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };

    child.once('error', (error) => {
      finish();
      if (groupWatch) clearTimeout(groupWatch);
      reject(new Error(`Could not start ${describeCommand(command)}: ${error.message}`));
    });
    child.once('close', (exitCode, signal) => {
      finish();
      stdoutLines.end();
      stderrLines.end();
      const result = (): CommandResult => ({
        exitCode,
        signal,
        stdout: stdout.text,
        stderr: stderr.text,
        cancelled,
        timedOut,
        durationMs: performance.now() - started,
      });
      // When stopping, answer only once the rest of the group is gone too.
      if (stopping) void stopping.then(() => resolve(result()));
      else resolve(result());
    });
  });
}

/** The result when the command exited with status 0; else a CommandFailedError. */
export function requireSuccess(command: CommandDescription, result: CommandResult): CommandResult {
  if (result.exitCode === 0 && !result.cancelled && !result.timedOut) return result;
  throw new CommandFailedError(describeCommand(command), result);
}
