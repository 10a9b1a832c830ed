// Runs a lab's Ansible playbook against one guest, confined (see sandbox.ts): the playbook is
// checked against the shared rules first (refused with its line), then ansible-playbook runs in a
// bubblewrap sandbox whose only way out is a Unix socket forwarded to that guest's SSH port. Each
// run gets a private folder (inventory, config, playbook, known_hosts) that is always removed.
// Output comes as JSON lines (ansible.posix.jsonl), streamed as short readable lines, bounded in
// line length and count; a run past its deadline is ended with everything it started.
import { readFile, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { findPlaybookRuleProblems } from '@vlm/schemas/src/playbook-rules';
import { CommandFailedError, describeCommand, lastLines, runCommand } from '../process/process-runner';
import { PlaybookProgress, type TaskFailure } from './ansible-events';
import {
  forwardSocketToPort,
  createRunDirectory,
  requireSandboxPrograms,
  sandboxCommand,
  sandboxAgentSocketName,
  sandboxRunDirectory,
  sandboxSocketName,
  sandboxUser,
  type SocketForward,
} from './sandbox';
import { serveSshAgent, type SshAgent } from './ssh-agent';

export interface PlaybookOptions {
  /** The playbook's YAML text: a list of plays. */
  playbook: string;
  /** The inventory name of the guest (the VM's name). */
  host: string;
  /** The guest's SSH port on 127.0.0.1, reached only through the sandbox's socket. */
  port: number;
  user: string;
  /** Read by vlm-host, which signs the run's logins with it through an agent: the key never enters the sandbox. */
  privateKeyPath: string;
  /** Host paths the run must not see even where the sandbox shows the system (the data directory). */
  hiddenPaths?: readonly string[];
  /** The run is ended after this long. Default: defaultPlaybookTimeoutMs. */
  timeoutMs?: number;
  onLine(line: string): void;
  signal: AbortSignal;
}

/** 30 minutes: package installs on slow (TCG) guests take a while; a run that hangs is ended. */
export const defaultPlaybookTimeoutMs = 30 * 60_000;
/** Lines of a run that reach the log; the rest are counted and reported as cut. */
export const maximumPlaybookLogLines = 1000;
/** Characters of one log line; longer lines are cut, saying how much. */
export const maximumPlaybookLineCharacters = 2000;
// One output line is read up to this length (Ansible's JSON events hold whole task results).
const maximumReadLineCharacters = 256 * 1024;

/** The options or the playbook are not acceptable; nothing was run. */
export class PlaybookInputError extends Error {
  override readonly name = 'PlaybookInputError';
}

/** ansible-playbook ran and did not succeed. */
export class PlaybookFailedError extends Error {
  override readonly name = 'PlaybookFailedError';
  constructor(
    message: string,
    readonly failures: TaskFailure[],
  ) {
    super(message);
  }
}

const hostPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const userPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const maximumPlaybookBytes = 1024 * 1024;
// Keys a play may have besides tasks; one of these marks a mapping as a play.
const playMarkers = ['hosts', 'import_playbook', 'ansible.builtin.import_playbook'];

/**
 * Checks that the text is a YAML list of plays and that nothing in it acts outside the VM `host`
 * (the shared playbook rules); the error says what is wrong and on which line.
 */
export function validatePlaybook(playbook: string, host?: string): void {
  if (Buffer.byteLength(playbook) > maximumPlaybookBytes)
    throw new PlaybookInputError(`The playbook is larger than ${maximumPlaybookBytes} bytes.`);
  let document: unknown;
  try {
    document = parseYaml(playbook, { prettyErrors: true, maxAliasCount: 1000 });
  } catch (error) {
    throw new PlaybookInputError(`The playbook is not valid YAML: ${(error as Error).message}`);
  }
  if (!Array.isArray(document) || document.length === 0) {
    throw new PlaybookInputError(
      `The playbook must be a YAML list of plays (each "- hosts: ..." with tasks), not ${Array.isArray(document) ? 'an empty list.' : `${document === null ? 'empty' : typeof document}.`}`,
    );
  }
  document.forEach((play: unknown, index) => {
    if (typeof play !== 'object' || play === null || Array.isArray(play)) {
      throw new PlaybookInputError(`Play ${index + 1} of the playbook is not a mapping (a play has "hosts:" and "tasks:").`);
    }
    if (!playMarkers.some((key) => key in play)) {
      throw new PlaybookInputError(`Play ${index + 1} of the playbook has no "hosts:"; every play names the hosts it runs on.`);
    }
  });
  const problems = findPlaybookRuleProblems(playbook, host === undefined ? {} : { vmName: host });
  if (problems.length > 0) {
    const listed = problems
      .slice(0, 5)
      .map((problem) => `line ${problem.line}: ${problem.message}`)
      .join(' ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new PlaybookInputError(`The playbook would act outside its VM, so nothing was run. ${listed}${more}`);
  }
}

async function validateOptions(options: PlaybookOptions): Promise<string> {
  if (!hostPattern.test(options.host)) {
    throw new PlaybookInputError(
      `The Ansible host name ${JSON.stringify(options.host)} is not allowed: use letters, digits, ".", "_" and "-" (at most 63, starting with a letter or digit).`,
    );
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new PlaybookInputError(`The SSH port ${options.port} is not a TCP port (1-65535).`);
  }
  if (!userPattern.test(options.user)) {
    throw new PlaybookInputError(`The SSH user ${JSON.stringify(options.user)} is not a valid user name.`);
  }
  const timeout = options.timeoutMs ?? defaultPlaybookTimeoutMs;
  if (!Number.isInteger(timeout) || timeout < 1000)
    throw new PlaybookInputError(`The provisioning deadline must be a whole number of milliseconds, at least 1000, not ${timeout}.`);
  if (!isAbsolute(options.privateKeyPath)) {
    throw new PlaybookInputError(`The private key path ${JSON.stringify(options.privateKeyPath)} must be an absolute path.`);
  }
  let key: string;
  try {
    key = await readFile(options.privateKeyPath, 'utf8');
  } catch (error) {
    throw new PlaybookInputError(`The private key ${options.privateKeyPath} cannot be read: ${(error as Error).message}`);
  }
  validatePlaybook(options.playbook, options.host);
  return key;
}

/** Ansible's settings for this run, as a config file (no other ansible config is read). Paths are the sandbox's. */
function ansibleConfig(): string {
  // Host keys are kept per run (accept-new into this run's own file). No ControlPersist: a
  // lingering SSH master would outlive the run. The only way to the VM is the forwarded socket.
  const sshArguments = [
    '-o ControlMaster=no',
    '-o ControlPath=none',
    `-o UserKnownHostsFile=${sandboxRunDirectory}/known_hosts`,
    '-o GlobalKnownHostsFile=/dev/null',
    '-o StrictHostKeyChecking=accept-new',
    // The agent's one key, nothing else (no key files exist inside).
    `-o IdentityAgent=${sandboxRunDirectory}/${sandboxAgentSocketName}`,
    '-o BatchMode=yes',
    '-o ConnectTimeout=20',
    '-o LogLevel=ERROR',
    `-o "ProxyCommand=nc -U ${sandboxRunDirectory}/${sandboxSocketName}"`,
  ].join(' ');
  return [
    '[defaults]',
    'stdout_callback = ansible.posix.jsonl',
    'retry_files_enabled = False',
    'nocolor = True',
    'host_key_checking = True',
    'local_tmp = /tmp/ansible-local',
    'interpreter_python = auto_silent',
    '[ssh_connection]',
    `ssh_args = ${sshArguments}`,
    'pipelining = True',
    '',
  ].join('\n');
}

/** The sandbox's whole environment: nothing of vlm-host's own. */
function ansibleEnvironment(): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: `${sandboxRunDirectory}/home`,
    USER: 'vlm-provision',
    LANG: 'C.UTF-8',
    TMPDIR: '/tmp',
    ANSIBLE_CONFIG: `${sandboxRunDirectory}/ansible.cfg`,
    ANSIBLE_HOME: `${sandboxRunDirectory}/home/.ansible`,
    ANSIBLE_FORCE_COLOR: '0',
    PYTHONUNBUFFERED: '1',
  };
}

/** Why a run failed, naming the failed task and host when Ansible said so. */
function failureMessage(progress: PlaybookProgress, stderr: string, error: CommandFailedError): string {
  const [first, ...others] = progress.failures;
  if (first) {
    const what = first.unreachable ? `could not reach ${first.host}` : `failed on ${first.host}`;
    const more = others.length > 0 ? ` (and ${others.length} more failure${others.length > 1 ? 's' : ''})` : '';
    return `Ansible task "${first.task}" ${what}: ${first.reason}${more}`;
  }
  const tail = lastLines(stderr, 6);
  if (/Invalid callback for stdout|ansible\.posix\.jsonl/.test(stderr)) {
    return `ansible-playbook lacks the ansible.posix collection (install Debian's "ansible" package, not only ansible-core): ${tail}`;
  }
  return tail ? `ansible-playbook failed before any task ran: ${tail}` : error.message;
}

/** Passes lines on up to the run's budget, each cut to a readable length; counts the rest. */
class BoundedLines {
  private logged = 0;
  private droppedLines = 0;
  private droppedCharacters = 0;
  constructor(private readonly onLine: (line: string) => void) {}

  push(line: string, cutCharacters = 0): void {
    if (this.logged >= maximumPlaybookLogLines) {
      this.droppedLines += 1;
      this.droppedCharacters += line.length + cutCharacters;
      return;
    }
    this.logged += 1;
    const cut = cutCharacters + Math.max(0, line.length - maximumPlaybookLineCharacters);
    this.onLine(cut > 0 ? `${line.slice(0, maximumPlaybookLineCharacters)} ... (${cut} more characters cut)` : line);
  }

  /** A closing line saying what was cut, if anything. */
  finish(): void {
    if (this.droppedLines === 0) return;
    this.onLine(
      `Output cut: ${this.droppedLines} more line(s), ${this.droppedCharacters} characters, past the first ${maximumPlaybookLogLines} lines of this run were not kept.`,
    );
  }
}

/** Readable lines for one line of stdout; a JSON event too long to read whole is named, not parsed. */
function readStdoutLine(progress: PlaybookProgress, line: string, cutCharacters: number): string[] {
  if (cutCharacters === 0) return progress.readLine(line);
  const event = /^\{"_event": ?"(\w+)"/.exec(line)?.[1];
  const size = line.length + cutCharacters;
  return [event ? `(an Ansible event ${event} of ${size} characters was too long to keep; its output is not shown)` : line];
}

/**
 * Runs the playbook, confined, against the guest whose SSH is forwarded to 127.0.0.1:port.
 * Resolves when every play succeeded; rejects with PlaybookInputError (nothing run),
 * PlaybookFailedError (including a run past its deadline), or the signal's reason when cancelled
 * (ansible-playbook's whole process tree is ended first).
 */
export async function runPlaybook(options: PlaybookOptions): Promise<void> {
  options.signal.throwIfAborted();
  const privateKey = await validateOptions(options);
  const user = sandboxUser();
  requireSandboxPrograms(user.uid !== undefined);
  const timeoutMs = options.timeoutMs ?? defaultPlaybookTimeoutMs;
  const inventory = {
    all: {
      hosts: {
        [options.host]: {
          // Only the socket leads anywhere; the address is a name for known_hosts.
          ansible_host: options.host,
          ansible_port: 22,
          ansible_user: options.user,
          ansible_connection: 'ssh',
        },
      },
    },
  };
  // JSON is YAML: the inventory needs no escaping of its own.
  const directory = await createRunDirectory(user, {
    'inventory.yml': JSON.stringify(inventory, null, 2),
    'ansible.cfg': ansibleConfig(),
    'playbook.yml': options.playbook,
  });
  let forward: SocketForward | undefined;
  let agent: SshAgent | undefined;
  try {
    forward = await forwardSocketToPort(join(directory, sandboxSocketName), options.port, user);
    agent = await serveSshAgent(join(directory, sandboxAgentSocketName), privateKey, user.uid);

    const command = await sandboxCommand({
      runDirectory: directory,
      user,
      hiddenPaths: options.hiddenPaths ?? [],
      environment: ansibleEnvironment(),
      command: [
        'ansible-playbook',
        '--inventory',
        `${sandboxRunDirectory}/inventory.yml`,
        '--limit',
        options.host,
        `${sandboxRunDirectory}/playbook.yml`,
      ],
    });
    command.timeoutMs = timeoutMs;
    const progress = new PlaybookProgress();
    const lines = new BoundedLines(options.onLine);
    let result: Awaited<ReturnType<typeof runCommand>>;
    try {
      result = await runCommand(command, {
        signal: options.signal,
        maximumKeptBytes: 64 * 1024,
        maximumLineCharacters: maximumReadLineCharacters,
        onStdoutLine: (line, cut) => {
          for (const text of readStdoutLine(progress, line, cut)) lines.push(text);
        },
        onStderrLine: (line, cut) => {
          if (line.trim() !== '' || cut > 0) lines.push(line, cut);
        },
      });
    } finally {
      lines.finish();
    }
    if (result.cancelled) options.signal.throwIfAborted();
    if (result.timedOut) {
      throw new PlaybookFailedError(
        `The playbook did not finish within ${formatDuration(timeoutMs)}: it was stopped, with everything it started.${progress.lastTask ? ` It was running task "${progress.lastTask}".` : ''}`,
        progress.failures,
      );
    }
    if (result.exitCode === 0) return;
    if (result.exitCode === 1 && /^bwrap: /m.test(result.stderr) && progress.lastTask === undefined) {
      throw new PlaybookFailedError(`The provisioning sandbox could not start: ${lastLines(result.stderr, 3)}`, []);
    }
    const failed = new CommandFailedError(describeCommand(command), result);
    // ssh only sees its socket close: the reason is on this side of the forward.
    const unreachable =
      progress.failures.some((failure) => failure.unreachable) && forward.lastError !== undefined
        ? ` (connecting to the VM's SSH port 127.0.0.1:${options.port} failed: ${forward.lastError})`
        : '';
    throw new PlaybookFailedError(failureMessage(progress, result.stderr, failed) + unreachable, progress.failures);
  } finally {
    await forward?.close();
    await agent?.close();
    await rm(directory, { recursive: true, force: true });
  }
}

function formatDuration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 120) return `${seconds} s`;
  return `${Math.round(seconds / 60)} min`;
}
