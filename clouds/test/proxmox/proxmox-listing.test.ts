// Listing a Proxmox cluster through the real client against the HTTPS stand-in: nodes are
// locations, QEMU guests are rows with state, size, uptime, tags and the console link.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CloudError, isCloudError } from '../../src/cloud-errors.js';
import { listAllInstances } from '../../src/instance-listing.js';
import { type ProxmoxStandIn, startProxmoxStandIn } from '../stand-ins/proxmox-server.js';
import { makeProvider, seen } from './proxmox-fixture.js';

let standIn: ProxmoxStandIn;

before(async () => {
  standIn = await startProxmoxStandIn();
});

after(async () => {
  await standIn?.close();
});

describe('Proxmox listing', { timeout: 60_000 }, () => {
  test('nodes are the locations, and each node lists its guests', async () => {
    const now = Date.now();
    const provider = makeProvider(standIn, { now: () => now });
    try {
      assert.deepEqual(await provider.listLocations(), [
        { id: 'pve1', label: 'pve1' },
        { id: 'pve2', label: 'pve2' },
      ]);
      const pve1 = await provider.listInstances('pve1');
      const pve2 = await provider.listInstances('pve2');
      assert.equal(pve1.nextPageToken, undefined);
      assert.deepEqual(
        [...pve1.instances, ...pve2.instances].map((instance) => [instance.location, instance.id, instance.name, instance.state]),
        [
          ['pve1', '100', 'web-1', 'running'],
          ['pve1', '101', 'db-1', 'stopped'],
          ['pve2', '200', 'build', 'running'],
        ],
      );
      const [web] = pve1.instances;
      assert.equal(web?.size, '2 vCPU, 4 GiB');
      assert.deepEqual(web?.tags, { prod: '', web: '' });
      assert.deepEqual(web?.actions, ['stop', 'forceStop', 'reboot']);
      assert.equal(web?.consoleUrl, `${standIn.url}/#v1:0:=qemu%2F100:4:::::::`);
      assert.equal(web?.pricePerHour, undefined, 'Proxmox has no prices');
      const startedAt = Date.parse(web?.startedAt ?? '');
      assert.ok(Math.abs(now - 3_600_000 - startedAt) < 2_000, `started about an hour ago, not ${web?.startedAt}`);
      assert.equal(pve1.instances[1]?.startedAt, undefined, 'a stopped VM has no uptime');
      assert.ok(standIn.requests.every((request) => request.auth === 'token' || request.path === '/access/ticket'));
    } finally {
      provider.dispose();
    }
  });

  test('getInstance reads one guest; an unknown vmid is notFound', async () => {
    const provider = makeProvider(standIn);
    try {
      const db = await provider.getInstance('pve1', '101');
      assert.equal(db.name, 'db-1');
      assert.equal(db.providerState, 'stopped');
      await assert.rejects(provider.getInstance('pve1', '999'), (error: unknown) => {
        assert.ok(isCloudError(error));
        assert.equal(error.kind, 'notFound', error.describe());
        assert.match(error.message, /Configuration file 'nodes\/pve1\/qemu-server\/999.conf' does not exist/);
        return true;
      });
    } finally {
      provider.dispose();
    }
  });

  test("a privilege-separated token's empty list is explained, not shown as an empty node", async () => {
    const provider = makeProvider(standIn, { login: 'separated' });
    try {
      assert.equal((await provider.listLocations()).length, 2, 'the node index is open to every user');
      await assert.rejects(provider.listInstances('pve1'), (error: unknown) => {
        assert.ok(isCloudError(error));
        const cloudError = error as CloudError;
        assert.equal(cloudError.kind, 'permission');
        assert.equal(cloudError.details.code, 'VM.Audit');
        assert.match(cloudError.describe(), /auditor@pve!separated sees no VM on pve1.*privilege-separated.*API Token Permission/);
        return true;
      });
      assert.ok(seen(standIn).includes('GET /access/permissions'));
    } finally {
      provider.dispose();
    }
  });
});

describe('Proxmox with the shared parallel listing', { timeout: 60_000 }, () => {
  test('every node at once: one ticket login for all, and a node that does not answer reported beside the rest', async () => {
    const cluster = await startProxmoxStandIn({ nodes: ['pve1', 'pve2', 'pve3'], hangingNodes: ['pve3'] });
    const provider = makeProvider(cluster, { login: 'ticket', settings: { timeoutSeconds: 1 } });
    try {
      const listing = await listAllInstances(provider);
      assert.deepEqual(
        listing.instances.map((instance) => `${instance.location}/${instance.id}`),
        ['pve1/100', 'pve1/101', 'pve2/200'],
      );
      assert.deepEqual(
        listing.errors.map(({ location, error }) => [location.id, error.kind, error.details.code]),
        [['pve3', 'unreachable', 'timeout']],
      );
      assert.equal(cluster.requests.filter((request) => request.path === '/access/ticket').length, 1, 'one login shared by parallel calls');
      cluster.expireTickets();
      assert.equal((await listAllInstances(provider)).instances.length, 3);
      assert.equal(
        cluster.requests.filter((request) => request.path === '/access/ticket').length,
        2,
        'one fresh login for all refused calls',
      );
    } finally {
      provider.dispose();
      await cluster.close();
    }
  });
});
