import { test } from 'node:test';
import assert from 'node:assert/strict';
import dbus from 'dbus-next';
import { startPrivateBus } from '../../local-libvirt/private-bus';
import { dbusCall, toHypervisorError } from '../../src/libvirt/dbus-call';
import { uuidFromObjectPath } from '../../src/libvirt/libvirt-objects';

const request = { path: '/org/libvirt/QEMU/domain/_1', interface: 'org.libvirt.Domain', member: 'Create' };

test('libvirt errors become typed errors that name interface, method and path', () => {
  const cases: Array<[string, string]> = [
    ["Domain not found: no domain with matching name 'x'", 'no-such-domain'],
    ["Network not found: no network with matching name 'n'", 'no-such-network'],
    ["Domain snapshot not found: no domain snapshot with matching name 's'", 'no-such-snapshot'],
    ['Requested operation is not valid: domain is not running', 'invalid-operation'],
    ["internal error: Domain 'd' is already running", 'invalid-operation'],
    ["operation failed: domain 'd' already exists with uuid 1", 'already-exists'],
    ['XML error: an os <type> must be specified', 'invalid-argument'],
    ['Cannot recv data: Connection reset by peer', 'disconnected'],
    ['something nobody expected', 'libvirt'],
  ];
  for (const [text, code] of cases) {
    const error = toHypervisorError(new dbus.DBusError('org.libvirt.Error', text), request);
    assert.equal(error.code, code, text);
    assert.equal(error.message, `org.libvirt.Domain.Create on /org/libvirt/QEMU/domain/_1 failed: ${text}`);
    assert.equal(error.libvirtMessage, text);
  }
});

test('a missing libvirt-dbus is reported as disconnected', () => {
  const error = toHypervisorError(
    new dbus.DBusError('org.freedesktop.DBus.Error.ServiceUnknown', 'The name org.libvirt was not provided'),
    request,
  );
  assert.equal(error.code, 'disconnected');
  assert.match(error.message, /libvirt-dbus is not on the bus/);
});

test('domain object paths give the domain UUID', () => {
  assert.equal(
    uuidFromObjectPath('/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f'),
    '6695eb01-f6a4-8304-79aa-97f2502e193f',
  );
});

test('calls made in one tick go out together and each gets its own reply; nothing is held back after the tick', async () => {
  const privateBus = await startPrivateBus();
  const bus = dbus.sessionBus({ busAddress: privateBus.address });
  try {
    const daemon = { path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus' };
    const names = Array.from({ length: 50 }, (_, index) => `org.example.absent${index}`);
    await new Promise((resolve) => bus.once('connect', resolve)); // before it, dbus-next queues messages itself
    const stream = (bus as unknown as { _connection: { stream: { writableCorked: number } } })._connection.stream;
    const calls = names.map((name) =>
      dbusCall(bus, 'org.freedesktop.DBus', { ...daemon, member: 'NameHasOwner', signature: 's', body: [name] }, 5000),
    );
    assert.equal(stream.writableCorked, 1, 'the calls of this tick wait to be written together');
    const answers = await Promise.all(calls);
    assert.deepEqual(
      answers.map(([owned]) => owned),
      names.map(() => false),
    );
    assert.equal(stream.writableCorked, 0, 'the socket is uncorked once the tick ends');
    // A lone call, in a later tick, goes out too.
    const [id] = await dbusCall(bus, 'org.freedesktop.DBus', { ...daemon, member: 'GetId' }, 5000);
    assert.match(String(id), /^[0-9a-f]{32}$/);
  } finally {
    bus.disconnect();
    await privateBus.stop();
  }
});
