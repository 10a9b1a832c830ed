// A user who is not root: a real unprivileged user (made for this run, removed after) runs its own
// libvirt (qemu:///session: virtlogd and libvirtd as that user), a private bus with libvirt-dbus,
// and vlm-host. The host says it drives the session; a lab with a network is refused before
// anything is made; a one-VM vlm-tiny lab boots as that user with SSH on a loopback forward, VNC
// on 127.0.0.1 and its serial log, and is destroyed. Every process is stopped by its pid, and nothing of the user is left.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '@vlm/schemas';
import {
  HostErrorCode,
  HostInfoRequest,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsGetRequest,
  VmsListRequest,
} from '@vlm/schemas/src/host-protocol';
import { ResponseError } from 'vscode-jsonrpc/node';
import { requireCommand } from '../../local-libvirt/require-command';
import { waitUntil } from '../../local-libvirt/wait-until';
import { buildHostBundle, connectClient } from './host-process';

const repositoryRoot = join(__dirname, '..', '..', '..');
const user = `vlmsess${randomBytes(3).toString('hex')}`;
const labName = `session-${randomBytes(3).toString('hex')}`;
let folder = '';
let uid = 0;
let userMade = false;
const children: ChildProcess[] = [];

/** The user's own environment: its runtime, config and cache folders, where session libvirt keeps its sockets and state. */
function userEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: join(folder, 'home'),
    XDG_RUNTIME_DIR: join(folder, 'run'),
    XDG_CONFIG_HOME: join(folder, 'config'),
    XDG_CACHE_HOME: join(folder, 'cache'),
    XDG_DATA_HOME: join(folder, 'share'),
  };
}

/** Runs a program as the user, for good: the kernel ends it if this test dies (--pdeathsig). */
function spawnAsUser(program: string, args: string[], env: NodeJS.ProcessEnv = userEnvironment()): ChildProcess {
  const child = spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--pdeathsig', 'KILL', '--', program, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Read, so that a chatty daemon never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  children.push(child);
  return child;
}

function virshAsUser(...words: string[]): string {
  const result = spawnSync(
    'setpriv',
    [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'virsh', '-q', '-c', 'qemu:///session', ...words],
    {
      env: userEnvironment(),
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (result.status !== 0) throw new Error(`virsh ${words.join(' ')} as ${user}: ${result.stderr}`);
  return result.stdout;
}

/** The pids of this run's user: only it runs as that uid, made for this run. */
function processesOfUser(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // ended meanwhile
  }
}

before(
  async () => {
    for (const [command, pkg] of [
      ['useradd', 'passwd'],
      ['userdel', 'passwd'],
      ['setpriv', 'util-linux'],
      ['virsh', 'libvirt-clients'],
      ['libvirtd', 'libvirt-daemon'],
      ['virtlogd', 'libvirt-daemon'],
      ['dbus-daemon', 'dbus'],
      ['libvirt-dbus', 'libvirt-dbus'],
      ['qemu-system-x86_64', 'qemu-system-x86'],
    ] as const)
      requireCommand(command, pkg);
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    userMade = true;
    uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
    // A folder the user owns and may reach, whatever the checkout's folder modes: the host
    // bundle and the vlm-tiny build script are copied into it.
    folder = mkdtempSync(join(tmpdir(), 'vlm-session-'));
    for (const name of ['home', 'run', 'config', 'cache', 'share', 'data', 'source/host-service'])
      mkdirSync(join(folder, name), { recursive: true });
    cpSync(join(repositoryRoot, 'host-service', 'vlm-tiny'), join(folder, 'source', 'host-service', 'vlm-tiny'), { recursive: true });
    await buildHostBundle(folder);
    spawnSync('chown', ['-R', `${uid}:${uid}`, folder]);
    chmodSync(folder, 0o755);
    chmodSync(join(folder, 'run'), 0o700);
    chownSync(folder, uid, uid);

    spawnAsUser('virtlogd', []);
    spawnAsUser('libvirtd', []);
    await waitUntil('session libvirtd to listen', () => existsSync(join(folder, 'run', 'libvirt', 'libvirt-sock')), 30_000);
    const bus = spawnAsUser('dbus-daemon', [
      '--session',
      '--nofork',
      `--address=unix:path=${join(folder, 'run', 'bus')}`,
      '--print-address=1',
    ]);
    const [addressChunk] = (await once(bus.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    const busAddress = addressChunk.toString().trim();
    spawnAsUser('libvirt-dbus', ['--session'], { ...userEnvironment(), DBUS_SESSION_BUS_ADDRESS: busAddress });
    const host = spawnAsUser(process.execPath, [
      join(folder, 'vlm-host.js'),
      ...['--socket', join(folder, 'run', 'vlm-host.sock'), '--data-dir', join(folder, 'data'), '--libvirt', 'qemu'],
      ...['--bus-address', busAddress, '--source-root', join(folder, 'source')],
    ]);
    let hostOutput = '';
    host.stderr?.on('data', (chunk: Buffer) => (hostOutput = (hostOutput + chunk.toString()).slice(-4000)));
    await waitUntil(
      'vlm-host to listen as the user',
      () => {
        if (host.exitCode !== null) throw new Error(`vlm-host exited: ${hostOutput}`);
        return existsSync(join(folder, 'run', 'vlm-host.sock'));
      },
      60_000,
    );
  },
  { timeout: 300_000 },
);

after(async () => {
  // Whatever a failed test left in the user's libvirt: its VMs are QEMU processes that outlive libvirtd.
  if (uid && existsSync(join(folder, 'run', 'libvirt', 'libvirt-sock'))) {
    for (const name of virshAsUser('list', '--name').split('\n').filter(Boolean)) virshAsUser('destroy', name.trim());
  }
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await once(child, 'exit');
    clearTimeout(timer);
  }
  try {
    if (uid) await waitUntil('every process of the user to end', () => processesOfUser().length === 0, 30_000);
  } finally {
    // Still there (a daemon's child): each is ended by its pid; the user, made for this run, ran nothing else.
    for (const pid of uid ? processesOfUser() : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Ended meanwhile.
      }
    }
    if (folder) rmSync(folder, { recursive: true, force: true });
    if (userMade) {
      const removed = spawnSync('userdel', [user], { encoding: 'utf8' });
      assert.equal(removed.status, 0, removed.stderr);
    }
  }
});

describe('vlm-host as a user who is not root, on qemu:///session', { timeout: 600_000 }, () => {
  test('says session, refuses a lab network before making anything, boots a VM as the user with SSH and VNC on loopback and its serial log, and destroys it', async () => {
    const client = await connectClient(join(folder, 'run', 'vlm-host.sock'));
    try {
      const info = await client.sendRequest(HostInfoRequest.type, {});
      assert.equal(info.driver, 'qemu');
      assert.equal(info.libvirtConnection, 'session');

      const withNetwork: Lab = {
        name: `${labName}-net`,
        networks: [{ name: 'lan', cidr: '10.213.7.0/24' }],
        vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] }],
      };
      await assert.rejects(client.sendRequest(LabsApplyRequest.type, { lab: withNetwork }), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.equal(error.code, HostErrorCode.InvalidLab);
        assert.match(error.message, /cannot run on qemu:\/\/\/session: \/lab\/networks\/0: the network "lan" needs root/);
        assert.match(error.message, /libvirt group/);
        return true;
      });
      // Refused up front: no domain, network, pool or disk.
      assert.equal(virshAsUser('list', '--all', '--name').trim(), '');
      assert.equal(virshAsUser('net-list', '--all', '--name').trim(), '');
      assert.equal(virshAsUser('pool-list', '--all', '--name').trim(), '');

      assert.equal((await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' })).present, true);
      const lab: Lab = {
        name: labName,
        vms: [{ name: 'solo', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }],
      };
      // Apply waits until the guest's SSH answers through its loopback port forward.
      await client.sendRequest(LabsApplyRequest.type, { lab });
      const [vm] = (await client.sendRequest(VmsListRequest.type, { lab: labName })).vms;
      assert.equal(vm?.state, 'running');
      const details = await client.sendRequest(LabsGetRequest.type, { name: labName });
      const sshPort = details.resources.ports.find((port) => port.kind === 'ssh')?.port;
      assert.ok(sshPort, 'the VM has an SSH port forward');
      const vncPort = details.resources.ports.find((port) => port.kind === 'vnc')?.port;
      assert.ok(vncPort, 'the VM has a VNC display');
      // QEMU runs as the user, not as root nor libvirt-qemu.
      const qemu = processesOfUser().filter((pid) => commandLine(pid).includes(`guest=${labName}.solo,`));
      assert.equal(qemu.length, 1, 'one QEMU process runs as the user');
      assert.match(await firstBytes(sshPort), /^SSH-2\.0-/);
      assert.match(await firstBytes(vncPort), /^RFB 003\.00\d/);
      // The user's virtlogd writes the serial log.
      assert.match(readFileSync(join(folder, 'data', 'logs', `${labName}.solo.log`), 'utf8'), /vlm-tiny/);

      await client.sendRequest(LabsDestroyRequest.type, { name: labName });
      assert.deepEqual((await client.sendRequest(VmsListRequest.type, { lab: labName })).vms, []);
      assert.equal(virshAsUser('list', '--all', '--name').trim(), '');
      assert.equal(virshAsUser('pool-list', '--all', '--name').trim(), '');
    } finally {
      client.close();
    }
  });
});

/** What a server on 127.0.0.1 sends first: the guest's SSH banner, QEMU's VNC version. */
async function firstBytes(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  try {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    return chunk.toString('latin1');
  } finally {
    socket.destroy();
  }
}
