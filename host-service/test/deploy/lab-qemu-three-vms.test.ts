// The real tier: a three-VM vlm-tiny lab applied through the real vlm-host on qemu:///system
// (TCG). Each guest gets its NoCloud seed (hostname, the lab's own key, the lab file's keys), apply
// returns only once SSH accepts the lab's key on every VM (and no other lab's key), a test key from the lab file logs
// (or in a VM's cloud_init) in too, the serial console shows the boot, a snapshot revert drops a file written after the
// snapshot, and after destroy virsh (an independent client) shows nothing of the lab.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConsoleOutputNotification,
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesWriteRequest,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsGetRequest,
  SnapshotsCreateRequest,
  SnapshotsRevertRequest,
  type LabDetails,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { generateSshKeyPair } from '../../src/deploy/service-ssh-key';
import { requireCommand } from '../../local-libvirt/require-command';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type Client, type HostFixture } from '../support/host-fixture';
import { sshRun } from '../support/ssh-run';

function virsh(...args: string[]): string {
  const result = spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, `virsh ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

let fixture: HostFixture;
const labName = `tri-${randomBytes(3).toString('hex')}`;
const testKey = generateSshKeyPair('deploy-test');
const lab: Lab = {
  name: labName,
  vms: ['alpha', 'beta', 'gamma'].map((name) => ({
    name,
    vcpu: 1,
    ram_mb: 128,
    disk_gb: 1,
    os_image: 'vlm-tiny',
    // gamma gets the test key through its own cloud-config, which the seed merges with the lab's key.
    ...(name === 'gamma'
      ? { depends_on: ['alpha'], cloud_init: `#cloud-config\nssh_authorized_keys:\n  - ${testKey.publicKey.trim()}\n` }
      : { ssh_authorized_keys: [testKey.publicKey.trim()] }),
  })),
};

before(async () => {
  requireCommand('virsh', 'libvirt-clients');
  requireCommand('genisoimage', 'genisoimage');
  // QEMU runs as its own user and must pass through the temporary folder to the disks and seeds.
  fixture = await startHostFixture({ name: 'deploy-qemu', driver: 'qemu', folderMode: 0o755 });
  // What a failed test left, removed by the names this run made (libvirtd is shared), snapshots too.
  fixture.onDispose(async () => {
    for (const vm of lab.vms) {
      await fixture.hypervisor.destroy(`${labName}.${vm.name}`).catch(() => undefined);
      await fixture.hypervisor.undefine(`${labName}.${vm.name}`, { snapshots: true }).catch(() => undefined);
    }
  });
});

after(async () => {
  await fixture?.dispose();
});

/** Each VM's readiness is in the deploy log, in dependency order, each with its seed. */
function assertDeployed(details: LabDetails): void {
  for (const vm of lab.vms) {
    assert.ok(
      details.deployLog.some((line) => line.vm === vm.name && /is ready: SSH on 127\.0\.0\.1:\d+ accepted the lab's key/.test(line.text)),
      `readiness of ${vm.name} is in the deploy log`,
    );
  }
  // gamma depends on alpha: it starts only once alpha is ready.
  const position = (pattern: RegExp) => details.deployLog.findIndex((line) => pattern.test(line.text));
  assert.ok(position(new RegExp(`^${labName}\\.alpha is ready`)) < position(new RegExp(`^Started ${labName}\\.gamma`)));
  assert.equal(details.resources.seeds?.length, 3);
}

/** The lab file's key and the lab's own key log in to every VM; another lab's key does not. */
async function assertSshLogins(dataDirectory: string, sshPorts: Map<string, number>): Promise<void> {
  // The lab's own key, private to the service; no shared service key was made.
  const keyPath = join(dataDirectory, 'ssh', 'labs', labName, 'id_ed25519');
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
  const labKey = await readFile(keyPath, 'utf8');
  await assert.rejects(stat(join(dataDirectory, 'ssh', 'id_ed25519')), /ENOENT/);
  // Another lab's key (made the same way) opens none of this lab's VMs.
  const otherLabKey = generateSshKeyPair('vlm-lab-other@test').privateKey;
  for (const vm of lab.vms) {
    const port = sshPorts.get(vm.name) as number;
    // The hostname came from the seed; the lab file's key and the service key both log in.
    assert.equal((await sshRun(port, testKey.privateKey, 'hostname')).trim(), vm.name);
    assert.equal((await sshRun(port, labKey, 'echo lab-$((6*7))')).trim(), 'lab-42');
    await assert.rejects(sshRun(port, otherLabKey, 'true'), /authentication methods failed/);
  }
}

/** An SSH console answers a command, and the serial console shows the boot and a prompt. */
async function assertConsoles(client: Client): Promise<void> {
  // An SSH console logs in with the lab's key.
  let sshOutput = '';
  const sshConsole = await client.sendRequest(ConsolesOpenRequest.type, { vm: `${labName}.alpha`, kind: 'ssh' });
  client.onNotification(ConsoleOutputNotification.type, ({ consoleId, data }) => {
    if (consoleId === sshConsole.consoleId) sshOutput += data;
  });
  await client.sendRequest(ConsolesWriteRequest.type, { consoleId: sshConsole.consoleId, data: 'echo console-$((6*7))\r' });
  await waitUntil('the SSH console to answer', () => sshOutput.includes('console-42'), 60_000, 100);
  await client.sendRequest(ConsolesCloseRequest.type, { consoleId: sshConsole.consoleId });

  // The serial console shows the boot and a prompt.
  let output = '';
  client.onNotification(ConsoleOutputNotification.type, ({ data }) => (output += data));
  const { consoleId } = await client.sendRequest(ConsolesOpenRequest.type, { vm: `${labName}.beta` });
  await waitUntil(
    'a shell prompt on the serial console',
    async () => {
      // The prompt is followed by busybox's cursor-position query (ESC [6n), not a line end.
      if (/root@beta:~# /.test(output)) return true;
      await client.sendRequest(ConsolesWriteRequest.type, { consoleId, data: '\r' });
      return false;
    },
    120_000,
    1000,
  );
}

/** A snapshot (memory and disk), a file written after it, a revert: the file is gone. */
async function assertSnapshotRevert(client: Client, sshPorts: Map<string, number>): Promise<void> {
  // vlm-tiny's root is in RAM, so the snapshot holds memory and disk.
  const alpha = `${labName}.alpha`;
  const alphaPort = sshPorts.get('alpha') as number;
  await client.sendRequest(SnapshotsCreateRequest.type, { vm: alpha, name: 'before-file' });
  await sshRun(alphaPort, testKey.privateKey, 'echo written > /root/after-snapshot');
  assert.equal((await sshRun(alphaPort, testKey.privateKey, 'cat /root/after-snapshot')).trim(), 'written');
  await client.sendRequest(SnapshotsRevertRequest.type, { vm: alpha, name: 'before-file' });
  const check = await waitUntil(
    'SSH on alpha after the revert',
    async () => sshRun(alphaPort, testKey.privateKey, 'test -e /root/after-snapshot && echo present || echo gone'),
    120_000,
    500,
  );
  assert.equal(check.trim(), 'gone');
}

describe('a three-VM vlm-tiny lab on qemu:///system', { timeout: 900_000 }, () => {
  test('deploy, SSH into each guest, console, snapshot and revert, destroy', async () => {
    const { client, dataDirectory } = fixture;
    await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
    await client.sendRequest(LabsApplyRequest.type, { lab });
    const details = await client.sendRequest(LabsGetRequest.type, { name: labName });
    assert.equal(details.status, 'running');
    assertDeployed(details);

    const sshPorts = new Map(details.resources.ports.filter((port) => port.kind === 'ssh').map((port) => [port.vm, port.port]));
    await assertSshLogins(dataDirectory, sshPorts);

    await assertConsoles(client);
    await assertSnapshotRevert(client, sshPorts);

    await client.sendRequest(LabsDestroyRequest.type, { name: labName });
    // virsh, an independent client of libvirtd, sees nothing of the lab.
    assert.doesNotMatch(virsh('list', '--all', '--name'), new RegExp(labName));
    assert.doesNotMatch(virsh('net-list', '--all', '--name'), new RegExp(labName));
    // It was the data directory's only lab: the pool went with it, disks, seeds and folder.
    assert.doesNotMatch(virsh('pool-list', '--all', '--name'), new RegExp(volumePoolFor(dataDirectory)));
    assert.equal(existsSync(join(dataDirectory, 'pool')), false, 'no disk or seed file is left');
    assert.deepEqual(readdirSync(join(dataDirectory, 'logs')), [], 'the serial logs went with their domains');
    await assert.rejects(stat(join(dataDirectory, 'ssh', 'labs', labName)), /ENOENT/, "the lab's key went with it");
  });
});
