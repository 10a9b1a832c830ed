// LXC containers beside QEMU VMs: listed together by vmid, acted on through /lxc paths, their
// tasks (vz*) followed as VMs' are; a container never listed is found by its vmid alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isCloudError } from '../../src/cloud-errors.js';
import { defaultVms, type ProxmoxStandIn, startProxmoxStandIn } from '../stand-ins/proxmox-server.js';
import { makeProvider, seen } from './proxmox-fixture.js';

let standIn: ProxmoxStandIn;

before(async () => {
  standIn = await startProxmoxStandIn({
    vms: [
      ...defaultVms,
      {
        type: 'lxc',
        vmid: 300,
        node: 'pve1',
        name: 'dns',
        status: 'running',
        cpus: 1,
        maxmem: 536_870_912,
        maxdisk: 8_589_934_592,
        startedAt: Date.now() - 5_000,
      },
      { type: 'lxc', vmid: 301, node: 'pve1', name: 'proxy', status: 'stopped', cpus: 2, maxmem: 1_073_741_824, maxdisk: 8_589_934_592 },
    ],
  });
});

after(async () => {
  await standIn?.close();
});

describe('Proxmox containers', { timeout: 60_000 }, () => {
  test('a node lists its VMs and containers together, by vmid', async () => {
    const provider = makeProvider(standIn);
    try {
      const { instances } = await provider.listInstances('pve1');
      assert.deepEqual(
        instances.map((instance) => [instance.id, instance.name, instance.state, instance.size]),
        [
          ['100', 'web-1', 'running', '2 vCPU, 4 GiB'],
          ['101', 'db-1', 'stopped', '4 vCPU, 8 GiB'],
          ['300', 'dns', 'running', 'container, 1 vCPU, 0.5 GiB'],
          ['301', 'proxy', 'stopped', 'container, 2 vCPU, 1 GiB'],
        ],
      );
      assert.equal(instances[2]?.consoleUrl, `${standIn.url}/#v1:0:=lxc%2F300:4:::::::`);
    } finally {
      provider.dispose();
    }
  });

  test('stopping a listed container runs vzshutdown and follows it to stopped', async () => {
    const provider = makeProvider(standIn);
    try {
      await provider.listInstances('pve1');
      const operation = await provider.runAction('pve1', '300', 'stop');
      assert.match(operation.handle, /:vzshutdown:300:root@pam!vlm:$/);
      const states: string[] = [];
      await provider.followOperation(operation, { onInstance: (instance) => states.push(instance.state) });
      assert.deepEqual(states, ['stopping', 'stopped']);
      assert.equal(standIn.cluster.vms.get(300)?.status, 'stopped');
      assert.ok(!seen(standIn).some((line) => line.includes('/qemu/300')), 'a container known from the list is never asked as a VM');
    } finally {
      provider.dispose();
    }
  });

  test('a container never listed is found by vmid; start then delete end where they should', async () => {
    const provider = makeProvider(standIn);
    try {
      const from = standIn.requests.length;
      const proxy = await provider.getInstance('pve1', '301');
      assert.equal(proxy.name, 'proxy');
      assert.deepEqual(seen(standIn).slice(from), ['GET /nodes/pve1/qemu/301/status/current', 'GET /nodes/pve1/lxc/301/status/current']);
      const started = await provider.followOperation(await provider.runAction('pve1', '301', 'start'));
      assert.equal(started.state, 'running');
      await assert.rejects(
        provider.runAction('pve1', '301', 'start'),
        (error: unknown) => isCloudError(error) && error.kind === 'wrongState',
      );
      await provider.followOperation(await provider.runAction('pve1', '301', 'forceStop'));
      const removal = await provider.runAction('pve1', '301', 'delete');
      assert.match(removal.handle, /:vzdestroy:301:/);
      assert.equal((await provider.followOperation(removal)).state, 'terminated');
      assert.equal(standIn.cluster.vms.has(301), false);
      await assert.rejects(provider.getInstance('pve1', '301'), (error: unknown) => isCloudError(error) && error.kind === 'notFound');
    } finally {
      provider.dispose();
    }
  });
});
