// The deploy engine through the real vlm-host on libvirt's test driver: a second apply of an
// unchanged lab changes nothing, destroy removes exactly what was recorded even when the lab file
// has changed since, and labs/sweep finds (and on request removes) only this host's leftovers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostErrorCode, LabsApplyRequest, LabsDestroyRequest, LabsGetRequest, LabsPlanRequest, LabsSweepRequest } from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { ResponseError } from 'vscode-jsonrpc/node';
import { connectLibvirt } from '../../src/libvirt/libvirt-dbus-hypervisor';
import type { Hypervisor } from '../../src/libvirt/hypervisor';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { buildNetworkXml } from '../../src/libvirt/network-xml';
import { buildVolumeXml } from '../../src/libvirt/volume-xml';
import { volumePoolFor } from '../../src/api/lab-resources';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../support/test-libvirt';
import { poolIsDefined, poolVolumes, startPoolOf } from '../support/volume-pools';
import { buildHostBundle, connectClient, startHost, type HostProcess } from '../api/host-process';

type Client = Awaited<ReturnType<typeof connectClient>>;

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

describe('deploy engine on the libvirt test driver', () => {
  let environment: LibvirtTestEnvironment;
  let hypervisor: Hypervisor;
  let work: string;
  let dataDirectory: string;
  let host: HostProcess;
  let client: Client;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vlm-deploy-engine-'));
    const bundle = await buildHostBundle(work);
    environment = await startLibvirtTestEnvironment();
    hypervisor = await connectLibvirt({ driver: 'test', busAddress: environment.busAddress, pollIntervalMs: 60_000 });
    dataDirectory = join(work, 'data');
    host = await startHost({ bundle, socketPath: join(work, 'vlm-host.sock'), dataDirectory, busAddress: environment.busAddress });
    client = await connectClient(host.socketPath);
  });

  after(async () => {
    client?.close();
    await host?.stop();
    await hypervisor?.close();
    await environment?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const labDomains = async (prefix: string) =>
    (await hypervisor.listDomains())
      .filter((domain) => domain.name.startsWith(prefix))
      .map((domain) => `${domain.name} ${domain.uuid} ${domain.state}`)
      .sort();

  test('a second apply of an unchanged lab changes nothing', async () => {
    await client.sendRequest(LabsApplyRequest.type, { lab: engineLab() });
    const first = await client.sendRequest(LabsGetRequest.type, { name: 'eng-lab' });
    assert.equal(first.status, 'running');
    const domainsBefore = await labDomains('eng-lab-');
    const stateBefore = await readFile(join(dataDirectory, 'state.json'), 'utf8');

    const again = await client.sendRequest(LabsApplyRequest.type, { lab: engineLab() });
    assert.deepEqual(again.steps, []);
    assert.equal(again.unchanged > 0, true);
    // Same domains (same UUIDs, still running), and the state file was not even rewritten.
    assert.deepEqual(await labDomains('eng-lab-'), domainsBefore);
    assert.equal(await readFile(join(dataDirectory, 'state.json'), 'utf8'), stateBefore);
  });

  test('destroy removes exactly what was recorded, even after the lab file changed', async () => {
    // Someone else's domain with a look-alike name, not made by VLM.
    await hypervisor.defineDomain(buildDomainXml({ name: 'eng-lab-bystander', type: 'qemu', vcpu: 1, memoryMiB: 64 }));
    // The lab file changes: a VM renamed, one added, the network gone. Planned, never applied.
    const edited = engineLab();
    edited.networks = [];
    edited.vms = [
      { name: 'database', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' },
      { name: 'cache', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' },
    ];
    const plan = await client.sendRequest(LabsPlanRequest.type, { lab: edited });
    assert.ok(plan.steps.some((step) => step.action === 'delete' && step.resource === 'eng-lab-db'));

    const recorded = await client.sendRequest(LabsGetRequest.type, { name: 'eng-lab' });
    const result = await client.sendRequest(LabsDestroyRequest.type, { name: 'eng-lab' });
    assert.deepEqual(
      result.steps.filter((step) => step.kind === 'domain').map((step) => step.resource).sort(),
      recorded.resources.domains.map((domain) => domain.name).sort(),
    );
    assert.deepEqual(await labDomains('eng-lab-'), [`eng-lab-bystander ${(await hypervisor.getDomain('eng-lab-bystander'))?.uuid} shut-off`]);
    assert.equal((await hypervisor.listNetworks()).some((network) => network.name === 'eng-lab-lan'), false);
    assert.deepEqual((await poolVolumes(hypervisor, dataDirectory)).filter((volume) => volume.name.startsWith('eng-lab-')), []);
    // It was the data directory's last lab: its storage pool went with it.
    assert.equal(await poolIsDefined(hypervisor, dataDirectory), false);
    await hypervisor.undefine('eng-lab-bystander');
  });

  test('sweep lists, then removes, only leftovers of this host that no recorded lab owns', async () => {
    const kept: Lab = { name: 'kept', vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] };
    await client.sendRequest(LabsApplyRequest.type, { lab: kept });
    const pool = volumePoolFor(dataDirectory);
    assert.equal(await poolIsDefined(hypervisor, dataDirectory), true, 'an apply defines the pool again');
    const poolDirectory = join(dataDirectory, 'pool');
    // Leftovers as a lost state file would leave them: a VM with VLM metadata and its disk in this
    // host's pool, its lab's network, a stray volume.
    await hypervisor.createVolume(pool, buildVolumeXml({ name: 'ghost-x.qcow2', capacityBytes: 1024 ** 3 }));
    await hypervisor.defineDomain(
      buildDomainXml({ name: 'ghost-x', type: 'qemu', vcpu: 1, memoryMiB: 64, disk: { path: join(poolDirectory, 'ghost-x.qcow2') }, vlm: { lab: 'ghost', vm: 'x' } }),
    );
    await hypervisor.defineNetwork(buildNetworkXml({ name: 'ghost-lan', cidr: '10.62.9.0/24' }));
    // Not this host's: another vlm-host's VM (disk elsewhere), and a network of no known lab.
    await hypervisor.defineDomain(
      buildDomainXml({ name: 'elsewhere-y', type: 'qemu', vcpu: 1, memoryMiB: 64, disk: { path: '/var/lib/other-host/pool/y.qcow2' }, vlm: { lab: 'elsewhere', vm: 'y' } }),
    );
    await hypervisor.defineNetwork(buildNetworkXml({ name: 'unrelated-net' }));

    const listed = await client.sendRequest(LabsSweepRequest.type, {});
    assert.equal(listed.removed, false);
    assert.deepEqual(
      listed.leftovers.map((item) => `${item.kind} ${item.name}`).sort(),
      ['domain ghost-x', 'network ghost-lan', `volume ${pool}/ghost-x.qcow2`],
    );
    assert.match(listed.leftovers.find((item) => item.kind === 'domain')?.reason ?? '', /VLM metadata \(lab ghost, VM x\)/);
    assert.ok(await hypervisor.getDomain('ghost-x'), 'a dry run removes nothing');

    const swept = await client.sendRequest(LabsSweepRequest.type, { remove: true });
    assert.equal(swept.removed, true);
    assert.equal(swept.leftovers.length, 3);
    assert.equal(await hypervisor.getDomain('ghost-x'), undefined);
    const networks = (await hypervisor.listNetworks()).map((network) => network.name);
    assert.equal(networks.includes('ghost-lan'), false);
    assert.equal((await hypervisor.listVolumes(pool)).some((volume) => volume.name === 'ghost-x.qcow2'), false);
    // Untouched: the recorded lab, the other host's VM, the unrelated network.
    assert.equal((await hypervisor.getDomain('kept-a'))?.state, 'running');
    assert.ok(await hypervisor.getDomain('elsewhere-y'));
    assert.ok(networks.includes('unrelated-net'));
    assert.deepEqual((await client.sendRequest(LabsSweepRequest.type, {})).leftovers, []);

    await client.sendRequest(LabsDestroyRequest.type, { name: 'kept' });
    await hypervisor.undefine('elsewhere-y');
    await hypervisor.undefineNetwork('unrelated-net');
  });

  test('one failing VM stops the apply: the lab is failed, the VM is named, what was made is recorded and destroyable', async () => {
    const pool = await startPoolOf(hypervisor, dataDirectory);
    // The disk name VM "b" needs is taken, so creating it fails.
    await hypervisor.createVolume(pool, buildVolumeXml({ name: 'fail-lab-b.qcow2', capacityBytes: 1024 ** 3 }));
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
    assert.match(details.deployLog.at(-1)?.text ?? '', /^Apply failed at VM "b": /);
    const made = details.resources.domains.map((domain) => domain.vm);
    assert.equal(made.includes('b'), false);
    assert.equal(made.includes('c'), false, 'c depends on b and never started');
    assert.deepEqual(await labDomains('fail-lab-'), (await labDomains('fail-lab-')).filter((line) => made.some((vm) => line.startsWith(`fail-lab-${vm} `))));
    await client.sendRequest(LabsDestroyRequest.type, { name: 'fail-lab' });
    assert.deepEqual(await labDomains('fail-lab-'), []);
    // Destroy removed only what the lab recorded: the volume it did not make is still there, and
    // so is the pool that holds it.
    assert.ok((await hypervisor.listVolumes(pool)).some((volume) => volume.name === 'fail-lab-b.qcow2'));
    await hypervisor.deleteVolume(pool, 'fail-lab-b.qcow2');
  });
});
