// The deploy engine's VNC passwords on libvirt's test driver: every deployed VM gets its own,
// kept 0600 in the data directory, given out by vlm/vms/vncCredentials, and removed with the VM.
// The display itself, and a real VNC handshake, are in secrets-qemu.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  HostErrorCode,
  LabsApplyRequest,
  LabsDestroyRequest,
  VmsListRequest,
  VmsVncCredentialsRequest,
} from '@vlm/schemas/src/host-protocol';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';

describe('VNC passwords of deployed VMs (test driver)', () => {
  let fixture: HostFixture;

  before(async () => {
    fixture = await startHostFixture({ name: 'vnc-credentials' });
  });

  after(async () => {
    await fixture?.dispose();
  });

  test('each VM gets its own password, kept 0600, given by vncCredentials with its port, gone with the VM', async () => {
    await fixture.client.sendRequest(LabsApplyRequest.type, {
      lab: { name: 'vnc-lab', vms: ['one', 'two'].map((name) => ({ name, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' })) },
    });
    const { vms } = await fixture.client.sendRequest(VmsListRequest.type, { lab: 'vnc-lab' });
    const credentials = await Promise.all(vms.map((vm) => fixture.client.sendRequest(VmsVncCredentialsRequest.type, { vm: vm.name })));
    assert.equal(credentials.length, 2);
    for (const [index, vm] of vms.entries()) {
      const given = credentials[index];
      assert.equal(given?.host, '127.0.0.1');
      assert.ok(given && given.port >= 5900 && given.port <= 5999, `port ${given?.port}`);
      const file = join(fixture.dataDirectory, 'vnc', vm.name);
      assert.equal((await readFile(file, 'utf8')).trim(), given?.password);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
    }
    assert.notEqual(credentials[0]?.password, credentials[1]?.password);
    assert.notEqual(credentials[0]?.port, credentials[1]?.port);

    await fixture.client.sendRequest(LabsDestroyRequest.type, { name: 'vnc-lab' });
    for (const vm of vms) assert.equal(existsSync(join(fixture.dataDirectory, 'vnc', vm.name)), false, `${vm.name}'s password is gone`);
    // libvirt's test driver has a domain of its own, which vlm-host made no password for.
    await rejectsWithHostError(fixture.client.sendRequest(VmsVncCredentialsRequest.type, { vm: 'test' }), HostErrorCode.NotFound, {
      field: '/vm',
      message: /VM "test" has no VNC display with a password from this host/,
    });
  });
});
