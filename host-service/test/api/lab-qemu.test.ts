// A lab applied for real: vlm-host on qemu:///system (TCG) through libvirt-dbus on a private bus,
// two vlm-tiny VMs on an isolated lab network, booted in dependency order, reachable on their
// serial consoles, and gone again after destroy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConsoleOutputNotification,
  ConsolesOpenRequest,
  ConsolesWriteRequest,
  HostErrorCode,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsGetRequest,
  VmsListRequest,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { requireCommand } from '../../local-libvirt/require-command';
import { waitUntil } from '../../local-libvirt/wait-until';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { startHostFixture, type HostFixture } from '../support/host-fixture';

let fixture: HostFixture;
// A name no other run uses, since libvirtd is shared.
const labName = `qemu-${randomBytes(3).toString('hex')}`;
// A /24 from a range unlikely to be in use on the host.
const subnet = `10.${200 + ((randomBytes(1)[0] as number) % 50)}.${randomBytes(1)[0] as number}.0/24`;
const lab: Lab = {
  name: labName,
  networks: [{ name: 'lan', cidr: subnet }],
  vms: [
    { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], depends_on: ['db'] },
    { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] },
  ],
};

before(
  async () => {
    // libvirt serves DHCP and DNS on a lab network with dnsmasq.
    requireCommand('dnsmasq', 'dnsmasq-base');
    // QEMU runs as its own user and must pass through the folder to the data directory's disks.
    fixture = await startHostFixture({
      name: 'lab-qemu',
      driver: 'qemu',
      folderMode: 0o755,
      // Whatever a failed test left: removed by the names this run made.
      leftovers: { domains: lab.vms.map((vm) => `${labName}.${vm.name}`), networks: [`${labName}.lan`] },
    });
  },
  { timeout: 600_000 },
);

after(async () => {
  await fixture?.dispose();
});

describe('a two-VM lab on qemu:///system through vlm-host', { timeout: 600_000 }, () => {
  test('apply refuses until the image is pulled, then boots both VMs; destroy removes them', async () => {
    const client = await fixture.connect();
    try {
      await assert.rejects(client.sendRequest(LabsApplyRequest.type, { lab }), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.equal(error.code, HostErrorCode.InvalidState);
        assert.match(error.message, /The image "vlm-tiny" is not on this host yet: pull it first/);
        return true;
      });
      assert.equal((await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' })).present, true);

      await client.sendRequest(LabsApplyRequest.type, { lab });
      const details = await client.sendRequest(LabsGetRequest.type, { name: labName });
      assert.equal(details.status, 'running');
      assert.deepEqual(
        details.deployLog.filter((line) => line.text.startsWith('Started')).map((line) => line.vm),
        ['db', 'web'],
      );
      const { vms } = await client.sendRequest(VmsListRequest.type, { lab: labName });
      assert.deepEqual(vms.map((vm) => [vm.labVm, vm.state]).sort(), [
        ['db', 'running'],
        ['web', 'running'],
      ]);

      // The guest is really up: its shell answers on the serial console.
      let output = '';
      client.onNotification(ConsoleOutputNotification.type, ({ data }) => (output += data));
      const { consoleId } = await client.sendRequest(ConsolesOpenRequest.type, { vm: `${labName}.web` });
      await waitUntil(
        'a shell prompt on web',
        async () => {
          // The prompt may be followed by busybox's cursor-position query (ESC [6n).
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequence is what busybox writes
          if (/# (\x1b\[6n)?$/m.test(output)) return true;
          await client.sendRequest(ConsolesWriteRequest.type, { consoleId, data: '\r' });
          return false;
        },
        240_000,
        1000,
      );
      await client.sendRequest(ConsolesWriteRequest.type, { consoleId, data: 'echo up-$((40+2))\r' });
      await waitUntil('the command output', () => /up-42/.test(output.replace('up-$((40+2))', '')), 60_000);
      // The serial log libvirt writes for the VM holds its boot.
      const logPath = join(fixture.dataDirectory, 'logs', `${labName}.web.log`);
      assert.match(await readFile(logPath, 'utf8'), /vlm-tiny/);

      await client.sendRequest(LabsDestroyRequest.type, { name: labName });
      assert.deepEqual((await client.sendRequest(VmsListRequest.type, { lab: labName })).vms, []);
      assert.equal(
        (await fixture.hypervisor.listNetworks()).some((network) => network.name === `${labName}.lan`),
        false,
      );
      assert.equal(existsSync(join(fixture.dataDirectory, 'pool', `${labName}.web.qcow2`)), false);
      // The serial logs went with their domains, and the pool, disks and folder with the data directory's last lab.
      assert.deepEqual(await readdir(join(fixture.dataDirectory, 'logs')), []);
      const pools = spawnSync('virsh', ['-c', 'qemu:///system', 'pool-list', '--all', '--name'], { encoding: 'utf8' });
      assert.equal(pools.status, 0, pools.stderr);
      assert.equal(pools.stdout.split('\n').includes(volumePoolFor(fixture.dataDirectory)), false, pools.stdout);
      assert.equal(existsSync(join(fixture.dataDirectory, 'pool')), false);
    } finally {
      client.close();
    }
  });
});

describe('a lab on qemu:///system cancelled while it boots', { timeout: 600_000 }, () => {
  test("a lab cancelled while its VM boots is destroyed with its serial log, and the data directory's pool goes with it", async () => {
    const client = await fixture.connect();
    const cancelled: Lab = { name: `${labName}-c`, vms: [{ name: 'solo', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] };
    const domain = `${cancelled.name}.solo`;
    const logPath = join(fixture.dataDirectory, 'logs', `${domain}.log`);
    try {
      await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
      const cancellation = new CancellationTokenSource();
      const applying = client.sendRequest(LabsApplyRequest.type, { lab: cancelled }, cancellation.token);
      // Booting, its serial log being written: the apply is waiting for SSH.
      await waitUntil(
        'the VM to boot',
        async () => (await fixture.hypervisor.getDomain(domain))?.state === 'running' && existsSync(logPath),
        120_000,
        250,
      );
      cancellation.cancel();
      await assert.rejects(applying, (error: unknown) => error instanceof ResponseError && error.code === HostErrorCode.RequestCancelled);
      assert.equal((await client.sendRequest(LabsGetRequest.type, { name: cancelled.name })).status, 'failed');

      await client.sendRequest(LabsDestroyRequest.type, { name: cancelled.name });
      assert.equal(await fixture.hypervisor.getDomain(domain), undefined);
      assert.equal(existsSync(logPath), false, 'the serial log went with its VM');
      const pools = spawnSync('virsh', ['-c', 'qemu:///system', 'pool-list', '--all', '--name'], { encoding: 'utf8' });
      assert.equal(pools.status, 0, pools.stderr);
      assert.equal(pools.stdout.split('\n').includes(volumePoolFor(fixture.dataDirectory)), false, pools.stdout);
    } finally {
      client.close();
      await fixture.hypervisor.destroy(domain).catch(() => undefined);
      await fixture.hypervisor.undefine(domain).catch(() => undefined);
    }
  });
});
