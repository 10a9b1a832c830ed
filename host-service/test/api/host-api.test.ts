// The real vlm-host process against libvirt's test driver on a private bus, driven through its
// Unix socket the way the extension and CLI will drive it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import {
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesWriteRequest,
  EventNotification,
  EventsSubscribeRequest,
  HostErrorCode,
  HostInfoRequest,
  ImagesListRequest,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsGetRequest,
  LabsListRequest,
  LabsPlanRequest,
  SnapshotsCreateRequest,
  SnapshotsDeleteRequest,
  SnapshotsListRequest,
  SnapshotsRevertRequest,
  VmsForceStopRequest,
  VmsListRequest,
  VmsRebootRequest,
  VmsStartRequest,
  VmsStopRequest,
  type HostEvent,
  type SnapshotParams,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { waitUntil } from '../../local-libvirt/wait-until';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';

function tinyLab(name: string, overrides: Partial<Lab['vms'][number]> = {}): Lab {
  return {
    name,
    networks: [{ name: 'lan', cidr: '10.10.1.0/24' }],
    vms: [
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], ...overrides },
      { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: [{ name: 'lan', ip: '10.10.1.10' }] },
    ],
  };
}

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'host-api', socketPath: join('run', 'vlm-host.sock') });
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

describe('vlm-host over its Unix socket (test driver): refused requests', () => {
  test('hostile names are refused before anything runs, and nothing is created', async () => {
    const pwned = join(fixture.folder, 'pwned');
    const hostile = ['a"b', "a'b", '<domain>', `$(touch ${pwned})`, '../../etc/passwd', 'a b', '', 'x'.repeat(300)];
    const before = (await fixture.client.sendRequest(VmsListRequest.type, {})).vms.map((vm) => vm.name).sort();
    for (const name of hostile) {
      await rejectsWithHostError(fixture.client.sendRequest(VmsStartRequest.type, { vm: name }), HostErrorCode.InvalidParams, {
        field: '/vm',
        allowed: /libvirt domain name/,
      });
      await rejectsWithHostError(
        fixture.client.sendRequest(SnapshotsCreateRequest.type, { vm: 'test', name }),
        HostErrorCode.InvalidParams,
        {
          field: '/name',
          allowed: /snapshot name/,
        },
      );
      await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab: tinyLab(name) }), HostErrorCode.InvalidParams, {
        field: '/lab/name',
        allowed: /DNS label/,
      });
      const lab = tinyLab('safe');
      (lab.vms[0] as { name: string }).name = name;
      await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab }), HostErrorCode.InvalidParams, {
        field: '/lab/vms/0/name',
      });
    }
    assert.equal(existsSync(pwned), false);
    assert.deepEqual((await fixture.client.sendRequest(VmsListRequest.type, {})).vms.map((vm) => vm.name).sort(), before);
    assert.deepEqual((await fixture.client.sendRequest(SnapshotsListRequest.type, { vm: 'test' })).snapshots, []);
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
  });

  test('huge, negative and fractional sizes are refused with the allowed range', async () => {
    const cases: [Partial<Lab['vms'][number]>, string, RegExp][] = [
      [{ disk_gb: 1e12 }, '/lab/vms/0/disk_gb', /whole number from 1 to 65536/],
      [{ disk_gb: -5 }, '/lab/vms/0/disk_gb', /whole number from 1 to 65536/],
      [{ disk_gb: 1.5 }, '/lab/vms/0/disk_gb', /whole number from 1 to 65536/],
      [{ ram_mb: 2 ** 60 }, '/lab/vms/0/ram_mb', /whole number from 64 to 4194304/],
      [{ vcpu: 0 }, '/lab/vms/0/vcpu', /whole number from 1 to 256/],
      [{ ssh_port: 22 }, '/lab/vms/0/ssh_port', /whole number from 22000 to 22999/],
    ];
    for (const [override, field, allowed] of cases) {
      await rejectsWithHostError(
        fixture.client.sendRequest(LabsPlanRequest.type, { lab: tinyLab('sizes', override) }),
        HostErrorCode.InvalidParams,
        {
          field,
          allowed,
        },
      );
    }
    await rejectsWithHostError(
      fixture.client.sendRequest(EventsSubscribeRequest.type, { afterSequence: -1 }),
      HostErrorCode.InvalidParams,
      { field: '/afterSequence', allowed: /whole number/ },
    );
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
  });

  test('unknown fields, wrong shapes and unknown methods get specific errors', async () => {
    const unknownField = await rejectsWithHostError(
      fixture.client.sendRequest(VmsStartRequest.type, { vm: 'test', force: true } as never),
      HostErrorCode.InvalidParams,
      { field: '/force', allowed: /only the fields vm/ },
    );
    assert.match(unknownField.message, /unknown field "force"/);
    const lab = { ...tinyLab('extra'), flavour: 'large' } as unknown as Lab;
    await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab }), HostErrorCode.InvalidParams, {
      field: '/lab/flavour',
    });
    await rejectsWithHostError(fixture.client.sendRequest(VmsStartRequest.type, {} as never), HostErrorCode.InvalidParams, {
      field: '/vm',
      message: /missing required field "vm"/,
      allowed: /libvirt domain name/,
    });
    await rejectsWithHostError(fixture.client.sendRequest('vlm/vms/start', ['test']), HostErrorCode.InvalidParams, { field: '' });
    await rejectsWithHostError(fixture.client.sendRequest('vlm/vms/explode', {}), HostErrorCode.MethodNotFound, {
      allowed: /vlm\/vms\/start/,
    });
    // The VM was not touched by any of it.
    assert.equal((await fixture.client.sendRequest(VmsListRequest.type, {})).vms.find((vm) => vm.name === 'test')?.state, 'running');
  });
});

describe('vlm-host over its Unix socket (test driver): load', () => {
  test('a 10 MB request gets a clear error and the connection stays usable', async () => {
    const lab = tinyLab('big', { cloud_init: `#cloud-config\n${'x'.repeat(10 * 1024 * 1024)}` });
    await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab }), HostErrorCode.RequestTooLarge, {
      message: /vlm\/labs\/plan is 1048\d{4} bytes; this host accepts at most 4194304 bytes/,
    });
    const info = await fixture.client.sendRequest(HostInfoRequest.type, {});
    assert.equal(info.service.pid, fixture.host.pid);
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
  });

  test('a flood of requests is answered in full while other clients stay served', async () => {
    const flooder = await fixture.connect();
    try {
      const count = 3000;
      const flood = Array.from({ length: count }, () => flooder.sendRequest(LabsListRequest.type, {}));
      // Another client is answered while the flood is being worked through.
      const other = await fixture.connect();
      const info = await other.sendRequest(HostInfoRequest.type, {});
      other.close();
      assert.equal(info.service.pid, fixture.host.pid);
      const answers = await Promise.all(flood);
      assert.equal(answers.length, count);
      assert.ok(answers.every((answer) => Array.isArray(answer.labs)));
      // The service bounded the flood by pausing its reads, rather than queueing all of it.
      assert.match(fixture.host.stderr, /A client has 256 unanswered requests: reading from it pauses/);
    } finally {
      flooder.close();
    }
  });

  test('requests cancelled before they start are answered as cancelled', async () => {
    const sources = Array.from({ length: 200 }, () => new CancellationTokenSource());
    const results = sources.map((source) =>
      fixture.client.sendRequest(VmsListRequest.type, {}, source.token).then(
        () => 'answered',
        (error: unknown) => (error instanceof ResponseError && error.code === HostErrorCode.RequestCancelled ? 'cancelled' : String(error)),
      ),
    );
    for (const source of sources) source.cancel();
    const outcomes = await Promise.all(results);
    assert.ok(
      outcomes.every((outcome) => outcome === 'answered' || outcome === 'cancelled'),
      outcomes.join(', '),
    );
    assert.ok(outcomes.includes('cancelled'), 'none of the 200 was cancelled');
  });
});

describe('vlm-host over its Unix socket (test driver): labs and consoles', () => {
  test('labs: plan a new lab, refuse inconsistent ones, unknown labs are not found', async () => {
    const plan = await fixture.client.sendRequest(LabsPlanRequest.type, { lab: tinyLab('web-lab') });
    assert.equal(plan.newLab, true);
    const created = plan.steps.filter((step) => step.action === 'create').map((step) => `${step.kind}:${step.resource}`);
    const pool = volumePoolFor(fixture.dataDirectory);
    assert.deepEqual(created, [
      'network:web-lab.lan',
      `volume:${pool}/web-lab.web.qcow2`,
      'domain:web-lab.web',
      'port:ssh:allocated',
      'port:vnc:allocated',
      `volume:${pool}/web-lab.db.qcow2`,
      'domain:web-lab.db',
      'port:ssh:allocated',
      'port:vnc:allocated',
    ]);
    // Planning records nothing.
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);

    const broken = tinyLab('broken');
    (broken.vms[1] as { networks: unknown[] }).networks = ['wan'];
    (broken.vms[0] as { depends_on: string[] }).depends_on = ['db'];
    (broken.vms[1] as { depends_on: string[] }).depends_on = ['web'];
    const error = await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab: broken }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/1/networks/0',
      message: /network "wan" is not declared/,
    });
    assert.ok(error.data?.problems?.some((problem) => /dependency cycle: web → db → web/.test(problem.message)));

    await rejectsWithHostError(fixture.client.sendRequest(LabsGetRequest.type, { name: 'nope' }), HostErrorCode.NotFound, {
      field: '/name',
    });
    await rejectsWithHostError(fixture.client.sendRequest(LabsApplyRequest.type, { lab: broken }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/1/networks/0',
    });
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
  });

  test('consoles: a VM without a serial pty and an unknown console id get clear errors', async () => {
    await rejectsWithHostError(fixture.client.sendRequest(ConsolesOpenRequest.type, { vm: 'test' }), HostErrorCode.InvalidState, {
      field: '/vm',
      message: /VM "test" has no serial console on a pty/,
    });
    await rejectsWithHostError(
      fixture.client.sendRequest(ConsolesWriteRequest.type, { consoleId: 'a'.repeat(32), data: 'ls\n' }),
      HostErrorCode.NotFound,
      { field: '/consoleId' },
    );
    await rejectsWithHostError(
      fixture.client.sendRequest(ConsolesCloseRequest.type, { consoleId: '../../dev/sda' }),
      HostErrorCode.InvalidParams,
      {
        field: '/consoleId',
        allowed: /32 lowercase hex digits/,
      },
    );
  });
});

describe('vlm-host over its Unix socket (test driver): images, and losing libvirt-dbus', () => {
  test('images: listed from the catalog; vlm-tiny is pulled by building it; unknown names are refused', async () => {
    const listed = await fixture.client.sendRequest(ImagesListRequest.type, {});
    assert.deepEqual(
      listed.images.map((image) => [image.name, image.present]),
      [
        ['debian-12', false],
        ['ubuntu-24.04', false],
        ['vlm-tiny', false],
      ],
    );
    await rejectsWithHostError(fixture.client.sendRequest(ImagesPullRequest.type, { name: 'windows' }), HostErrorCode.NotFound, {
      field: '/name',
      allowed: /debian-12, ubuntu-24\.04, vlm-tiny/,
    });
    // Built-in download images would reach the internet: downloads are tested against a loopback
    // server in test/images-pull/.
    const pulled = await fixture.client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
    assert.equal(pulled.present, true);
    const manifest = JSON.parse(await readFile(join(fixture.dataDirectory, 'images', 'vlm-tiny', 'manifest.json'), 'utf8'));
    assert.equal(manifest.name, 'vlm-tiny');
    assert.equal(
      (await fixture.client.sendRequest(ImagesListRequest.type, {})).images.find((image) => image.name === 'vlm-tiny')?.present,
      true,
    );
  });

  test('losing libvirt-dbus is reported as connection-state events, and requests fail clearly meanwhile', async () => {
    const watcher = await fixture.connect();
    try {
      const seen: HostEvent[] = [];
      watcher.onNotification(EventNotification.type, (event) => seen.push(event));
      await watcher.sendRequest(EventsSubscribeRequest.type, {});
      await fixture.libvirt.libvirtDbus.kill();
      await waitUntil('a disconnected event', () => seen.some((event) => event.type === 'connection-state' && !event.connected));
      await rejectsWithHostError(fixture.client.sendRequest(VmsListRequest.type, {}), HostErrorCode.HypervisorError, {
        message: /libvirt-dbus is not on the bus/,
      });
      await fixture.libvirt.libvirtDbus.restart();
      await waitUntil('a connected event', () => seen.some((event) => event.type === 'connection-state' && event.connected), 30_000);
      assert.ok((await fixture.client.sendRequest(VmsListRequest.type, {})).vms.some((vm) => vm.name === 'test'));
    } finally {
      watcher.close();
    }
  });
});

describe('vlm-host over its Unix socket (test driver): the service process', () => {
  test('a second service on the same data directory refuses to start, naming the first pid', async () => {
    const second = fixture.spawnHost({ socketPath: join(fixture.folder, 'run', 'second.sock') });
    const { code } = await second.exited;
    assert.equal(code, 1);
    assert.match(second.stderr, new RegExp(`Another vlm-host \\(pid ${fixture.host.pid}\\) is using the data directory`));
    assert.equal(existsSync(join(fixture.folder, 'run', 'second.sock')), false);
    // A second service on the same socket (other data directory) is refused too.
    const third = fixture.spawnHost({ dataDirectory: join(fixture.folder, 'data-3') });
    assert.equal((await third.exited).code, 1);
    assert.match(third.stderr, /Another service is already listening on .*vlm-host\.sock/);
    // The first one still serves.
    assert.equal((await fixture.client.sendRequest(HostInfoRequest.type, {})).service.pid, fixture.host.pid);
  });

  test('after a kill -9 a new service takes over the stale socket and lock, and keeps the event sequence rising', async () => {
    const before = (await fixture.client.sendRequest(EventsSubscribeRequest.type, {})).currentSequence;
    fixture.client.close();
    await fixture.host.kill();
    await fixture.restart();
    assert.match(fixture.host.stderr, /Removed the stale socket/);
    assert.match(fixture.host.stderr, /Took over the stale lock .* of pid \d+/);
    const resumed = await fixture.client.sendRequest(EventsSubscribeRequest.type, { afterSequence: before });
    assert.equal(resumed.complete, false, 'events of the old run cannot be replayed, and the client is told');
    assert.ok(resumed.currentSequence > before, 'sequence numbers never repeat across restarts');
  });

  test('SIGTERM shuts down cleanly: exit 0, socket and lock removed', async () => {
    fixture.client.close();
    assert.equal(await fixture.host.stop(), 0);
    assert.equal(existsSync(fixture.socketPath), false);
    assert.ok(!(await readdir(fixture.dataDirectory)).includes('vlm-host.lock'));
    const state = JSON.parse(await readFile(join(fixture.dataDirectory, 'state.json'), 'utf8'));
    assert.equal(state.schema_version, 1);
    // Restart for `after`, which stops it again.
    await fixture.restart();
  });
});
