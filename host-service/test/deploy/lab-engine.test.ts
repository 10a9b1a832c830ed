// The deploy engine through the real vlm-host on libvirt's test driver: a second apply of an
// unchanged lab changes nothing, destroy removes exactly what was recorded even when the lab file
// has changed since, and labs/sweep finds (and on request removes) only this host's leftovers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  HostErrorCode,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsGetRequest,
  LabsPlanRequest,
  LabsSweepRequest,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { DomainSummary } from '../../src/libvirt/hypervisor';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { buildNetworkXml } from '../../src/libvirt/network-xml';
import { buildDirectoryPoolXml, buildVolumeXml } from '../../src/libvirt/volume-xml';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { poolIsDefined, poolVolumes, startPoolOf } from '../support/volume-pools';
import { startHostFixture, type HostFixture } from '../support/host-fixture';

function engineLab(): Lab {
  return {
    name: 'eng-lab',
    networks: [{ name: 'lan', cidr: '10.62.1.0/24' }],
    vms: [
      { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] },
      { name: 'app', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], depends_on: ['db'] },
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', depends_on: ['app'] },
    ],
  };
}

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'deploy-engine' });
});

after(async () => {
  await fixture?.dispose();
});

const labDomains = async (prefix: string) =>
  (await fixture.hypervisor.listDomains())
    .filter((domain) => domain.name.startsWith(prefix))
    .map((domain) => `${domain.name} ${domain.uuid} ${domain.state}`)
    .sort();

describe('deploy engine on the libvirt test driver: apply and destroy', () => {
  test('a second apply of an unchanged lab changes nothing', async () => {
    const { client, dataDirectory } = fixture;
    await client.sendRequest(LabsApplyRequest.type, { lab: engineLab() });
    const first = await client.sendRequest(LabsGetRequest.type, { name: 'eng-lab' });
    assert.equal(first.status, 'running');
    const domainsBefore = await labDomains('eng-lab.');
    const stateBefore = await readFile(join(dataDirectory, 'state.json'), 'utf8');

    const again = await client.sendRequest(LabsApplyRequest.type, { lab: engineLab() });
    assert.deepEqual(again.steps, []);
    assert.equal(again.unchanged > 0, true);
    // Same domains (same UUIDs, still running), and the state file was not even rewritten.
    assert.deepEqual(await labDomains('eng-lab.'), domainsBefore);
    assert.equal(await readFile(join(dataDirectory, 'state.json'), 'utf8'), stateBefore);
  });

  test('destroy removes exactly what was recorded, even after the lab file changed', async () => {
    const { client, hypervisor, dataDirectory } = fixture;
    // Someone else's domain with a look-alike name, not made by VLM.
    await hypervisor.defineDomain(buildDomainXml({ name: 'eng-lab.bystander', type: 'qemu', vcpu: 1, memoryMiB: 64 }));
    // The lab file changes: a VM renamed, one added, the network gone. Planned, never applied.
    const edited = engineLab();
    edited.networks = [];
    edited.vms = [
      { name: 'database', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' },
      { name: 'cache', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' },
    ];
    const plan = await client.sendRequest(LabsPlanRequest.type, { lab: edited });
    assert.ok(plan.steps.some((step) => step.action === 'delete' && step.resource === 'eng-lab.db'));

    const recorded = await client.sendRequest(LabsGetRequest.type, { name: 'eng-lab' });
    const result = await client.sendRequest(LabsDestroyRequest.type, { name: 'eng-lab' });
    assert.deepEqual(
      result.steps
        .filter((step) => step.kind === 'domain')
        .map((step) => step.resource)
        .sort(),
      recorded.resources.domains.map((domain) => domain.name).sort(),
    );
    assert.deepEqual(await labDomains('eng-lab.'), [
      `eng-lab.bystander ${(await hypervisor.getDomain('eng-lab.bystander'))?.uuid} shut-off`,
    ]);
    assert.equal(
      (await hypervisor.listNetworks()).some((network) => network.name === 'eng-lab.lan'),
      false,
    );
    assert.deepEqual(
      (await poolVolumes(hypervisor, dataDirectory)).filter((volume) => volume.name.startsWith('eng-lab.')),
      [],
    );
    // It was the data directory's last lab: its storage pool went with it.
    assert.equal(await poolIsDefined(hypervisor, dataDirectory), false);
    await hypervisor.undefine('eng-lab.bystander');
  });
});

/**
 * Makes what sweep must tell apart: leftovers of this host (its mark, its pool) and objects that
 * only look like them. Returns the orphan pool's name and the objects that are not this host's.
 */
async function makeLeftovers(
  pool: string,
): Promise<{ orphanPool: string; foreign: { domains: string[]; networks: string[]; pools: string[] } }> {
  const { hypervisor, dataDirectory } = fixture;
  const poolDirectory = join(dataDirectory, 'pool');
  const otherDataDirectory = join(dataDirectory, '..', 'another-vlm-host');
  // Leftovers as a lost state file would leave them: a VM and a network carrying this host's
  // mark, a stray volume in its pool, and a VM an older version marked (no data directory) whose
  // disk is in this host's pool.
  await hypervisor.createVolume(pool, buildVolumeXml({ name: 'ghost.x.qcow2', capacityBytes: 1024 ** 3 }));
  await hypervisor.defineDomain(
    buildDomainXml({ name: 'ghost.x', type: 'qemu', vcpu: 1, memoryMiB: 64, vlm: { lab: 'ghost', vm: 'x', dataDirectory } }),
  );
  await hypervisor.defineNetwork(
    buildNetworkXml({ name: 'ghost.lan', cidr: '10.62.9.0/24', vlm: { lab: 'ghost', network: 'lan', dataDirectory } }),
  );
  await hypervisor.defineDomain(
    buildDomainXml({
      name: 'old-x',
      type: 'qemu',
      vcpu: 1,
      memoryMiB: 64,
      disk: { path: join(poolDirectory, 'old-x.qcow2') },
      vlm: { lab: 'old', vm: 'x' },
    }),
  );
  // A pool VLM named after a data directory that is gone, and look-alikes it did not name.
  const goneDataDirectory = join(dataDirectory, '..', 'gone-data');
  const orphanPool = volumePoolFor(goneDataDirectory);
  await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name: orphanPool, path: join(goneDataDirectory, 'pool') }));
  await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name: 'vlm-0000look', path: join(dataDirectory, '..', 'gone-too', 'pool') }));
  // Not this host's: another vlm-host's VM and network, and the user's networks and VM named like
  // the recorded lab's parts (under either scheme), without VLM's mark.
  await hypervisor.defineDomain(
    buildDomainXml({
      name: 'elsewhere.y',
      type: 'qemu',
      vcpu: 1,
      memoryMiB: 64,
      vlm: { lab: 'elsewhere', vm: 'y', dataDirectory: otherDataDirectory },
    }),
  );
  await hypervisor.defineNetwork(
    buildNetworkXml({ name: 'kept.other', vlm: { lab: 'kept', network: 'other', dataDirectory: otherDataDirectory } }),
  );
  await hypervisor.defineNetwork(buildNetworkXml({ name: 'kept-x' }));
  await hypervisor.defineNetwork(buildNetworkXml({ name: 'kept.x' }));
  await hypervisor.defineDomain(buildDomainXml({ name: 'kept.b', type: 'qemu', vcpu: 1, memoryMiB: 64 }));
  const foreign = { domains: ['elsewhere.y', 'kept.b'], networks: ['kept.other', 'kept-x', 'kept.x'], pools: ['vlm-0000look'] };
  return { orphanPool, foreign };
}

describe('deploy engine on the libvirt test driver: sweep', () => {
  test('sweep lists, then removes, only what VLM can prove this host made and no recorded lab owns; names prove nothing', async () => {
    const { client, hypervisor, dataDirectory } = fixture;
    const kept: Lab = { name: 'kept', vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] };
    await client.sendRequest(LabsApplyRequest.type, { lab: kept });
    const pool = volumePoolFor(dataDirectory);
    assert.equal(await poolIsDefined(hypervisor, dataDirectory), true, 'an apply defines the pool again');
    const { orphanPool, foreign } = await makeLeftovers(pool);

    const listed = await client.sendRequest(LabsSweepRequest.type, {});
    assert.equal(listed.removed, false);
    assert.deepEqual(listed.leftovers.map((item) => `${item.kind} ${item.name}`).sort(), [
      'domain ghost.x',
      'domain old-x',
      'network ghost.lan',
      `pool ${orphanPool}`,
      `volume ${pool}/ghost.x.qcow2`,
    ]);
    const reason = (name: string) => listed.leftovers.find((item) => item.name === name)?.reason ?? '';
    assert.match(reason('ghost.x'), /VLM's mark for this data directory \(lab ghost, VM x\)/);
    assert.match(reason('old-x'), /VLM's mark \(lab old, VM x\) and a disk in this host's pool/);
    assert.match(reason('ghost.lan'), /VLM's mark for this data directory \(lab ghost, network lan\)/);
    assert.match(reason(orphanPool), /gone-data\/pool, which is gone/);
    assert.ok(await hypervisor.getDomain('ghost.x'), 'a dry run removes nothing');

    const swept = await client.sendRequest(LabsSweepRequest.type, { remove: true });
    assert.equal(swept.removed, true);
    assert.equal(swept.leftovers.length, 5);
    assert.equal(await hypervisor.getDomain('ghost.x'), undefined);
    assert.equal(await hypervisor.getDomain('old-x'), undefined);
    const networks = (await hypervisor.listNetworks()).map((network) => network.name);
    assert.equal(networks.includes('ghost.lan'), false);
    assert.equal(
      (await hypervisor.listVolumes(pool)).some((volume) => volume.name === 'ghost.x.qcow2'),
      false,
    );
    const pools = (await hypervisor.listStoragePools()).map((item) => item.name);
    assert.equal(pools.includes(orphanPool), false);
    // Untouched: the recorded lab, and everything VLM cannot prove it made here.
    assert.equal((await hypervisor.getDomain('kept.a'))?.state, 'running');
    for (const name of foreign.domains) assert.ok(await hypervisor.getDomain(name), `${name} stays`);
    for (const name of foreign.networks) assert.ok(networks.includes(name), `${name} stays`);
    for (const name of foreign.pools) assert.ok(pools.includes(name), `${name} stays`);
    assert.deepEqual((await client.sendRequest(LabsSweepRequest.type, {})).leftovers, []);

    await client.sendRequest(LabsDestroyRequest.type, { name: 'kept' });
    for (const name of foreign.domains) await hypervisor.undefine(name);
    for (const name of foreign.networks) await hypervisor.undefineNetwork(name);
    for (const name of foreign.pools) await hypervisor.undefineStoragePool(name);
  });
});

describe('deploy engine on the libvirt test driver: failures and names', () => {
  test('one failing VM stops the apply: the lab is failed, the VM is named, what was made is recorded and destroyable', async () => {
    const { client, hypervisor, dataDirectory } = fixture;
    const pool = await startPoolOf(hypervisor, dataDirectory);
    // The disk name VM "b" needs is taken, so creating it fails.
    await hypervisor.createVolume(pool, buildVolumeXml({ name: 'fail-lab.b.qcow2', capacityBytes: 1024 ** 3 }));
    const lab: Lab = {
      name: 'fail-lab',
      vms: [
        { name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' },
        { name: 'b', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' },
        { name: 'c', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', depends_on: ['b'] },
      ],
    };
    await assert.rejects(client.sendRequest(LabsApplyRequest.type, { lab }), (error: unknown) => {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.code, HostErrorCode.AlreadyExists);
      assert.match(error.message, /^Apply of "fail-lab" failed at VM "b": /);
      assert.equal((error.data as { field?: string }).field, '/lab/vms/1');
      return true;
    });
    const details = await client.sendRequest(LabsGetRequest.type, { name: 'fail-lab' });
    assert.equal(details.status, 'failed');
    // libvirt refused because the name was taken, so nothing is left pending for a restart to "roll back".
    const state = JSON.parse(await readFile(join(dataDirectory, 'state.json'), 'utf8'));
    assert.deepEqual(state.labs['fail-lab'].pending ?? [], []);
    assert.match(details.deployLog.at(-1)?.text ?? '', /^Apply failed at VM "b": /);
    const made = details.resources.domains.map((domain) => domain.vm);
    assert.equal(made.includes('b'), false);
    assert.equal(made.includes('c'), false, 'c depends on b and never started');
    assert.deepEqual(
      await labDomains('fail-lab.'),
      (await labDomains('fail-lab.')).filter((line) => made.some((vm) => line.startsWith(`fail-lab.${vm} `))),
    );
    await client.sendRequest(LabsDestroyRequest.type, { name: 'fail-lab' });
    assert.deepEqual(await labDomains('fail-lab.'), []);
    // Destroy removed only what the lab recorded: the volume it did not make is still there, and
    // so is the pool that holds it.
    assert.ok((await hypervisor.listVolumes(pool)).some((volume) => volume.name === 'fail-lab.b.qcow2'));
    await hypervisor.deleteVolume(pool, 'fail-lab.b.qcow2');
  });

  test('a lab with the longest names (63 + 63 characters) applies and is destroyed', async () => {
    const { client, hypervisor, dataDirectory } = fixture;
    const name = `own${'l'.repeat(59)}z`;
    const vm = `v${'m'.repeat(61)}z`;
    const lab: Lab = {
      name,
      networks: [{ name: vm, cidr: '10.62.33.0/24' }],
      vms: [{ name: vm, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: [vm] }],
    };
    await client.sendRequest(LabsApplyRequest.type, { lab });
    assert.equal((await hypervisor.getDomain(`${name}.${vm}`))?.state, 'running');
    assert.ok((await hypervisor.listVolumes(volumePoolFor(dataDirectory))).some((volume) => volume.name === `${name}.${vm}.qcow2`));
    await client.sendRequest(LabsDestroyRequest.type, { name });
    assert.deepEqual(await labDomains(`${name}.`), []);
    assert.equal(
      (await hypervisor.listNetworks()).some((network) => network.name === `${name}.${vm}`),
      false,
    );
  });
});

describe('deploy engine on the libvirt test driver: objects remade behind its back', () => {
  test("destroy removes the lab's own domain and network, not someone else's made since under the same names", async () => {
    const { client, hypervisor } = fixture;
    const lab: Lab = {
      name: 'own-swap',
      networks: [{ name: 'lan', cidr: '10.62.34.0/24' }],
      vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] }],
    };
    await client.sendRequest(LabsApplyRequest.type, { lab });
    // Behind VLM's back, the lab's domain and network are removed and the user makes their own under those names.
    await hypervisor.destroy('own-swap.a');
    await hypervisor.undefine('own-swap.a');
    await hypervisor.destroyNetwork('own-swap.lan');
    await hypervisor.undefineNetwork('own-swap.lan');
    const userNetwork = await hypervisor.defineNetwork(buildNetworkXml({ name: 'own-swap.lan' }));
    const userDomain = await hypervisor.defineDomain(buildDomainXml({ name: 'own-swap.a', type: 'qemu', vcpu: 1, memoryMiB: 64 }));

    await client.sendRequest(LabsDestroyRequest.type, { name: 'own-swap' });
    assert.equal((await hypervisor.getDomain('own-swap.a'))?.uuid, userDomain.uuid, "the user's domain stays");
    assert.equal(
      (await hypervisor.listNetworks()).find((network) => network.name === 'own-swap.lan')?.uuid,
      userNetwork.uuid,
      "the user's network stays",
    );
    await assert.rejects(
      client.sendRequest(LabsGetRequest.type, { name: 'own-swap' }),
      (error: unknown) => (error as ResponseError).code === HostErrorCode.NotFound,
    );
    await hypervisor.undefine('own-swap.a');
    await hypervisor.undefineNetwork('own-swap.lan');
  });
});

/** Turns the applied lab own-old into what an older version left, and returns its domain. */
async function rewriteAsOlderVersion(): Promise<DomainSummary> {
  const { hypervisor, dataDirectory } = fixture;
  // Turn it into what an older version left: the same objects under LAB-PART names, no data
  // directory in the mark, no network UUID recorded.
  const pool = volumePoolFor(dataDirectory);
  const domainXml = (await hypervisor.getDomainXml('own-old.web'))
    .replace('<name>own-old.web</name>', '<name>own-old-web</name>')
    .replace(/ data-directory="[^"]*"/, '')
    .replaceAll("network='own-old.lan'", "network='own-old-lan'")
    .replaceAll('own-old.web.qcow2', 'own-old-web.qcow2');
  const networkXml = (await hypervisor.getNetworkXml('own-old.lan')).replace('<name>own-old.lan</name>', '<name>own-old-lan</name>');
  await hypervisor.destroy('own-old.web');
  await hypervisor.undefine('own-old.web');
  await hypervisor.destroyNetwork('own-old.lan');
  await hypervisor.undefineNetwork('own-old.lan');
  await hypervisor.defineNetwork(networkXml);
  await hypervisor.startNetwork('own-old-lan');
  await hypervisor.deleteVolume(pool, 'own-old.web.qcow2');
  await hypervisor.createVolume(pool, buildVolumeXml({ name: 'own-old-web.qcow2', capacityBytes: 1024 ** 3 }));
  const oldDomain = await hypervisor.defineDomain(domainXml);
  await hypervisor.start('own-old-web');
  const statePath = join(dataDirectory, 'state.json');
  const state = JSON.parse(await readFile(statePath, 'utf8'));
  const record = state.labs['own-old'];
  record.resources.domains = [{ name: 'own-old-web', vm: 'web', uuid: oldDomain.uuid }];
  record.resources.networks = [{ name: 'own-old-lan', network: 'lan' }];
  record.resources.volumes = [{ pool, name: 'own-old-web.qcow2', vm: 'web' }];
  await writeFile(statePath, JSON.stringify(state));
  return oldDomain;
}

describe('deploy engine on the libvirt test driver: labs of older versions', () => {
  test('a lab an older version deployed keeps its LAB-PART names: unchanged, extended with LAB.PART parts on the old network, destroyed whole', async () => {
    const { client, hypervisor, dataDirectory } = fixture;
    const lab: Lab = {
      name: 'own-old',
      networks: [{ name: 'lan', cidr: '10.62.35.0/24' }],
      vms: [{ name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] }],
    };
    await client.sendRequest(LabsApplyRequest.type, { lab });
    client.close();
    assert.equal(await fixture.host.stop(), 0);
    const oldDomain = await rewriteAsOlderVersion();
    await fixture.restart();
    const restarted = fixture.client;

    assert.deepEqual((await restarted.sendRequest(LabsPlanRequest.type, { lab })).steps, [], 'nothing to do for the recorded lab');
    const extended: Lab = {
      ...lab,
      vms: [...lab.vms, { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] }],
    };
    const plan = await restarted.sendRequest(LabsApplyRequest.type, { lab: extended });
    assert.deepEqual(
      plan.steps
        .filter((step) => step.kind === 'domain' || step.kind === 'network')
        .map((step) => `${step.action} ${step.kind} ${step.resource}`),
      ['create domain own-old.db'],
    );
    assert.equal((await hypervisor.getDomain('own-old-web'))?.uuid, oldDomain.uuid, 'the old VM is untouched');
    assert.match(await hypervisor.getDomainXml('own-old.db'), /network=['"]own-old-lan['"]/, 'the new VM joins the recorded network');
    await restarted.sendRequest(LabsDestroyRequest.type, { name: 'own-old' });
    assert.deepEqual(await labDomains('own-old'), []);
    assert.equal(
      (await hypervisor.listNetworks()).some((network) => network.name.startsWith('own-old')),
      false,
    );
    assert.deepEqual(
      (await poolVolumes(hypervisor, dataDirectory)).filter((volume) => volume.name.startsWith('own-old')),
      [],
    );
  });
});
