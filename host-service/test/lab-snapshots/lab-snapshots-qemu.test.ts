// The real tier: a lab snapshot of two running vlm-tiny guests on qemu:///system (TCG). Both are
// paused for it and run again after; a file written on each afterwards is gone after the lab
// revert (vlm-tiny's root is in RAM, so the snapshot holds memory), and both guests answer again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  ImagesPullRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsGetRequest,
  LabSnapshotsCreateRequest,
  LabSnapshotsDeleteRequest,
  LabSnapshotsRevertRequest,
  VmsListRequest,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { generateSshKeyPair } from '../../src/deploy/service-ssh-key';
import { requireCommand } from '../../local-libvirt/require-command';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { sshRun } from '../support/ssh-run';

let fixture: HostFixture;
const labName = `lsnap-${randomBytes(3).toString('hex')}`;
const testKey = generateSshKeyPair('lab-snapshot-test');
const lab: Lab = {
  name: labName,
  vms: ['alpha', 'beta'].map((name) => ({
    name,
    vcpu: 1,
    ram_mb: 128,
    disk_gb: 1,
    os_image: 'vlm-tiny',
    ssh_authorized_keys: [testKey.publicKey.trim()],
    ...(name === 'beta' ? { depends_on: ['alpha'] } : {}),
  })),
};

before(async () => {
  requireCommand('virsh', 'libvirt-clients');
  requireCommand('genisoimage', 'genisoimage');
  fixture = await startHostFixture({ name: 'lab-snapshots-qemu', driver: 'qemu', folderMode: 0o755 });
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

describe('a lab snapshot of two vlm-tiny guests on qemu:///system', { timeout: 900_000 }, () => {
  test('snapshot with both paused, write a file on each, revert the lab: the files are gone and both run', async () => {
    const { client } = fixture;
    await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
    await client.sendRequest(LabsApplyRequest.type, { lab });
    const details = await client.sendRequest(LabsGetRequest.type, { name: labName });
    const ports = new Map(details.resources.ports.filter((port) => port.kind === 'ssh').map((port) => [port.vm, port.port]));

    const taken = await client.sendRequest(LabSnapshotsCreateRequest.type, { lab: labName, name: 'base' });
    assert.deepEqual(
      taken.vms.map((vm) => `${vm.vm} ${vm.outcome} ${vm.state}`),
      ['alpha snapshot-taken running', 'beta snapshot-taken running'],
    );
    assert.deepEqual(
      taken.snapshot.members.map((member) => member.wasRunning),
      [true, true],
    );
    for (const vm of ['alpha', 'beta']) await sshRun(ports.get(vm) as number, testKey.privateKey, 'echo written > /root/after-snapshot');

    const reverted = await client.sendRequest(LabSnapshotsRevertRequest.type, { lab: labName, name: 'base' });
    assert.deepEqual(
      reverted.vms.map((vm) => `${vm.vm} ${vm.outcome} ${vm.state}`),
      ['alpha reverted running', 'beta reverted running'],
    );
    for (const vm of ['alpha', 'beta']) {
      const check = await waitUntil(
        `SSH on ${vm} after the revert`,
        () => sshRun(ports.get(vm) as number, testKey.privateKey, 'test -e /root/after-snapshot && echo present || echo gone'),
        120_000,
        500,
      );
      assert.equal(check.trim(), 'gone', `${vm} is back at the snapshot`);
    }

    await client.sendRequest(LabSnapshotsDeleteRequest.type, { lab: labName, name: 'base' });
    await client.sendRequest(LabsDestroyRequest.type, { name: labName });
    const { vms } = await client.sendRequest(VmsListRequest.type, { lab: labName });
    assert.deepEqual(vms, []);
  });
});
