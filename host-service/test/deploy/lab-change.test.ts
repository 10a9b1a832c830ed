// Applying a changed lab in place, through the real vlm-host on libvirt's test driver: added VMs
// and networks are made, removed ones destroyed with what was recorded for them, a changed VM is
// replaced, and unchanged VMs keep their domains. Checked through libvirt's own listing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EventNotification,
  EventsSubscribeRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsExportRequest,
  LabsGetRequest,
  LabsPlanRequest,
  HostErrorCode,
  type HostEvent,
  type LabDetails,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { DomainSummary } from '../../src/libvirt/hypervisor';
import { buildVolumeXml } from '../../src/libvirt/volume-xml';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { poolVolumes } from '../support/volume-pools';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';

function firstLab(): Lab {
  return {
    name: 'chg-lab',
    networks: [{ name: 'lan', cidr: '10.64.1.0/24' }],
    vms: [
      { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] },
      { name: 'app', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], depends_on: ['db'] },
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], depends_on: ['app'] },
    ],
  };
}

/** web removed, app given more memory, cache added on a new network. */
function changedLab(): Lab {
  return {
    name: 'chg-lab',
    networks: [
      { name: 'lan', cidr: '10.64.1.0/24' },
      { name: 'back', cidr: '10.64.2.0/24' },
    ],
    vms: [
      { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] },
      { name: 'app', vcpu: 1, ram_mb: 256, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], depends_on: ['db'] },
      { name: 'cache', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['back'], depends_on: ['db'] },
    ],
  };
}

let fixture: HostFixture;
const events: HostEvent[] = [];

before(async () => {
  fixture = await startHostFixture({ name: 'lab-change' });
  fixture.client.onNotification(EventNotification.type, (event) => events.push(event));
  await fixture.client.sendRequest(EventsSubscribeRequest.type, {});
});

after(async () => {
  await fixture?.dispose();
});

/** libvirt's view: the lab's domains by name. */
const libvirtDomains = async () =>
  new Map(
    (await fixture.hypervisor.listDomains()).filter((domain) => domain.name.startsWith('chg-lab.')).map((domain) => [domain.name, domain]),
  );
const libvirtNetworks = async () =>
  (await fixture.hypervisor.listNetworks())
    .map((network) => network.name)
    .filter((name) => name.startsWith('chg-lab.'))
    .sort();
const allocatedPorts = async () =>
  (
    JSON.parse(await readFile(join(fixture.dataDirectory, 'state.json'), 'utf8')) as {
      allocated_ports: { kind: string; port: number; lab: string; vm: string }[];
    }
  ).allocated_ports;

/** libvirt's view after the change; returns the lab's domains by name. */
async function assertLibvirtAfterChange(domainsBefore: Map<string, DomainSummary>, pool: string): Promise<Map<string, DomainSummary>> {
  const { hypervisor } = fixture;
  // libvirt's own view: db untouched (same UUID), app made again with its new memory, web gone, cache there.
  const domainsAfter = await libvirtDomains();
  assert.deepEqual([...domainsAfter.keys()].sort(), ['chg-lab.app', 'chg-lab.cache', 'chg-lab.db']);
  assert.equal(domainsAfter.get('chg-lab.db')?.uuid, domainsBefore.get('chg-lab.db')?.uuid);
  assert.notEqual(domainsAfter.get('chg-lab.app')?.uuid, domainsBefore.get('chg-lab.app')?.uuid);
  assert.equal(domainsAfter.get('chg-lab.app')?.memoryBytes, 256 * 1024 ** 2);
  assert.equal(domainsAfter.get('chg-lab.db')?.memoryBytes, 128 * 1024 ** 2);
  for (const domain of domainsAfter.values()) assert.equal(domain.state, 'running', domain.name);
  assert.match(await hypervisor.getDomainXml('chg-lab.cache'), /network=['"]chg-lab.back['"]/);
  assert.deepEqual(await libvirtNetworks(), ['chg-lab.back', 'chg-lab.lan']);
  assert.deepEqual(
    (await hypervisor.listVolumes(pool))
      .map((volume) => volume.name)
      .filter((name) => name.startsWith('chg-lab.'))
      .sort(),
    ['chg-lab.app.qcow2', 'chg-lab.cache.qcow2', 'chg-lab.db.qcow2'],
  );
  return domainsAfter;
}

/** The allocated ports after the change: web's freed (or the new VM's), none twice, two per VM. */
async function assertPortsAfterChange(webPorts: LabDetails['resources']['ports']): Promise<void> {
  const allocated = await allocatedPorts();
  // Freed ports are the lowest free ones again, so the new VM may well get them.
  for (const port of webPorts) {
    const holders = allocated.filter((item) => item.kind === port.kind && item.port === port.port).map((item) => item.vm);
    assert.ok(
      holders.length === 0 || (holders.length === 1 && holders[0] === 'cache'),
      `${port.kind} ${port.port} is freed, not held by ${holders.join(', ')}`,
    );
  }
  assert.equal(new Set(allocated.map((item) => `${item.kind}:${item.port}`)).size, allocated.length);
  assert.deepEqual(
    allocated
      .filter((item) => item.lab === 'chg-lab')
      .map((item) => `${item.vm} ${item.kind}`)
      .sort(),
    ['app ssh', 'app vnc', 'cache ssh', 'cache vnc', 'db ssh', 'db vnc'],
  );
}

describe('applying a changed lab in place', () => {
  test('add, remove and change VMs and a network: the plan names exactly those steps, apply carries them out', async () => {
    const { client, dataDirectory } = fixture;
    await client.sendRequest(LabsApplyRequest.type, { lab: firstLab() });
    const first = await client.sendRequest(LabsGetRequest.type, { name: 'chg-lab' });
    assert.equal(first.status, 'running');
    const domainsBefore = await libvirtDomains();
    assert.deepEqual([...domainsBefore.keys()].sort(), ['chg-lab.app', 'chg-lab.db', 'chg-lab.web']);
    const webPorts = first.resources.ports.filter((port) => port.vm === 'web');
    assert.equal(webPorts.length, 2);
    const pool = volumePoolFor(dataDirectory);

    const plan = await client.sendRequest(LabsPlanRequest.type, { lab: changedLab() });
    assert.deepEqual(
      plan.steps.map((step) => `${step.action} ${step.kind} ${step.resource} ${step.changes.join('; ')}`.trim()).sort(),
      [
        'change domain chg-lab.app replace: destroyed and made again, with a new disk; ram_mb 128 → 256',
        'create domain chg-lab.cache',
        'create network chg-lab.back',
        'create port ssh:allocated',
        'create port vnc:allocated',
        `create volume ${pool}/chg-lab.cache.qcow2`,
        'delete domain chg-lab.web',
        ...webPorts.map((port) => `delete port ${port.kind}:${port.port}`),
        `delete volume ${pool}/chg-lab.web.qcow2`,
      ].sort(),
    );

    const seen = events.length;
    const applied = await client.sendRequest(LabsApplyRequest.type, { lab: changedLab() });
    assert.deepEqual(applied.steps, plan.steps);

    const domainsAfter = await assertLibvirtAfterChange(domainsBefore, pool);

    // The record matches: the new definition, web's ports freed, everything else kept.
    const details = await client.sendRequest(LabsGetRequest.type, { name: 'chg-lab' });
    assert.equal(details.status, 'running');
    assert.deepEqual((await client.sendRequest(LabsExportRequest.type, { name: 'chg-lab' })).lab, changedLab());
    assert.deepEqual(
      details.resources.domains.map((domain) => `${domain.vm} ${domain.uuid}`).sort(),
      [...domainsAfter.values()].map((domain) => `${domain.vlm?.vm} ${domain.uuid}`).sort(),
    );
    assert.deepEqual(
      details.resources.ports.filter((port) => port.vm === 'db'),
      first.resources.ports.filter((port) => port.vm === 'db'),
    );
    assert.equal(
      details.resources.ports.some((port) => port.vm === 'web'),
      false,
    );
    await assertPortsAfterChange(webPorts);

    // Reported like any apply: deploying, then running, with the replacement and removal logged.
    await waitUntil('the running status event', () =>
      events.slice(seen).some((event) => event.type === 'lab-status' && event.status === 'running'),
    );
    assert.deepEqual(
      events.slice(seen).flatMap((event) => (event.type === 'lab-status' ? [event.status] : [])),
      ['deploying', 'running'],
    );
    const log = details.deployLog.map((line) => line.text);
    assert.ok(log.includes('Replacing chg-lab.app: ram_mb 128 → 256.'), log.join('\n'));
    assert.ok(log.includes('Removing VM web: it is no longer in the lab file.'), log.join('\n'));
    assert.equal(log.at(-1), 'The lab is running.');
  });
});

describe('a changed lab, applied again and destroyed', () => {
  test('a second apply after the change is a no-op', async () => {
    const { client, dataDirectory } = fixture;
    const domainsBefore = await libvirtDomains();
    const stateBefore = await readFile(join(dataDirectory, 'state.json'), 'utf8');
    const again = await client.sendRequest(LabsApplyRequest.type, { lab: changedLab() });
    assert.deepEqual(again.steps, []);
    assert.equal(again.unchanged > 0, true);
    assert.deepEqual(
      [...(await libvirtDomains()).values()].map((domain) => `${domain.name} ${domain.uuid} ${domain.state}`),
      [...domainsBefore.values()].map((domain) => `${domain.name} ${domain.uuid} ${domain.state}`),
    );
    assert.equal(await readFile(join(dataDirectory, 'state.json'), 'utf8'), stateBefore);
  });

  test('destroy after the change leaves nothing of the lab', async () => {
    const { client, hypervisor, dataDirectory } = fixture;
    await client.sendRequest(LabsDestroyRequest.type, { name: 'chg-lab' });
    assert.deepEqual([...(await libvirtDomains()).keys()], []);
    assert.deepEqual(await libvirtNetworks(), []);
    assert.deepEqual(
      (await poolVolumes(hypervisor, dataDirectory)).filter((volume) => volume.name.startsWith('chg-lab.')),
      [],
    );
    assert.deepEqual(
      (await allocatedPorts()).filter((item) => item.lab === 'chg-lab'),
      [],
    );
  });
});

describe('a change that fails part-way', () => {
  test('a change that fails part-way marks the lab failed with what exists recorded; applying again finishes it, destroy removes it', async () => {
    const { client, hypervisor, dataDirectory } = fixture;
    const lab = (ramA: number, vms: string[]): Lab => ({
      name: 'chg-fail',
      vms: vms.map((name) => ({ name, vcpu: 1, ram_mb: name === 'a' ? ramA : 128, disk_gb: 1, os_image: 'vlm-tiny' })),
    });
    await client.sendRequest(LabsApplyRequest.type, { lab: lab(128, ['a', 'b']) });
    const pool = volumePoolFor(dataDirectory);
    // The disk name the added VM c needs is taken, so making c fails.
    await hypervisor.createVolume(pool, buildVolumeXml({ name: 'chg-fail.c.qcow2', capacityBytes: 1024 ** 3 }));
    const changed = lab(256, ['a', 'c']);
    await assert.rejects(client.sendRequest(LabsApplyRequest.type, { lab: changed }), (error: unknown) => {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.code, HostErrorCode.AlreadyExists);
      assert.match(error.message, /^Apply of "chg-fail" failed at VM "c": /);
      return true;
    });
    const failed = await client.sendRequest(LabsGetRequest.type, { name: 'chg-fail' });
    assert.equal(failed.status, 'failed');
    const domains = async () => (await hypervisor.listDomains()).filter((domain) => domain.name.startsWith('chg-fail.'));
    // b was removed before anything was made; the record names exactly what libvirt has.
    assert.equal(
      (await domains()).some((domain) => domain.name === 'chg-fail.b'),
      false,
    );
    assert.deepEqual(failed.resources.domains.map((domain) => domain.uuid).sort(), (await domains()).map((domain) => domain.uuid).sort());
    assert.equal(
      failed.resources.ports.some((port) => port.vm === 'b'),
      false,
    );

    await hypervisor.deleteVolume(pool, 'chg-fail.c.qcow2');
    await client.sendRequest(LabsApplyRequest.type, { lab: changed });
    assert.equal((await client.sendRequest(LabsGetRequest.type, { name: 'chg-fail' })).status, 'running');
    const finished = new Map((await domains()).map((domain) => [domain.name, domain]));
    assert.deepEqual([...finished.keys()].sort(), ['chg-fail.a', 'chg-fail.c']);
    assert.equal(finished.get('chg-fail.a')?.memoryBytes, 256 * 1024 ** 2);
    assert.deepEqual((await client.sendRequest(LabsPlanRequest.type, { lab: changed })).steps, []);

    await client.sendRequest(LabsDestroyRequest.type, { name: 'chg-fail' });
    assert.deepEqual(await domains(), []);
    assert.deepEqual(
      (await poolVolumes(hypervisor, dataDirectory)).filter((volume) => volume.name.startsWith('chg-fail.')),
      [],
    );
    assert.deepEqual(
      (await allocatedPorts()).filter((item) => item.lab === 'chg-fail'),
      [],
    );
  });
});
