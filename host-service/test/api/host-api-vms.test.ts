// The real vlm-host process against libvirt's test driver on a private bus, driven through its
// Unix socket the way the extension and CLI will drive it: the socket, host info, VM power,
// snapshots and the event stream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EventNotification,
  EventsSubscribeRequest,
  HostErrorCode,
  HostInfoRequest,
  SnapshotsCreateRequest,
  SnapshotsDeleteRequest,
  SnapshotsListRequest,
  SnapshotsRevertRequest,
  VmsForceStopRequest,
  VmsListRequest,
  VmsRebootRequest,
  VmsResumeRequest,
  VmsStartRequest,
  VmsStopRequest,
  type HostEvent,
  type SnapshotParams,
} from '@vlm/schemas/src/host-protocol';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'host-api-vms', socketPath: join('run', 'vlm-host.sock') });
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm-host over its Unix socket (test driver): socket, host info, VMs and events', () => {
  test('the socket is mode 0600 (its owner only) and the data directory is locked by the service pid', async () => {
    const info = await stat(fixture.socketPath);
    assert.ok(info.isSocket());
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal(await readFile(join(fixture.dataDirectory, 'vlm-host.lock'), 'utf8'), `${fixture.host.pid}\n`);
  });

  test('host info names the test driver and the service process', async () => {
    const info = await fixture.client.sendRequest(HostInfoRequest.type, {});
    assert.equal(info.protocolVersion, 1);
    assert.equal(info.driver, 'test');
    assert.equal(info.libvirtConnection, 'test');
    assert.equal(info.virtualization, 'test');
    assert.equal(info.service.pid, fixture.host.pid);
    assert.match(info.libvirtVersion, /^\d+\.\d+\.\d+$/);
    assert.ok(info.cpus > 0 && info.memoryBytes > 0);
  });

  test('VM list shows the test driver domain', async () => {
    const { vms } = await fixture.client.sendRequest(VmsListRequest.type, {});
    const domain = vms.find((vm) => vm.name === 'test');
    assert.ok(domain, `no "test" domain in ${JSON.stringify(vms)}`);
    assert.equal(domain.state, 'running');
  });

  test('force stop and start change the VM and publish vm-state events in sequence', async () => {
    const watcher = await fixture.connect();
    try {
      const seen: HostEvent[] = [];
      watcher.onNotification(EventNotification.type, (event) => seen.push(event));
      const subscribed = await watcher.sendRequest(EventsSubscribeRequest.type, {});
      assert.equal(subscribed.complete, true);

      const stopped = await fixture.client.sendRequest(VmsForceStopRequest.type, { vm: 'test' });
      assert.equal(stopped.state, 'shut-off');
      await waitUntil('a shut-off event', () =>
        seen.some((event) => event.type === 'vm-state' && event.vm === 'test' && event.state === 'shut-off'),
      );
      const started = await fixture.client.sendRequest(VmsStartRequest.type, { vm: 'test' });
      assert.equal(started.state, 'running');
      await waitUntil('a running event', () =>
        seen.some((event) => event.type === 'vm-state' && event.vm === 'test' && event.state === 'running'),
      );

      const sequences = seen.map((event) => event.sequence);
      assert.equal(sequences[0], subscribed.currentSequence + 1, 'the first live event follows the subscribe answer');
      for (const [index, sequence] of sequences.entries())
        if (index > 0) assert.equal(sequence, (sequences[index - 1] as number) + 1, 'gapless');

      // Starting a running VM is a state error, not a crash.
      await rejectsWithHostError(fixture.client.sendRequest(VmsStartRequest.type, { vm: 'test' }), HostErrorCode.InvalidState, {
        field: '/vm',
        message: /^Cannot start VM "test": it is already running/,
      });
      await rejectsWithHostError(fixture.client.sendRequest(VmsStartRequest.type, { vm: 'no-such-vm' }), HostErrorCode.NotFound, {
        field: '/vm',
        message: /no VM named "no-such-vm"/,
      });
    } finally {
      watcher.close();
    }
  });
});

describe('vlm-host over its Unix socket (test driver): snapshots and power', () => {
  test('snapshots: create, list, refuse a duplicate, revert, delete (the test domain is not VLM-made: revert and delete need confirmForeign)', async () => {
    const created = await fixture.client.sendRequest(SnapshotsCreateRequest.type, {
      vm: 'test',
      name: 'before-change',
      description: 'clean state',
    });
    assert.equal(created.name, 'before-change');
    assert.equal(created.description, 'clean state');
    const listed = await fixture.client.sendRequest(SnapshotsListRequest.type, { vm: 'test' });
    assert.deepEqual(
      listed.snapshots.map((snapshot) => snapshot.name),
      ['before-change'],
    );
    await rejectsWithHostError(
      fixture.client.sendRequest(SnapshotsCreateRequest.type, { vm: 'test', name: 'before-change' }),
      HostErrorCode.AlreadyExists,
      { field: '/name', message: /already has a snapshot named "before-change"/ },
    );
    // Revert and delete lose data; "test" was not made by this host, so they need its name again.
    const destructive = [
      (params: SnapshotParams) => fixture.client.sendRequest(SnapshotsRevertRequest.type, params),
      (params: SnapshotParams) => fixture.client.sendRequest(SnapshotsDeleteRequest.type, params),
    ];
    for (const request of destructive) {
      await rejectsWithHostError(request({ vm: 'test', name: 'before-change' }), HostErrorCode.InvalidState, {
        field: '/confirmForeign',
        message:
          /VM "test" was not made by this host \(it has no VLM metadata\)\. To (revert it to|delete its) snapshot "before-change" anyway, repeat its exact name in confirmForeign: "test"/,
      });
      await rejectsWithHostError(request({ vm: 'test', name: 'before-change', confirmForeign: 'tset' }), HostErrorCode.InvalidState, {
        field: '/confirmForeign',
      });
    }
    assert.equal(
      (await fixture.client.sendRequest(SnapshotsListRequest.type, { vm: 'test' })).snapshots.length,
      1,
      'refused requests changed nothing',
    );
    const reverted = await fixture.client.sendRequest(SnapshotsRevertRequest.type, {
      vm: 'test',
      name: 'before-change',
      confirmForeign: 'test',
    });
    assert.equal(reverted.name, 'test');
    assert.deepEqual(
      await fixture.client.sendRequest(SnapshotsDeleteRequest.type, { vm: 'test', name: 'before-change', confirmForeign: 'test' }),
      { deleted: 'before-change' },
    );
    assert.deepEqual((await fixture.client.sendRequest(SnapshotsListRequest.type, { vm: 'test' })).snapshots, []);
    await rejectsWithHostError(
      fixture.client.sendRequest(SnapshotsDeleteRequest.type, { vm: 'test', name: 'before-change', confirmForeign: 'test' }),
      HostErrorCode.NotFound,
      {
        field: '/name',
      },
    );
    await rejectsWithHostError(fixture.client.sendRequest(SnapshotsListRequest.type, { vm: 'missing' }), HostErrorCode.NotFound, {
      field: '/vm',
    });
  });

  test('stop asks the guest to power off; reboot keeps it running', async () => {
    const rebooted = await fixture.client.sendRequest(VmsRebootRequest.type, { vm: 'test' });
    assert.equal(rebooted.state, 'running');
    await fixture.client.sendRequest(VmsStopRequest.type, { vm: 'test' });
    await waitUntil('the VM to be shut off', async () => {
      const { vms } = await fixture.client.sendRequest(VmsListRequest.type, {});
      return vms.find((vm) => vm.name === 'test')?.state === 'shut-off';
    });
    await rejectsWithHostError(fixture.client.sendRequest(VmsStopRequest.type, { vm: 'test' }), HostErrorCode.InvalidState, {
      message: /^Cannot stop VM "test": it is not running \(shut-off\)/,
    });
    assert.equal((await fixture.client.sendRequest(VmsStartRequest.type, { vm: 'test' })).state, 'running');
  });

  test('resume lets a paused VM run again and refuses one that is not paused', async () => {
    await rejectsWithHostError(fixture.client.sendRequest(VmsResumeRequest.type, { vm: 'test' }), HostErrorCode.InvalidState, {
      message: /^Cannot resume VM "test": it is not paused \(running\)/,
    });
    await fixture.hypervisor.suspend('test');
    assert.equal((await fixture.client.sendRequest(VmsResumeRequest.type, { vm: 'test' })).state, 'running');
  });
});

describe('vlm-host over its Unix socket (test driver): event replay', () => {
  test('a client that reconnects with afterSequence gets exactly the events it missed', async () => {
    const first = await fixture.connect();
    const before: HostEvent[] = [];
    first.onNotification(EventNotification.type, (event) => before.push(event));
    await first.sendRequest(EventsSubscribeRequest.type, {});
    await fixture.client.sendRequest(VmsForceStopRequest.type, { vm: 'test' });
    await waitUntil('the first client to see the stop', () =>
      before.some((event) => event.type === 'vm-state' && event.state === 'shut-off'),
    );
    const lastSeen = (before[before.length - 1] as HostEvent).sequence;
    first.close();

    // Events while nobody listens.
    await fixture.client.sendRequest(VmsStartRequest.type, { vm: 'test' });
    await fixture.client.sendRequest(VmsForceStopRequest.type, { vm: 'test' });
    await fixture.client.sendRequest(VmsStartRequest.type, { vm: 'test' });
    const observer = await fixture.connect();
    const current = (await observer.sendRequest(EventsSubscribeRequest.type, {})).currentSequence;
    observer.close();
    assert.ok(current >= lastSeen + 3, `expected at least 3 missed events, current ${current}, last seen ${lastSeen}`);

    const second = await fixture.connect();
    try {
      const replayed: HostEvent[] = [];
      second.onNotification(EventNotification.type, (event) => replayed.push(event));
      const resumed = await second.sendRequest(EventsSubscribeRequest.type, { afterSequence: lastSeen });
      assert.equal(resumed.complete, true);
      assert.equal(resumed.replayed, current - lastSeen);
      // Replayed notifications are written before the answer, so they are all here.
      assert.deepEqual(
        replayed.map((event) => event.sequence),
        Array.from({ length: current - lastSeen }, (_, index) => lastSeen + 1 + index),
      );
      assert.deepEqual(
        replayed.filter((event) => event.type === 'vm-state').map((event) => (event.type === 'vm-state' ? event.state : '')),
        ['running', 'shut-off', 'running'],
      );
    } finally {
      second.close();
    }
  });
});
