// Runs a lab's Ansible playbook against one guest reached through its loopback SSH forward. Each
// run gets a private temp folder (inventory, config, playbook, known_hosts) that is always removed;
// output comes as JSON lines (ansible.posix.jsonl) and is streamed as short readable lines.
import { access, constants, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CommandFailedError, describeCommand, lastLines, runCommand, type CommandDescription } from '../process/process-runner';
import { PlaybookProgress, type TaskFailure } from './ansible-events';

export interface PlaybookOptions {
  /** The playbook's YAML text: a list of plays. */
  playbook: string;
  /** The inventory name of the guest (the VM's name); it is always reached at 127.0.0.1. */
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  onLine(line: string): void;
  signal: AbortSignal;
}

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

/** Checks that the text is a YAML list of plays; the error says what is wrong and where. */
export function validatePlaybook(playbook: string): void {
  if (Buffer.byteLength(playbook) > maximumPlaybookBytes) throw new PlaybookInputError(`The playbook is larger than ${maximumPlaybookBytes} bytes.`);
  let document: unknown;
  try {
    document = parseYaml(playbook, { prettyErrors: true });
  } catch (error) {
    throw new PlaybookInputError(`The playbook is not valid YAML: ${(error as Error).message}`);
  }
  if (!Array.isArray(document) || document.length === 0) {
    throw new PlaybookInputError('The playbook must be a YAML list of plays (each "- hosts: ..." with tasks), not ' + (Array.isArray(document) ? 'an empty list.' : `${document === null ? 'empty' : typeof document}.`));
  }
  document.forEach((play: unknown, index) => {
    if (typeof play !== 'object' || play === null || Array.isArray(play)) {
      throw new PlaybookInputError(`Play ${index + 1} of the playbook is not a mapping (a play has "hosts:" and "tasks:").`);
    }
    if (!playMarkers.some((key) => key in play)) {
      throw new PlaybookInputError(`Play ${index + 1} of the playbook has no "hosts:"; every play names the hosts it runs on.`);
    }
    // Imports would read other files on the VLM host, outside what the lab gave us.
    if (!('hosts' in play)) throw new PlaybookInputError(`Play ${index + 1} imports another playbook; a lab's playbook must hold its plays itself.`);
  });
}

async function validateOptions(options: PlaybookOptions): Promise<void> {
  if (!hostPattern.test(options.host)) {
    throw new PlaybookInputError(`The Ansible host name ${JSON.stringify(options.host)} is not allowed: use letters, digits, ".", "_" and "-" (at most 63, starting with a letter or digit).`);
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new PlaybookInputError(`The SSH port ${options.port} is not a TCP port (1-65535).`);
  }
  if (!userPattern.test(options.user)) {
    throw new PlaybookInputError(`The SSH user ${JSON.stringify(options.user)} is not a valid user name.`);
  }
  if (!isAbsolute(options.privateKeyPath) || /[\n\r"]/.test(options.privateKeyPath)) {
    throw new PlaybookInputError(`The private key path ${JSON.stringify(options.privateKeyPath)} must be an absolute path.`);
  }
  try {
    if (!(await stat(options.privateKeyPath)).isFile()) throw new Error('not a regular file');
    await access(options.privateKeyPath, constants.R_OK);
  } catch (error) {
    throw new PlaybookInputError(`The private key ${options.privateKeyPath} cannot be read: ${(error as Error).message}`);
  }
  validatePlaybook(options.playbook);
}

/** Ansible's settings for this run, as a config file (the user's own ansible config is not read). */
function ansibleConfig(directory: string): string {
  // Guests behind loopback forwards: ports are reused by other guests, so host keys are kept per
  // run (accept-new into this run's own file) and never written to or read from the user's files.
  // No ControlPersist: a lingering SSH master would outlive the run and escape cancellation.
  const sshArguments = [
    '-o ControlMaster=no',
    '-o ControlPath=none',
    `-o UserKnownHostsFile=${join(directory, 'known_hosts')}`,
    '-o GlobalKnownHostsFile=/dev/null',
    '-o StrictHostKeyChecking=accept-new',
    '-o IdentitiesOnly=yes',
    '-o BatchMode=yes',
    '-o ConnectTimeout=20',
    '-o LogLevel=ERROR',
  ].join(' ');
  return [
    '[defaults]',
    'stdout_callback = ansible.posix.jsonl',
    'retry_files_enabled = False',
    'nocolor = True',
    'host_key_checking = True',
    `local_tmp = ${join(directory, 'tmp')}`,
    'interpreter_python = auto_silent',
    '[ssh_connection]',
    `ssh_args = ${sshArguments}`,
    'pipelining = True',
    '',
  ].join('\n');
}

/** The child's environment: the parent's without ANSIBLE_* settings, pointed at our config. */
function ansibleEnvironment(directory: string): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('ANSIBLE_')) environment[name] = value;
  environment.ANSIBLE_CONFIG = join(directory, 'ansible.cfg');
  environment.ANSIBLE_HOME = join(directory, 'home');
  environment.ANSIBLE_FORCE_COLOR = '0';
  environment.PYTHONUNBUFFERED = '1';
  return environment;
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

/**
 * Runs the playbook against the guest at 127.0.0.1:port. Resolves when every play succeeded;
 * rejects with PlaybookInputError (nothing run), PlaybookFailedError, or the signal's reason when
 * cancelled (ansible-playbook's whole process tree is ended first).
 */
export async function runPlaybook(options: PlaybookOptions): Promise<void> {
  options.signal.throwIfAborted();
  await validateOptions(options);
  const directory = await mkdtemp(join(tmpdir(), 'vlm-ansible-'));
  try {
    const inventory = {
      all: {
        hosts: {
          [options.host]: {
            ansible_host: '127.0.0.1',
            ansible_port: options.port,
            ansible_user: options.user,
            ansible_ssh_private_key_file: options.privateKeyPath,
            ansible_connection: 'ssh',
          },
        },
      },
    };
    // JSON is YAML: the inventory needs no escaping of its own.
    await writeFile(join(directory, 'inventory.yml'), JSON.stringify(inventory, null, 2), { mode: 0o600 });
    await writeFile(join(directory, 'ansible.cfg'), ansibleConfig(directory), { mode: 0o600 });
    await writeFile(join(directory, 'playbook.yml'), options.playbook, { mode: 0o600 });

    const command: CommandDescription = {
      program: 'ansible-playbook',
      args: ['--inventory', join(directory, 'inventory.yml'), '--limit', options.host, join(directory, 'playbook.yml')],
      cwd: directory,
      env: ansibleEnvironment(directory),
    };
    const progress = new PlaybookProgress();
    let result;
    try {
      result = await runCommand(command, {
        signal: options.signal,
        onStdoutLine: (line) => progress.readLine(line).forEach((text) => options.onLine(text)),
        onStderrLine: (line) => {
          if (line.trim() !== '') options.onLine(line);
        },
      });
    } catch (error) {
      if (/ENOENT/.test((error as Error).message)) {
        throw new Error(`ansible-playbook is not installed: install Debian's "ansible" package (apt-get install --no-install-recommends ansible). ${(error as Error).message}`);
      }
      throw error;
    }
    if (result.cancelled) options.signal.throwIfAborted();
    if (result.exitCode === 0) return;
    const failed = new CommandFailedError(describeCommand(command), result);
    throw new PlaybookFailedError(failureMessage(progress, result.stderr, failed), progress.failures);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
