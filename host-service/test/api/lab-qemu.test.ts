// A lab applied for real: vlm-host on qemu:///system (TCG) through libvirt-dbus on a private bus,
// two vlm-tiny VMs on an isolated lab network, booted in dependency order, reachable on their
// serial consoles, and gone again after destroy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
import { ResponseError } from 'vscode-jsonrpc/node';
import type { Hypervisor } from '../../src/libvirt/hypervisor';
import { connectLibvirt } from '../../src/libvirt/libvirt-dbus-hypervisor';
import { requireCommand } from '../support/require-command';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../support/test-libvirt';
import { waitUntil } from '../support/wait-until';
import { volumePoolFor } from '../../src/api/lab-resources';
import { buildHostBundle, connectClient, startHost, type HostProcess } from './host-process';

describe('a two-VM lab on qemu:///system through vlm-host', { timeout: 600_000 }, () => {
  let environment: LibvirtTestEnvironment;
  let hypervisor: Hypervisor;
  let work: string;
  let host: HostProcess;
  // A name no other run uses, since libvirtd is shared.
  const labName = `qemu-${randomBytes(3).toString('hex')}`;
  // A /24 from a range unlikely to be in use on the host.
  const subnet = `10.${200 + (randomBytes(1)[0] as number) % 50}.${randomBytes(1)[0] as number}.0/24`;
  const lab: Lab = {
    name: labName,
    networks: [{ name: 'lan', cidr: subnet }],
    vms: [
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], depends_on: ['db'] },
      { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] },
    ],
  };

  before(async () => {
    // libvirt serves DHCP and DNS on a lab network with dnsmasq.
    requireCommand('dnsmasq', 'dnsmasq-base');
    work = await mkdtemp(join(tmpdir(), 'vlm-lab-qemu-'));
    // QEMU runs as its own user and must pass through here to the data directory's disks.
    await chmod(work, 0o755);
    environment = await startLibvirtTestEnvironment({ realDaemons: true });
    hypervisor = await connectLibvirt({ driver: 'qemu', busAddress: environment.busAddress });
    const bundle = await buildHostBundle(work);
    host = await startHost({ bundle, socketPath: join(work, 'vlm-host.sock'), dataDirectory: join(work, 'data'), busAddress: environment.busAddress, driver: 'qemu' });
  });

  after(async () => {
    // Whatever a failed test left: remove it by the names this run made.
    if (hypervisor) {
      for (const vm of lab.vms) {
        await hypervisor.destroy(`${labName}.${vm.name}`).catch(() => undefined);
        await hypervisor.undefine(`${labName}.${vm.name}`).catch(() => undefined);
      }
      await hypervisor.destroyNetwork(`${labName}.lan`).catch(() => undefined);
      await hypervisor.undefineNetwork(`${labName}.lan`).catch(() => undefined);
      // libvirtd is shared and outlives this run: the run's pool goes too.
      const pool = volumePoolFor(join(work, 'data'));
      for (const volume of await hypervisor.listVolumes(pool).catch(() => [])) await hypervisor.deleteVolume(pool, volume.name).catch(() => undefined);
      await hypervisor.destroyStoragePool(pool).catch(() => undefined);
      await hypervisor.undefineStoragePool(pool).catch(() => undefined);
      await hypervisor.close();
    }
    await host?.stop();
    await environment?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('apply refuses until the image is pulled, then boots both VMs; destroy removes them', async () => {
    const client = await connectClient(host.socketPath);
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
      assert.deepEqual(details.deployLog.filter((line) => line.text.startsWith('Started')).map((line) => line.vm), ['db', 'web']);
      const { vms } = await client.sendRequest(VmsListRequest.type, { lab: labName });
      assert.deepEqual(vms.map((vm) => [vm.labVm, vm.state]).sort(), [['db', 'running'], ['web', 'running']]);

      // The guest is really up: its shell answers on the serial console.
      let output = '';
      client.onNotification(ConsoleOutputNotification.type, ({ data }) => (output += data));
      const { consoleId } = await client.sendRequest(ConsolesOpenRequest.type, { vm: `${labName}.web` });
      await waitUntil('a shell prompt on web', async () => {
        // The prompt may be followed by busybox's cursor-position query (ESC [6n).
        if (/# (\x1b\[6n)?$/m.test(output)) return true;
        await client.sendRequest(ConsolesWriteRequest.type, { consoleId, data: '\r' });
        return false;
      }, 240_000, 1000);
      await client.sendRequest(ConsolesWriteRequest.type, { consoleId, data: 'echo up-$((40+2))\r' });
      await waitUntil('the command output', () => /up-42/.test(output.replace('up-$((40+2))', '')), 60_000);
      // The serial log libvirt writes for the VM holds its boot.
      const logPath = join(work, 'data', 'logs', `${labName}.web.log`);
      assert.match(await readFile(logPath, 'utf8'), /vlm-tiny/);

      await client.sendRequest(LabsDestroyRequest.type, { name: labName });
      assert.deepEqual((await client.sendRequest(VmsListRequest.type, { lab: labName })).vms, []);
      assert.equal((await hypervisor.listNetworks()).some((network) => network.name === `${labName}.lan`), false);
      const volumes = await hypervisor.listVolumes(volumePoolFor(join(work, 'data')));
      assert.equal(volumes.some((volume) => volume.name.startsWith(`${labName}.`)), false);
      assert.equal(existsSync(join(work, 'data', 'pool', `${labName}.web.qcow2`)), false);
    } finally {
      client.close();
    }
  });
});
