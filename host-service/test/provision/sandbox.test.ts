// The provisioning sandbox on its own, with a raw shell inside instead of Ansible: what it can
// write, read and reach on this host. Runs as root, like vlm-host on qemu:///system.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCommand } from '../../src/process/process-runner';
import {
  createRunDirectory,
  requireSandboxPrograms,
  sandboxCommand,
  sandboxMemoryBytes,
  sandboxProcessLimit,
  sandboxUser,
  type SandboxUser,
} from '../../src/provision/sandbox';
import { requireTools } from '../images/tiny-guest';
import { startCountingListener, type CountingListener } from '../support/counting-listener';

let dataDirectory = '';
let secret = '';
let canary = '';
let listener: CountingListener | undefined;

before(async () => {
  requireTools('bwrap', 'nc', 'setpriv');
  assert.equal(process.getuid?.(), 0, 'these tests run as root, like vlm-host on qemu:///system');
  // A stand-in data directory with a root-only secret and a world-readable file.
  dataDirectory = await mkdtemp(join(tmpdir(), 'vlm-sandbox-data-'));
  await chmod(dataDirectory, 0o755);
  secret = randomBytes(16).toString('hex');
  await writeFile(join(dataDirectory, 'secret'), secret, { mode: 0o600 });
  await writeFile(join(dataDirectory, 'readable'), secret, { mode: 0o644 });
  canary = join(tmpdir(), `vlm-canary-${randomBytes(6).toString('hex')}`);
  // Another service on host loopback (say, another lab's VM's SSH forward).
  listener = await startCountingListener();
});

after(async () => {
  await listener?.close();
  await rm(dataDirectory, { recursive: true, force: true });
  await rm(canary, { force: true });
});

/**
 * Runs `script` with sh inside a sandbox for `user`. With `asUid`, the whole command runs as that
 * uid, which owns the run folder: vlm-host started by an ordinary user.
 */
async function confined(script: string, user: SandboxUser, options: { asUid?: number; hiddenPaths?: string[] } = {}) {
  const directory = await createRunDirectory(user, {});
  try {
    if (options.asUid !== undefined) {
      await chown(directory, options.asUid, options.asUid);
      await chown(join(directory, 'home'), options.asUid, options.asUid);
    }
    const command = await sandboxCommand({
      runDirectory: directory,
      user,
      hiddenPaths: [dataDirectory, ...(options.hiddenPaths ?? [])],
      environment: { PATH: '/usr/bin:/bin', HOME: '/provision/home' },
      command: ['sh', '-c', script],
    });
    if (options.asUid !== undefined) {
      command.args = [`--reuid=${options.asUid}`, `--regid=${options.asUid}`, '--clear-groups', '--', command.program, ...command.args];
      command.program = 'setpriv';
    }
    command.timeoutMs = 30_000;
    return await runCommand(command);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const probes = () =>
  [
    // Lands in the sandbox's own /tmp (a tmpfs), never in the host's.
    `touch ${canary}`,
    `touch /root/${canary.split('/').pop()} 2>/dev/null && echo wrote-root`,
    `touch ${dataDirectory}/planted 2>/dev/null && echo wrote-data`,
    'cat /etc/shadow >/dev/null 2>&1 && echo read-shadow',
    `cat ${dataDirectory}/secret 2>/dev/null; cat ${dataDirectory}/readable 2>/dev/null`,
    'ls /root >/dev/null 2>&1 && echo saw-root',
    'ls /var/lib >/dev/null 2>&1 && echo saw-var',
    `nc -z -w 2 127.0.0.1 ${listener?.port} 2>/dev/null && echo reached-host-port`,
    'echo pids=$(ls /proc | grep -c "^[0-9]")',
    'echo uid=$(id -u)',
    'touch /usr/planted 2>/dev/null && echo wrote-usr',
    'touch /provision/own && echo wrote-run-folder',
    'touch /tmp/own && echo wrote-tmp',
    "echo limits=$(awk '/Max processes/ {print $3}' /proc/self/limits)/$(ulimit -v)",
  ].join('; ');

describe('the provisioning sandbox', { timeout: 120_000 }, () => {
  test('as root: a fresh unprivileged uid that writes only its run folder and /tmp, reads no secret, reaches no host port', async () => {
    const user = sandboxUser();
    assert.ok(user.uid !== undefined && user.uid >= 2_000_000_000, `a fresh high uid, not ${user.uid}`);
    const result = await confined(probes(), user);
    assert.equal(result.exitCode, 0, result.stderr);
    const output = result.stdout;
    assert.match(output, /wrote-run-folder/);
    assert.match(output, /wrote-tmp/);
    for (const escaped of ['wrote-root', 'wrote-data', 'read-shadow', 'saw-root', 'saw-var', 'reached-host-port', 'wrote-usr', secret]) {
      assert.ok(!output.includes(escaped), `the sandbox could do "${escaped}": ${output}`);
    }
    assert.match(output, new RegExp(`uid=${user.uid}\\b`));
    // Bounded: processes of its uid and each process's memory (ulimit -v is in KiB).
    assert.match(output, new RegExp(`limits=${sandboxProcessLimit}/${sandboxMemoryBytes / 1024}\\b`));
    // Its own PID namespace: its shell, the probes and the sandbox's init, not the host's processes.
    assert.ok(Number(/pids=(\d+)/.exec(output)?.[1]) < 10, output);
    await assert.rejects(access(canary), /ENOENT/);
    await assert.rejects(access(join(dataDirectory, 'planted')), /ENOENT/);
    assert.equal(listener?.connections, 0, 'nothing connected to the host port');
  });

  test("as a user other than root (qemu:///session): the same walls, and that user's own files are out of sight", async () => {
    // vlm-host running as an ordinary user: bwrap directly, keeping its uid.
    const uid = 2_000_000_000 + Math.floor(Math.random() * 1000);
    const ownFolder = await mkdtemp(join(tmpdir(), 'vlm-sandbox-user-'));
    try {
      await chmod(ownFolder, 0o755);
      await writeFile(join(ownFolder, 'own-secret'), secret, { mode: 0o600 });
      await chown(join(ownFolder, 'own-secret'), uid, uid);
      const result = await confined(
        `${probes()}; cat ${ownFolder}/own-secret 2>/dev/null; true`,
        { uid: undefined },
        { asUid: uid, hiddenPaths: [ownFolder] },
      );
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /wrote-run-folder/);
      assert.match(result.stdout, new RegExp(`uid=${uid}\\b`));
      for (const escaped of ['wrote-root', 'wrote-data', 'read-shadow', 'reached-host-port', secret]) {
        assert.ok(!result.stdout.includes(escaped), `the sandbox could do "${escaped}": ${result.stdout}`);
      }
    } finally {
      await rm(ownFolder, { recursive: true, force: true });
    }
    await assert.rejects(access(canary), /ENOENT/);
    assert.equal(listener?.connections, 0);
  });
});

describe('the provisioning sandbox refuses what it cannot confine', { timeout: 120_000 }, () => {
  test('a missing bwrap is named with its Debian package', async () => {
    // A PATH holding every program the sandbox needs but bwrap.
    const bin = await mkdtemp(join(tmpdir(), 'vlm-sandbox-path-'));
    const path = process.env.PATH;
    try {
      for (const program of ['sh', 'nc', 'ansible-playbook', 'setpriv', 'prlimit'])
        await symlink(`/usr/bin/${program}`, join(bin, program)).catch(() => symlink(`/bin/${program}`, join(bin, program)));
      process.env.PATH = bin;
      assert.throws(
        () => requireSandboxPrograms(true),
        /needs bwrap: install Debian's bubblewrap \(apt-get install --no-install-recommends bubblewrap\)/,
      );
    } finally {
      process.env.PATH = path;
      await rm(bin, { recursive: true, force: true });
    }
  });

  test('a run folder the sandbox user cannot reach is refused with the folder to fix', async () => {
    const hidden = await mkdtemp(join(tmpdir(), 'vlm-sandbox-private-'));
    const saved = process.env.TMPDIR;
    try {
      await mkdir(join(hidden, 'tmp'));
      await chmod(hidden, 0o700);
      process.env.TMPDIR = join(hidden, 'tmp');
      await assert.rejects(
        createRunDirectory(sandboxUser(), {}),
        new RegExp(`cannot be reached by the sandbox's user: ${hidden} is mode 0700\\. Set TMPDIR`),
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(hidden, { recursive: true, force: true });
    }
  });
});
