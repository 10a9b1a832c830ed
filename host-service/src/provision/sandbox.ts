// The confinement of a provisioning run. A lab's playbook is untrusted, and Jinja reaches lookups
// (file, pipe, env, ...) from any string, so the run itself is walled in with bubblewrap:
// - user: as root, vlm-host first drops to a fresh unprivileged uid (setpriv), then starts bwrap,
//   which adds its own user namespace (bwrap as root with --uid alone still reads /etc/shadow);
//   as any other user, bwrap runs directly, in its own user namespace;
// - files: only /usr (with the /bin, /lib... links) and /etc, read-only, with a passwd and group
//   of our own; the run folder at /provision is the one writable host folder, /tmp is a tmpfs.
//   The home folders, /root, /var, /srv, the data directory and other labs' folders do not exist
//   inside; paths given to hide (the data directory) are covered with tmpfs should they lie
//   under /usr or /etc;
// - network: a namespace of its own holding only its loopback. The one VM being provisioned is
//   reached through a Unix socket in the run folder, forwarded by vlm-host to that VM's SSH port;
// - processes: its own PID namespace, a new session, killed with its parent; at most
//   sandboxProcessLimit of them (as root) and sandboxMemoryBytes of address space each.
// The lab's SSH key stays in vlm-host: the sandbox's ssh signs through an agent socket (ssh-agent.ts).
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { CommandDescription } from '../process/process-runner';

/** Where the run folder appears inside the sandbox. */
export const sandboxRunDirectory = '/provision';
/** The forwarded SSH socket and the SSH agent's socket, inside the run folder. */
export const sandboxSocketName = 'ssh.sock';
export const sandboxAgentSocketName = 'agent.sock';
export const sandboxUserName = 'vlm-provision';

// Fresh uids for each run, far above any account, system or container range in common use.
const firstSandboxUid = 2_000_000_000;
const sandboxUidCount = 100_000_000;

/** Address space of each process inside (a playbook building a huge string fails, not the host). */
export const sandboxMemoryBytes = 4 * 1024 ** 3;
/** Processes of the sandbox's own uid (a fork bomb stops there). */
export const sandboxProcessLimit = 1024;

export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailableError';
}

export interface SandboxUser {
  /** undefined: vlm-host is not root and the sandbox keeps its uid (in a user namespace of its own). */
  uid: number | undefined;
}

/** A new unprivileged uid when vlm-host is root; the caller's own uid otherwise. */
export function sandboxUser(): SandboxUser {
  return { uid: process.getuid?.() === 0 ? firstSandboxUid + randomInt(sandboxUidCount) : undefined };
}

/** Throws, naming the Debian package, when a program the sandbox needs is missing. */
export function requireSandboxPrograms(root: boolean): void {
  const needed: Array<[string, string]> = [
    ['bwrap', 'bubblewrap'],
    ['nc', 'netcat-openbsd'],
    ['ansible-playbook', 'ansible'],
  ];
  if (root) needed.push(['setpriv', 'util-linux']);
  needed.push(['prlimit', 'util-linux']);
  const missing = needed.filter(([program]) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program]).status !== 0);
  if (missing.length === 0) return;
  const packages = missing.map(([, name]) => name).join(' ');
  throw new SandboxUnavailableError(
    `Provisioning runs confined and needs ${missing.map(([program]) => program).join(', ')}: install Debian's ${packages} (apt-get install --no-install-recommends ${packages}).`,
  );
}

/** The passwd and group lines the sandbox sees: root and its own user, nothing of the host's. */
function sandboxAccounts(uid: number): { passwd: string; group: string } {
  return {
    passwd: [
      'root:x:0:0:root:/nonexistent:/usr/sbin/nologin',
      `${sandboxUserName}:x:${uid}:${uid}:VLM provisioning:${sandboxRunDirectory}/home:/bin/sh`,
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      '',
    ].join('\n'),
    group: `root:x:0:\n${sandboxUserName}:x:${uid}:\nnogroup:x:65534:\n`,
  };
}

/**
 * A new private run folder (0700) under the temp folder holding `files`, the sandbox's passwd
 * and group, and an empty home; owned by the sandbox's user. Remove it when the run ends.
 */
export async function createRunDirectory(user: SandboxUser, files: Readonly<Record<string, string>>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-provision-'));
  try {
    const accounts = sandboxAccounts(user.uid ?? process.getuid?.() ?? 65534);
    for (const [name, text] of Object.entries({ ...files, passwd: accounts.passwd, group: accounts.group })) {
      await writeFile(join(directory, name), text, { mode: name === 'passwd' || name === 'group' ? 0o644 : 0o600 });
    }
    await mkdir(join(directory, 'home'), { mode: 0o700 });
    await giveRunDirectory(directory, user);
    return directory;
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Hands the run folder to the sandbox's uid (as root); the folder and its parents must let it in. */
async function giveRunDirectory(directory: string, user: SandboxUser): Promise<void> {
  if (user.uid === undefined) return;
  const uid = user.uid;
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path);
    await chown(path, uid, uid);
    if (info.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
  };
  await walk(directory);
  // The sandbox user opens the folder by its path: every parent must be searchable by others.
  for (let parent = dirname(directory); ; parent = dirname(parent)) {
    const info = await stat(parent);
    if ((info.mode & 0o001) === 0) {
      throw new SandboxUnavailableError(
        `The provisioning folder ${directory} cannot be reached by the sandbox's user: ${parent} is mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}. ` +
          'Set TMPDIR to a folder every user may enter (such as /tmp).',
      );
    }
    if (parent === dirname(parent)) break;
  }
}

export interface SandboxCommandOptions {
  runDirectory: string;
  user: SandboxUser;
  /** Host paths that must not be seen even if they lie under /usr or /etc (the data directory). */
  hiddenPaths: readonly string[];
  /** The whole environment inside. */
  environment: Readonly<Record<string, string>>;
  /** The program and its arguments, as seen inside. */
  command: readonly string[];
}

/** Top-level links and folders of a merged-/usr system (links) or an older one (folders). */
async function systemFolderArguments(): Promise<string[]> {
  const args: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const name of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    const info = await lstat(name).catch(() => undefined);
    if (!info) continue;
    if (info.isSymbolicLink()) args.push('--symlink', await readlink(name), name);
    else if (info.isDirectory()) args.push('--ro-bind', name, name);
  }
  return args;
}

/** The command line that runs `command` confined. */
export async function sandboxCommand(options: SandboxCommandOptions): Promise<CommandDescription> {
  const { runDirectory, user } = options;
  const bwrap = [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'vlm-provision',
    '--clearenv',
    ...Object.entries(options.environment).flatMap(([name, value]) => ['--setenv', name, value]),
    ...(await systemFolderArguments()),
    '--ro-bind',
    '/etc',
    '/etc',
    '--ro-bind',
    join(runDirectory, 'passwd'),
    '/etc/passwd',
    '--ro-bind',
    join(runDirectory, 'group'),
    '/etc/group',
    ...options.hiddenPaths.filter((path) => /^\/(usr|etc)(\/|$)/.test(path)).flatMap((path) => ['--tmpfs', path]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--bind',
    runDirectory,
    sandboxRunDirectory,
    '--chdir',
    sandboxRunDirectory,
    '--',
    ...options.command,
  ];
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
  // Memory per process, always; processes only for a uid of its own (an ordinary user's count
  // would include everything else that user runs).
  const limits = [`--as=${sandboxMemoryBytes}`, ...(user.uid === undefined ? [] : [`--nproc=${sandboxProcessLimit}`])];
  if (user.uid === undefined) return { program: 'prlimit', args: [...limits, '--', 'bwrap', ...bwrap], env, killGraceMs: 2_000 };
  return {
    program: 'prlimit',
    args: [
      ...limits,
      '--',
      'setpriv',
      `--reuid=${user.uid}`,
      `--regid=${user.uid}`,
      '--clear-groups',
      '--no-new-privs',
      '--inh-caps=-all',
      '--',
      'bwrap',
      ...bwrap,
    ],
    env,
    killGraceMs: 2_000,
  };
}

/**
 * A Unix socket in the run folder whose every connection is joined to 127.0.0.1:port (the VM's
 * SSH forward), the sandbox's only way out. Close it when the run ends.
 */
export interface SocketForward {
  /** Why the last connection to the VM's port failed, if one did (an errno code such as ECONNREFUSED). */
  lastError: string | undefined;
  close(): Promise<void>;
}

export async function forwardSocketToPort(socketPath: string, port: number, user: SandboxUser): Promise<SocketForward> {
  const connections = new Set<Socket>();
  const forward: SocketForward = { lastError: undefined, close: async () => undefined };
  const server: Server = createServer((inside) => {
    const outside = createConnection({ host: '127.0.0.1', port });
    outside.on('error', (error: NodeJS.ErrnoException) => (forward.lastError = error.code ?? error.message));
    connections.add(inside);
    connections.add(outside);
    const end = () => {
      inside.destroy();
      outside.destroy();
      connections.delete(inside);
      connections.delete(outside);
    };
    inside.on('error', end).on('close', end);
    outside.on('error', end).on('close', end);
    inside.pipe(outside);
    outside.pipe(inside);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  // The run folder (0700, the sandbox's) is what keeps others out; the socket itself is open.
  await chmod(socketPath, 0o666);
  if (user.uid !== undefined) await chown(socketPath, user.uid, user.uid);
  forward.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of connections) socket.destroy();
      server.close(() => resolve());
    });
  return forward;
}
