// Reads ansible-playbook's output under the ansible.posix.jsonl callback (one JSON event per line):
// turns events into short readable lines for the deploy log and remembers which task failed on
// which host, so a failed run can be reported by task name.

export interface TaskFailure {
  task: string;
  host: string;
  unreachable: boolean;
  /** Ansible's message, with the task's rc and last stderr line when there are any. */
  reason: string;
}

interface HostResult {
  msg?: unknown;
  rc?: unknown;
  stderr?: unknown;
  stdout?: unknown;
  changed?: unknown;
  skip_reason?: unknown;
}

interface PlaybookEvent {
  _event: string;
  play?: { name?: unknown };
  task?: { name?: unknown };
  hosts?: Record<string, HostResult>;
  stats?: Record<string, Record<string, unknown>>;
}

/** The JSON event on a line, or undefined for any other line (warnings, errors, noise). */
export function parseEventLine(line: string): PlaybookEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    if (typeof value === 'object' && value !== null && typeof (value as { _event?: unknown })._event === 'string')
      return value as PlaybookEvent;
  } catch {
    // Not an event: passed through as text.
  }
  return undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

// raw tasks run through `ssh -tt`, whose own goodbye ends up in the task's stderr.
const sshNoise = /^(Shared c|C)onnection to \S+ closed\.$/;

function lastLine(value: unknown): string {
  const lines = text(value)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !sshNoise.test(line));
  return lines[lines.length - 1] ?? '';
}

function failureReason(result: HostResult): string {
  const parts = [text(result.msg).trim() || 'failed'];
  if (typeof result.rc === 'number') parts.push(`rc ${result.rc}`);
  // Over `ssh -tt` the task's stderr arrives merged into stdout: fall back to that.
  const stderr = lastLine(result.stderr);
  const stdout = lastLine(result.stdout);
  if (stderr) parts.push(`stderr: ${stderr}`);
  else if (stdout) parts.push(`output: ${stdout}`);
  return parts.join('; ');
}

/** Follows one run: readable lines out, failures kept. */
export class PlaybookProgress {
  readonly failures: TaskFailure[] = [];
  /** Per-host counts from the final recap, when the run got that far. */
  recap: Record<string, Record<string, unknown>> | undefined;
  /** The task that started last, if any. */
  lastTask: string | undefined;

  /** Readable lines for one line of ansible-playbook's stdout. */
  readLine(line: string): string[] {
    const event = parseEventLine(line);
    if (!event) return line.trim() === '' ? [] : [line];
    const task = text(event.task?.name) || '(unnamed task)';
    const hosts = Object.entries(event.hosts ?? {});
    switch (event._event) {
      case 'v2_playbook_on_play_start':
        return [`PLAY ${text(event.play?.name) || '(unnamed play)'}`];
      case 'v2_playbook_on_task_start':
      case 'v2_playbook_on_handler_task_start':
        this.lastTask = task;
        return [`TASK ${task}`];
      case 'v2_runner_on_ok':
        return hosts.map(([host, result]) => `${result.changed === true ? 'changed' : 'ok'}: ${host}`);
      case 'v2_runner_on_skipped':
        return hosts.map(([host]) => `skipped: ${host}`);
      case 'v2_runner_on_failed':
      case 'v2_runner_on_unreachable': {
        const unreachable = event._event === 'v2_runner_on_unreachable';
        return hosts.map(([host, result]) => {
          const failure: TaskFailure = { task, host, unreachable, reason: failureReason(result) };
          this.failures.push(failure);
          return `${unreachable ? 'unreachable' : 'failed'}: ${host}: ${failure.reason}`;
        });
      }
      case 'v2_playbook_on_stats': {
        this.recap = event.stats ?? {};
        return Object.entries(this.recap).map(
          ([host, counts]) =>
            `RECAP ${host}: ${Object.entries(counts)
              .map(([name, count]) => `${name}=${String(count)}`)
              .join(' ')}`,
        );
      }
      default:
        return [];
    }
  }
}
