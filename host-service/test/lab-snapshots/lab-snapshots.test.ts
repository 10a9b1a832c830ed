// Lab-wide snapshots through the real vlm-host on libvirt's test driver: every VM paused, then
// snapshotted, then resumed; reverted in dependency order; listed and deleted as one; a failure
// part-way (a VM whose snapshot libvirt refuses) rolled back; bad names and clashes refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EventNotification,
  EventsSubscribeRequest,
  HostErrorCode,
  type HostEvent,
  LabsApplyRequest,
  LabSnapshotsCreateRequest,
  LabSnapshotsDeleteRequest,
  LabSnapshotsListRequest,
  LabSnapshotsRevertRequest,
  SnapshotsCreateRequest,
  SnapshotsListRequest,
  VmsListRequest,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from '../api/host-process';

const lab = 'snap-lab';
const db = `${lab}.db`;
const web = `${lab}.web`;

function snapLab(): Lab {
  return {
    name: lab,
    networks: [{ name: 'lan', cidr: '10.20.7.0/24' }],
    vms: [
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], depends_on: ['db'] },
      { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] },
    ],
  };
}

let fixture: HostFixture;
const events: HostEvent[] = [];

/** A lab recorded with no VMs (its first apply failed before it made any). */
function emptyLabState(): string {
  const time = '2026-11-29T15:00:00.000Z';
  const record = {
    name: 'empty-lab',
    status: 'failed',
    definition: { name: 'empty-lab', vms: [{ name: 'solo', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
    createdAt: time,
    updatedAt: time,
    resources: { domains: [], volumes: [], networks: [], ports: [], seeds: [] },
    deployLog: [],
  };
  return JSON.stringify({
    schema_version: 2,
    event_sequence: 0,
    labs: { 'empty-lab': record },
    allocated_ports: [],
    running_intervals: [],
  });
}

before(async () => {
  fixture = await startHostFixture({
    name: 'lab-snapshots',
    prepare: ({ dataDirectory }) =>
      mkdir(dataDirectory, { recursive: true }).then(() => writeFile(join(dataDirectory, 'state.json'), emptyLabState())),
  });
  fixture.client.onNotification(EventNotification.type, (event) => events.push(event));
  await fixture.client.sendRequest(EventsSubscribeRequest.type, {});
  await fixture.client.sendRequest(LabsApplyRequest.type, { lab: snapLab() });
});

after(async () => {
  await fixture?.dispose();
});

async function states(): Promise<string[]> {
  const { vms } = await fixture.client.sendRequest(VmsListRequest.type, { lab });
  return vms.map((vm) => `${vm.name} ${vm.state}`).sort();
}

/** The vm-state events of the lab's VMs from `from` on, as "domain state". */
function stateEvents(from: number): string[] {
  return events
    .slice(from)
    .flatMap((event) =>
      event.type === 'vm-state' && event.lab === lab && event.detail !== 'changed' ? [`${event.vm} ${event.state}`] : [],
    );
}

describe('lab snapshots on the libvirt test driver', () => {
  test('snapshot: every running VM is paused, then each is snapshotted, then all resume; listed as one lab snapshot', async () => {
    const from = events.length;
    const result = await fixture.client.sendRequest(LabSnapshotsCreateRequest.type, {
      lab,
      name: 'first',
      description: 'before the upgrade',
    });
    assert.deepEqual(
      result.vms.map((vm) => `${vm.vm} ${vm.outcome} ${vm.state}`),
      ['db snapshot-taken running', 'web snapshot-taken running'],
    );
    assert.deepEqual(
      result.snapshot.members.map((member) => [member.vm, member.domain, member.wasRunning]),
      [
        ['db', db, true],
        ['web', web, true],
      ],
    );
    assert.deepEqual(result.snapshot.missing, []);
    assert.equal(result.snapshot.description, 'before the upgrade');
    await waitUntil('both VMs paused and resumed', () => stateEvents(from).length >= 4);
    assert.deepEqual(
      stateEvents(from),
      [`${db} paused`, `${web} paused`, `${db} running`, `${web} running`],
      'all paused before any resumes',
    );

    // Each part was taken while its VM stood still, and carries the lab's mark.
    const parts = await fixture.client.sendRequest(SnapshotsListRequest.type, { vm: web });
    assert.equal(parts.snapshots[0]?.domainState, 'paused');
    assert.equal(parts.snapshots[0]?.description, `vlm-lab-snapshot lab=${lab} was=running\nbefore the upgrade`);

    const listed = await fixture.client.sendRequest(LabSnapshotsListRequest.type, { lab });
    assert.deepEqual(
      listed.snapshots.map((snapshot) => [snapshot.name, snapshot.members.length, snapshot.missing]),
      [['first', 2, []]],
    );
  });

  test('bad names, clashes and unknown labs are refused before anything is done', async () => {
    const send = (params: { lab: string; name: string }) => fixture.client.sendRequest(LabSnapshotsCreateRequest.type, params);
    for (const name of ['../etc', "a'b", '<x/>', '', 'x'.repeat(64), '-dash']) {
      await rejectsWithHostError(send({ lab, name }), HostErrorCode.InvalidParams, { field: '/name' });
    }
    await rejectsWithHostError(send({ lab: 'Bad_Lab', name: 'ok' }), HostErrorCode.InvalidParams, { field: '/lab' });
    await rejectsWithHostError(send({ lab: 'no-such-lab', name: 'ok' }), HostErrorCode.NotFound, {
      field: '/lab',
      message: /There is no lab named "no-such-lab"/,
    });
    await rejectsWithHostError(send({ lab: 'empty-lab', name: 'ok' }), HostErrorCode.InvalidState, {
      field: '/lab',
      message: /Lab "empty-lab" has no VMs: a lab snapshot needs at least one\./,
    });
    await rejectsWithHostError(send({ lab, name: 'first' }), HostErrorCode.AlreadyExists, {
      field: '/name',
      message: /VMs "db", "web" already have a snapshot named "first"/,
    });
    // A VM's own snapshot is no lab snapshot, but its name clashes on that VM.
    await fixture.client.sendRequest(SnapshotsCreateRequest.type, { vm: db, name: 'mine' });
    await rejectsWithHostError(send({ lab, name: 'mine' }), HostErrorCode.AlreadyExists, {
      message: /VM "db" already has a snapshot named "mine"/,
    });
    const listed = await fixture.client.sendRequest(LabSnapshotsListRequest.type, { lab });
    assert.deepEqual(
      listed.snapshots.map((snapshot) => snapshot.name),
      ['first'],
    );
    await rejectsWithHostError(fixture.client.sendRequest(LabSnapshotsRevertRequest.type, { lab, name: 'mine' }), HostErrorCode.NotFound, {
      field: '/name',
      message: /no lab snapshot named "mine"/,
    });
    assert.deepEqual(await states(), [`${db} running`, `${web} running`]);
  });

  test('revert: each VM goes back, in dependency order, and the ones that ran resume', async () => {
    await fixture.hypervisor.destroy(web);
    assert.deepEqual(await states(), [`${db} running`, `${web} shut-off`]);
    const from = events.length;
    const result = await fixture.client.sendRequest(LabSnapshotsRevertRequest.type, { lab, name: 'first' });
    assert.deepEqual(
      result.vms.map((vm) => `${vm.vm} ${vm.outcome} ${vm.state}`),
      ['db reverted running', 'web reverted running'],
    );
    assert.deepEqual(await states(), [`${db} running`, `${web} running`]);
    await waitUntil('both VMs resumed', () => stateEvents(from).filter((item) => item.endsWith('running')).length >= 2);
    const resumed = stateEvents(from).filter((item) => item.endsWith('running'));
    assert.deepEqual(resumed.slice(-2), [`${db} running`, `${web} running`], 'db (which web depends on) first');
  });
});

describe('lab snapshots: a failure part-way, and delete', () => {
  test('a VM whose snapshot libvirt refuses: the parts taken are deleted, the paused VMs resumed, and the error says where each VM is', async () => {
    // An external snapshot needs a disk file libvirt can name one after; the test driver's volumes
    // are no regular files, so libvirt refuses web's part, after db's was taken.
    const xml = await fixture.hypervisor.getDomainXml(web);
    const external = xml.replace(/<disk type='(\w+)' device='disk'>/, "<disk type='$1' device='disk' snapshot='external'>");
    assert.notEqual(external, xml, 'the domain has a disk to mark');
    await fixture.hypervisor.destroy(web);
    await fixture.hypervisor.defineDomain(external);
    await fixture.hypervisor.start(web);

    const error = await rejectsWithHostError(
      fixture.client.sendRequest(LabSnapshotsCreateRequest.type, { lab, name: 'second' }),
      HostErrorCode.HypervisorError,
      { field: '/name', message: /snapshot "second" failed at VM "web" \(snap-lab\.web\): .*Rolled back: .*every VM is as it was\./ },
    );
    assert.deepEqual(
      error.data?.vms?.map((vm) => `${vm.vm} ${vm.outcome} ${vm.state}`),
      ['db as-before running', 'web as-before running'],
    );
    assert.match(error.data?.vms?.[1]?.error ?? '', /external snapshot/);
    for (const vm of [db, web]) {
      const { snapshots } = await fixture.client.sendRequest(SnapshotsListRequest.type, { vm });
      assert.ok(!snapshots.some((snapshot) => snapshot.name === 'second'), `${vm} has no part of "second" left`);
    }
    assert.deepEqual(await states(), [`${db} running`, `${web} running`]);
  });

  test('delete removes every part; a second delete finds nothing', async () => {
    const result = await fixture.client.sendRequest(LabSnapshotsDeleteRequest.type, { lab, name: 'first' });
    assert.deepEqual(
      result.vms.map((vm) => `${vm.vm} ${vm.outcome}`),
      ['db deleted', 'web deleted'],
    );
    assert.deepEqual((await fixture.client.sendRequest(LabSnapshotsListRequest.type, { lab })).snapshots, []);
    const own = await fixture.client.sendRequest(SnapshotsListRequest.type, { vm: db });
    assert.deepEqual(
      own.snapshots.map((snapshot) => snapshot.name),
      ['mine'],
      "the VM's own snapshot stays",
    );
    await rejectsWithHostError(fixture.client.sendRequest(LabSnapshotsDeleteRequest.type, { lab, name: 'first' }), HostErrorCode.NotFound, {
      field: '/name',
    });
  });
});
