// The vlm-host service process on libvirt's test driver: losing libvirt-dbus, a second service on
// the same data directory or socket, takeover after a kill -9, and a clean SIGTERM shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EventNotification,
  EventsSubscribeRequest,
  HostErrorCode,
  HostInfoRequest,
  VmsListRequest,
  type HostEvent,
} from '@vlm/schemas/src/host-protocol';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';
import { anotherServiceExitCode } from '@vlm/schemas/src/host-exit-codes';

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'host-api-service', socketPath: join('run', 'vlm-host.sock') });
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm-host over its Unix socket (test driver): losing libvirt-dbus', () => {
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
    assert.equal(code, anotherServiceExitCode, 'the exit code that tells its starter to use the running one');
    assert.match(second.stderr, new RegExp(`Another vlm-host \\(pid ${fixture.host.pid}\\) is using the data directory`));
    assert.equal(existsSync(join(fixture.folder, 'run', 'second.sock')), false);
    // A second service on the same socket (other data directory) is refused too.
    const third = fixture.spawnHost({ dataDirectory: join(fixture.folder, 'data-3') });
    assert.equal((await third.exited).code, anotherServiceExitCode);
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
    assert.equal(state.schema_version, 2);
    // Restart for `after`, which stops it again.
    await fixture.restart();
  });
});
