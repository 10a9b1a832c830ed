// vlm as a running process, for tests that watch it while it runs: on pipes (output watched,
// signals sent) or on a pseudo-terminal through util-linux's `script` (keys typed).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { launcher, repositoryRoot, type VlmResult } from './run-vlm';

export interface RunningVlm {
  /** Resolves once standard output matches `pattern`; rejects if vlm exits first. */
  waitForOutput(pattern: RegExp): Promise<void>;
  /** The same for standard error. */
  waitForError(pattern: RegExp): Promise<void>;
  signal(name: NodeJS.Signals): void;
  finished: Promise<VlmResult>;
}

/** Starts vlm without a terminal on stdin; the host keeps running meanwhile. */
export function startVlm(commandLine: readonly string[], environment: NodeJS.ProcessEnv = process.env): RunningVlm {
  const child = spawn(process.execPath, [launcher, ...commandLine], {
    cwd: repositoryRoot,
    env: environment,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const watcher of watchers) watcher();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const watcher of watchers) watcher();
  });
  // A hang is a failure, not a stuck test run.
  const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const finished = once(child, 'exit').then(([status]) => {
    clearTimeout(deadline);
    return { status: status as number | null, stdout, stderr, lines: stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n') };
  });
  const waitFor = (stream: () => string, pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => pattern.test(stream()) && resolve();
      watchers.push(check);
      check();
      void finished.then((result) =>
        reject(new Error(`vlm exited (${result.status}) before printing ${pattern}:\n${result.stdout}${result.stderr}`)),
      );
    });
  return {
    finished,
    signal: (name) => child.kill(name),
    waitForOutput: (pattern) => waitFor(() => stdout, pattern),
    waitForError: (pattern) => waitFor(() => stderr, pattern),
  };
}

export function runVlmAsync(commandLine: readonly string[], environment: NodeJS.ProcessEnv = process.env): Promise<VlmResult> {
  return startVlm(commandLine, environment).finished;
}

export interface TerminalVlm {
  /** Resolves once the terminal shows `pattern`; rejects if vlm exits first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Keys as typed on the terminal: "\\r" is Enter, "\\u0003" Ctrl-C. */
  type(keys: string): void;
  finished: Promise<{ status: number | null; output: string }>;
}

/** Runs vlm on a pseudo-terminal, as in an interactive shell, through util-linux's `script`. */
export function startOnTerminal(commandLine: readonly string[]): TerminalVlm {
  // `exec`: a shell that stayed as vlm's parent would die of the terminal's Ctrl-C itself (dash
  // does) and `script` would report 130 whatever vlm did.
  const command = `exec ${[process.execPath, launcher, ...commandLine].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ')}`;
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: repositoryRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const watchers: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const watcher of watchers) watcher();
  });
  const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
  // The terminal's line ends and readline's cursor moves are not what these tests check; colours stay.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: readline's cursor moves are escape sequences
  const plain = () => output.replace(/\r+\n/g, '\n').replace(/\u001b\[\d*[GJK]/g, '');
  const finished = once(child, 'exit').then(([status]) => {
    clearTimeout(deadline);
    child.stdin.destroy();
    return { status: status as number | null, output: plain() };
  });
  return {
    finished,
    type: (keys) => child.stdin.write(keys),
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => pattern.test(plain()) && resolve();
        watchers.push(check);
        check();
        void finished.then((result) => reject(new Error(`vlm exited (${result.status}) before showing ${pattern}:\n${result.output}`)));
      }),
  };
}

/** Runs vlm on a terminal and types `answer` and Enter at its confirmation question. */
export async function runVlmOnTerminal(commandLine: readonly string[], answer: string): Promise<{ status: number | null; output: string }> {
  const terminal = startOnTerminal(commandLine);
  await terminal.waitFor(/\[y\/N\] $/).then(
    () => terminal.type(`${answer}\r`),
    () => undefined, // a command without a question
  );
  return terminal.finished;
}
