// Applying and destroying labs through the real vlm-host on libvirt's test driver: what is made
// is recorded durably, reported as events, survives a restart, and is removed again by destroy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import {
  EventNotification,
  EventsSubscribeRequest,
  HostErrorCode,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsExportRequest,
  LabsGetRequest,
  LabsListRequest,
  LabsPlanRequest,
  VmsListRequest,
  type HostEvent,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { waitUntil } from '../../local-libvirt/wait-until';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';

function webLab(): Lab {
  return {
    name: 'web-lab',
    networks: [{ name: 'lan', cidr: '10.20.1.0/24' }],
    vms: [
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], depends_on: ['db'] },
      { name: 'db', vcpu: 2, ram_mb: 256, disk_gb: 2, os_image: 'vlm-tiny', networks: [{ name: 'lan', ip: '10.20.1.10' }] },
    ],
  };
}

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'host-labs' });
});

after(async () => {
  await fixture?.dispose();
});

describe('labs on the libvirt test driver: apply', () => {
  test('apply makes the networks, disks and VMs, starts them in dependency order, and reports it', async () => {
    const events: HostEvent[] = [];
    fixture.client.onNotification(EventNotification.type, (event) => events.push(event));
    await fixture.client.sendRequest(EventsSubscribeRequest.type, {});

    const plan = await fixture.client.sendRequest(LabsApplyRequest.type, { lab: webLab() });
    assert.equal(plan.newLab, true);
    assert.equal(plan.steps.filter((step) => step.kind === 'domain').length, 2);

    const { vms } = await fixture.client.sendRequest(VmsListRequest.type, { lab: 'web-lab' });
    assert.deepEqual(vms.map((vm) => [vm.name, vm.state, vm.labVm, vm.vcpu]).sort(), [
      ['web-lab.db', 'running', 'db', 2],
      ['web-lab.web', 'running', 'web', 1],
    ]);
    const details = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' });
    assert.equal(details.status, 'running');
    assert.deepEqual(
      details.resources.networks.map(({ name, network }) => ({ name, network })),
      [{ name: 'web-lab.lan', network: 'lan' }],
    );
    assert.match(
      details.resources.networks[0]?.uuid ?? '',
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      'the UUID it was made with',
    );
    const pool = volumePoolFor(fixture.dataDirectory);
    assert.deepEqual(details.resources.volumes.map((volume) => `${volume.pool}/${volume.name}`).sort(), [
      `${pool}/web-lab.db.qcow2`,
      `${pool}/web-lab.web.qcow2`,
    ]);
    // The lowest free ports of each range (ports other programs listen on are skipped).
    assert.deepEqual(
      details.resources.ports.map((port) => `${port.vm} ${port.kind}`),
      ['web ssh', 'web vnc', 'db ssh', 'db vnc'],
    );
    for (const port of details.resources.ports) {
      assert.ok(
        port.kind === 'ssh' ? port.port >= 22000 && port.port <= 22999 : port.port >= 5900 && port.port <= 5999,
        `${port.kind} ${port.port}`,
      );
    }
    assert.equal(new Set(details.resources.ports.map((port) => `${port.kind}:${port.port}`)).size, 4);
    const started = details.deployLog.filter((line) => line.text.startsWith('Started')).map((line) => line.vm);
    assert.deepEqual(started, ['db', 'web'], 'db boots before web, which depends on it');

    await waitUntil('the running status event', () => events.some((event) => event.type === 'lab-status' && event.status === 'running'));
    const statuses = events
      .filter((event) => event.type === 'lab-status')
      .map((event) => (event.type === 'lab-status' ? event.status : ''));
    assert.deepEqual(statuses, ['deploying', 'running']);
    const logged = events.filter((event) => event.type === 'deploy-log').length;
    assert.equal(logged, details.deployLog.length, 'every deploy log line was also an event');
    const sequences = events.map((event) => event.sequence);
    for (const [index, sequence] of sequences.entries()) if (index > 0) assert.equal(sequence, (sequences[index - 1] as number) + 1);
  });
});

describe('labs on the libvirt test driver: apply again', () => {
  test('applying the same lab again changes nothing; a changed VM is planned and applied as a replacement', async () => {
    const again = await fixture.client.sendRequest(LabsApplyRequest.type, { lab: webLab() });
    assert.deepEqual(again.steps, []);
    assert.equal(again.newLab, false);

    const before = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' });
    const bigger = webLab();
    (bigger.vms[1] as { ram_mb: number }).ram_mb = 512;
    const plan = await fixture.client.sendRequest(LabsPlanRequest.type, { lab: bigger });
    assert.deepEqual(plan.steps, [
      {
        action: 'change',
        kind: 'domain',
        resource: 'web-lab.db',
        labItem: 'db',
        changes: ['replace: destroyed and made again, with a new disk', 'ram_mb 256 → 512'],
      },
    ]);
    const applied = await fixture.client.sendRequest(LabsApplyRequest.type, { lab: bigger });
    assert.deepEqual(applied.steps, plan.steps);
    assert.equal((await fixture.client.sendRequest(LabsExportRequest.type, { name: 'web-lab' })).lab.vms[1]?.ram_mb, 512);
    const after = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' });
    assert.equal(after.status, 'running');
    const uuid = (details: typeof before, vm: string) => details.resources.domains.find((domain) => domain.vm === vm)?.uuid;
    assert.notEqual(uuid(after, 'db'), uuid(before, 'db'), 'db was made again');
    assert.equal(uuid(after, 'web'), uuid(before, 'web'), 'web was left alone');
    // Unchanged ports stay with their VMs.
    assert.deepEqual(after.resources.ports, before.resources.ports);
    assert.deepEqual((await fixture.client.sendRequest(LabsApplyRequest.type, { lab: bigger })).steps, []);
  });
});

describe('labs on the libvirt test driver: ports, restart and destroy', () => {
  test('a port another lab holds is refused, naming the holder', async () => {
    const held = (await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' })).resources.ports.find(
      (port) => port.vm === 'db' && port.kind === 'ssh',
    );
    assert.ok(held);
    const other: Lab = { name: 'other', vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', ssh_port: held.port }] };
    await rejectsWithHostError(fixture.client.sendRequest(LabsApplyRequest.type, { lab: other }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/0/ssh_port',
      message: new RegExp(`ssh port ${held.port} is already used by web-lab/db`),
    });
    assert.deepEqual(
      (await fixture.client.sendRequest(LabsListRequest.type, {})).labs.map((lab) => lab.name),
      ['web-lab'],
    );
  });

  test('the recorded lab survives a restart', async () => {
    const before = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' });
    fixture.client.close();
    assert.equal(await fixture.host.stop(), 0);
    await fixture.restart();
    const after = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' });
    assert.deepEqual(after.resources, before.resources);
    assert.equal(after.status, 'running');
  });

  test('destroy removes every recorded resource and frees the ports', async () => {
    const ports = (await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' })).resources.ports;
    const result = await fixture.client.sendRequest(LabsDestroyRequest.type, { name: 'web-lab' });
    assert.deepEqual(
      result.steps.map((step) => `${step.kind}:${step.resource}`).sort(),
      [
        'domain:web-lab.db',
        'domain:web-lab.web',
        'network:web-lab.lan',
        ...ports.map((port) => `port:${port.kind}:${port.port}`),
        `volume:${volumePoolFor(fixture.dataDirectory)}/web-lab.db.qcow2`,
        `volume:${volumePoolFor(fixture.dataDirectory)}/web-lab.web.qcow2`,
      ].sort(),
    );
    assert.deepEqual((await fixture.client.sendRequest(VmsListRequest.type, { lab: 'web-lab' })).vms, []);
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
    const state = JSON.parse(await readFile(join(fixture.dataDirectory, 'state.json'), 'utf8'));
    assert.deepEqual(state.allocated_ports, []);
    await rejectsWithHostError(fixture.client.sendRequest(LabsDestroyRequest.type, { name: 'web-lab' }), HostErrorCode.NotFound);
    // The names are free again: the same lab applies cleanly, with the same ports.
    await fixture.client.sendRequest(LabsApplyRequest.type, { lab: webLab() });
    const again = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' });
    assert.deepEqual(again.resources.ports, ports);
  });
});

describe('labs on the libvirt test driver: cancelled and interrupted deploys', () => {
  test('cancelling an apply stops it between steps; what was made is recorded and destroy removes it', async () => {
    const big: Lab = {
      name: 'big-lab',
      vms: Array.from({ length: 40 }, (_, index) => ({ name: `vm-${index}`, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' })),
    };
    const watcher = await fixture.connect();
    try {
      const source = new CancellationTokenSource();
      // Cancel the moment the first VM is defined: the apply is then under way, far from done.
      watcher.onNotification(EventNotification.type, (event) => {
        if (event.type === 'deploy-log' && event.lab === 'big-lab' && event.line.text.startsWith('Defined')) source.cancel();
      });
      await watcher.sendRequest(EventsSubscribeRequest.type, {});
      await rejectsWithHostError(
        fixture.client.sendRequest(LabsApplyRequest.type, { lab: big }, source.token),
        HostErrorCode.RequestCancelled,
        {
          message: /The apply of "big-lab" was cancelled; what was made so far is recorded/,
        },
      );
      const details = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'big-lab' });
      assert.equal(details.status, 'failed');
      assert.match(details.deployLog.at(-1)?.text ?? '', /^Apply cancelled by the client/);
      const made = details.resources.domains.length;
      assert.ok(made >= 1 && made < 40, `${made} of 40 domains were made`);
      assert.equal((await fixture.client.sendRequest(VmsListRequest.type, { lab: 'big-lab' })).vms.length, made);
      await fixture.client.sendRequest(LabsDestroyRequest.type, { name: 'big-lab' });
      assert.deepEqual((await fixture.client.sendRequest(VmsListRequest.type, { lab: 'big-lab' })).vms, []);
    } finally {
      watcher.close();
    }
  });

  test('a cancel that arrives before the VM steps start (no network to check it at) cancels the apply, not passes for done', async () => {
    const lab: Lab = {
      name: 'late-cancel',
      vms: Array.from({ length: 3 }, (_, index) => ({ name: `vm-${index}`, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' })),
    };
    // libvirt-dbus held still: the apply waits on its first libvirt call, long before any VM step.
    const libvirtDbus = fixture.libvirt.libvirtDbus.process.child;
    const source = new CancellationTokenSource();
    libvirtDbus.kill('SIGSTOP');
    const applied = fixture.client.sendRequest(LabsApplyRequest.type, { lab }, source.token);
    applied.catch(() => undefined);
    try {
      // The host answers requests in order: once a later one is answered, the apply is under way...
      await fixture.client.sendRequest(LabsListRequest.type, {});
      source.cancel();
      // ...and once another is answered, the cancel has reached the apply's token.
      await fixture.client.sendRequest(LabsListRequest.type, {});
    } finally {
      libvirtDbus.kill('SIGCONT');
    }
    await rejectsWithHostError(applied, HostErrorCode.RequestCancelled, {
      message: /The apply of "late-cancel" was cancelled; what was made so far is recorded/,
    });
    const details = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'late-cancel' });
    assert.equal(details.status, 'failed');
    assert.equal(details.deployLog.at(-1)?.text, 'Apply cancelled by the client: 3 step(s) had not started: vm-0, vm-1, vm-2');
    assert.deepEqual(details.resources.domains, []);
    await fixture.client.sendRequest(LabsDestroyRequest.type, { name: 'late-cancel' });
  });

  test('a deploy interrupted by a restart is marked failed, and destroy still cleans it up', async () => {
    fixture.client.close();
    assert.equal(await fixture.host.stop(), 0);
    const path = join(fixture.dataDirectory, 'state.json');
    const state = JSON.parse(await readFile(path, 'utf8'));
    state.labs['web-lab'].status = 'deploying';
    await writeFile(path, JSON.stringify(state));
    await fixture.restart();
    assert.match(fixture.host.stderr, /The deploy of lab web-lab was interrupted/);
    const details = await fixture.client.sendRequest(LabsGetRequest.type, { name: 'web-lab' });
    assert.equal(details.status, 'failed');
    assert.match(details.deployLog.at(-1)?.text ?? '', /interrupted/);
    await fixture.client.sendRequest(LabsDestroyRequest.type, { name: 'web-lab' });
    assert.deepEqual((await fixture.client.sendRequest(VmsListRequest.type, { lab: 'web-lab' })).vms, []);
  });
});
