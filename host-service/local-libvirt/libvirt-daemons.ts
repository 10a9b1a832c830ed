// virtlogd + libvirtd for real VMs (qemu:///system), for `npm start` and the real-tier tests.
// Several runs and engineers share one libvirtd, so each run takes a lease; the run that started
// the daemons stops them when the last lease is released, and daemons already running are left alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand } from './require-command';
import { waitUntil } from './wait-until';

const leaseFolder = '/run/vlm-test-libvirtd';
const lockFolder = '/run/vlm-test-libvirtd.lock';
const startedFile = join(leaseFolder, 'started-by-tests');
const daemons = [
  { name: 'virtlogd', pidFile: '/run/virtlogd.pid', package: 'libvirt-daemon' },
  { name: 'libvirtd', pidFile: '/run/libvirtd.pid', package: 'libvirt-daemon' },
] as const;

export interface LibvirtDaemonsLease {
  /** True when this run started them (and will stop them on release if no one else holds a lease). */
  readonly started: boolean;
  release(): Promise<void>;
}

/** Whether a process of that pid exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningPid(pidFile: string, name: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name ? pid : undefined;
  } catch {
    return undefined; // exited just now
  }
}

async function withLock<T>(action: () => Promise<T>): Promise<T> {
  await waitUntil(
    'the libvirtd test lease lock',
    () => {
      try {
        mkdirSync(lockFolder);
        return true;
      } catch {
        // A lock left by a run that crashed: older than a minute.
        if (existsSync(lockFolder) && Date.now() - statSync(lockFolder).mtimeMs > 60_000)
          rmSync(lockFolder, { recursive: true, force: true });
        return false;
      }
    },
    120_000,
    50,
  );
  try {
    return await action();
  } finally {
    rmdirSync(lockFolder);
  }
}

/** Leases taken in this process: one process may hold several (a test file with two fixtures). */
let leasesTaken = 0;

/** `lease-PID-N`: the pid tells whether its holder still lives, N keeps two leases of one process apart. */
function leaseFileName(): string {
  leasesTaken += 1;
  return `lease-${process.pid}-${leasesTaken}`;
}

function liveLeases(): string[] {
  if (!existsSync(leaseFolder)) return [];
  return readdirSync(leaseFolder)
    .filter((entry) => entry.startsWith('lease-'))
    .filter((entry) => {
      if (processAlive(Number(entry.split('-')[1]))) return true;
      rmSync(join(leaseFolder, entry), { force: true });
      return false;
    });
}

function virshAnswers(): boolean {
  return spawnSync('virsh', ['-c', 'qemu:///system', 'version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
}

/** Makes sure virtlogd and libvirtd run (as root) and answer on qemu:///system. */
export async function leaseLibvirtDaemons(): Promise<LibvirtDaemonsLease> {
  if (process.getuid?.() !== 0) throw new Error('The real libvirt tier needs root to start libvirtd (qemu:///system).');
  for (const daemon of daemons) requireCommand(daemon.name, daemon.package);
  requireCommand('virsh', 'libvirt-clients');
  requireCommand('qemu-system-x86_64', 'qemu-system-x86');

  const lease = join(leaseFolder, leaseFileName());
  const started = await withLock(async () => {
    mkdirSync(leaseFolder, { recursive: true });
    const startedNow: string[] = [];
    for (const daemon of daemons) {
      if (runningPid(daemon.pidFile, daemon.name) !== undefined) continue;
      const result = spawnSync(daemon.name, ['-d'], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${daemon.name} -d failed: ${result.stderr}`);
      await waitUntil(`${daemon.name} to write ${daemon.pidFile}`, () => runningPid(daemon.pidFile, daemon.name));
      startedNow.push(daemon.name);
    }
    if (startedNow.length > 0) {
      const earlier = existsSync(startedFile) ? readFileSync(startedFile, 'utf8').split('\n').filter(Boolean) : [];
      writeFileSync(startedFile, `${[...new Set([...earlier, ...startedNow])].join('\n')}\n`);
    }
    writeFileSync(lease, '');
    return startedNow.length > 0;
  });
  await waitUntil('libvirtd to answer on qemu:///system', () => virshAnswers(), 30_000, 100);

  let released = false;
  return {
    started,
    async release() {
      if (released) return;
      released = true;
      await withLock(async () => {
        rmSync(lease, { force: true });
        if (liveLeases().length > 0) return;
        if (!existsSync(startedFile)) {
          rmSync(leaseFolder, { recursive: true, force: true });
          return;
        }
        const ours = readFileSync(startedFile, 'utf8').split('\n').filter(Boolean);
        // libvirtd first: it holds virtlogd's socket.
        for (const daemon of [...daemons].reverse()) {
          if (!ours.includes(daemon.name)) continue;
          const pid = runningPid(daemon.pidFile, daemon.name);
          if (pid === undefined) continue;
          process.kill(pid, 'SIGTERM');
          await waitUntil(`${daemon.name} (pid ${pid}) to exit`, () => !processAlive(pid), 15_000, 50);
        }
        rmSync(leaseFolder, { recursive: true, force: true });
      });
    },
  };
}
