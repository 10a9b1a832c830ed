// Replies read in place of dbus-next's reader: the same answers, errors and signals as with
// dbus-next alone, on libvirt-dbus's test driver and on hostile replies from a stand-in daemon.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dbus from 'dbus-next';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../local-libvirt/libvirt-environment';
import { dbusCall } from '../../src/libvirt/dbus-call';
import { readRepliesDirectly } from '../../src/libvirt/dbus-replies';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { type FramedMessage, marshalReply, toBigEndian, withField } from './dbus-wire';
import { startScriptedBus } from './scripted-bus';

const xmlRequest = (path: string) => ({ path, interface: 'org.libvirt.Domain', member: 'GetXMLDesc', signature: 'u', body: [0] });

async function connectedBus(address: string, direct: boolean): Promise<{ bus: dbus.MessageBus; returns: () => number; errors: unknown[] }> {
  const bus = dbus.sessionBus({ busAddress: address });
  const errors: unknown[] = [];
  bus.on('error', (error: unknown) => errors.push(error));
  await new Promise((resolve) => bus.once('connect', resolve));
  if (direct) readRepliesDirectly(bus);
  let returns = 0;
  bus.on('message', (message: dbus.Message) => {
    if (message.type === dbus.MessageType.METHOD_RETURN) returns++;
  });
  return { bus, returns: () => returns, errors };
}

/** A call's outcome as a caller sees it: the body, or the error's name and text. */
function outcome(call: Promise<unknown[]>): Promise<unknown> {
  return call.then(
    (body) => ({ body }),
    (error: unknown) => ({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
}

describe('replies read directly, on libvirt-dbus', () => {
  let environment: LibvirtTestEnvironment;
  let paths: string[] = [];
  before(async () => {
    environment = await startLibvirtTestEnvironment();
    const { bus } = await connectedBus(environment.busAddress, false);
    const connect = { path: '/org/libvirt/Test', interface: 'org.libvirt.Connect' };
    for (let index = 0; index < 150; index++) {
      const xml = buildDomainXml({ name: `direct-${index}`, type: 'qemu', vcpu: 1, memoryMiB: 64, vlm: { lab: 'lab', vm: `vm${index}` } });
      await dbusCall(bus, 'org.libvirt', { ...connect, member: 'DomainDefineXML', signature: 's', body: [xml] }, 10_000);
    }
    const [listed] = await dbusCall(bus, 'org.libvirt', { ...connect, member: 'ListDomains', signature: 'u', body: [0] }, 10_000);
    paths = listed as string[];
    bus.disconnect();
  });
  after(async () => {
    await environment?.stop();
  });

  test('calls in flight when the reader takes over get the same answers, none of them through dbus-next', async () => {
    const plain = await connectedBus(environment.busAddress, false);
    const direct = await connectedBus(environment.busAddress, true);
    try {
      const missing = '/org/libvirt/Test/domain/_00000000_0000_0000_0000_000000000000';
      const requests = [...paths, missing, ...paths].map(xmlRequest);
      // All sent at once, before any reply: the reader takes over while dbus-next delivers the first.
      const [expected, answers] = await Promise.all(
        [plain.bus, direct.bus].map((bus) =>
          Promise.all(requests.map((request) => outcome(dbusCall(bus, 'org.libvirt', request, 10_000)))),
        ),
      );
      assert.equal(answers?.length, 2 * paths.length + 1);
      assert.deepEqual(answers, expected);
      assert.match(JSON.stringify(answers?.[paths.length]), /no-such-domain|Domain not found/);
      assert.equal(plain.returns(), 2 * paths.length, 'dbus-next delivers every reply of the plain bus');
      assert.ok(direct.returns() <= 1, `the direct bus's replies skip dbus-next, but for the one it took over in: ${direct.returns()}`);
    } finally {
      plain.bus.disconnect();
      direct.bus.disconnect();
    }
  });

  test('after the takeover, signals still arrive through dbus-next', async () => {
    const direct = await connectedBus(environment.busAddress, true);
    const other = dbus.sessionBus({ busAddress: environment.busAddress });
    try {
      const daemon = { path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus' };
      const rule = "type='signal',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.example.DirectReplies'";
      await dbusCall(direct.bus, 'org.freedesktop.DBus', { ...daemon, member: 'AddMatch', signature: 's', body: [rule] }, 10_000);
      await dbusCall(direct.bus, 'org.freedesktop.DBus', { ...daemon, member: 'GetId' }, 10_000);
      const signal = new Promise<unknown[]>((resolve) =>
        direct.bus.on('message', (message: dbus.Message) => {
          if (message.type === dbus.MessageType.SIGNAL && message.member === 'NameOwnerChanged') resolve(message.body);
        }),
      );
      await other.requestName('org.example.DirectReplies', 0);
      const [name, , owner] = await signal;
      assert.equal(name, 'org.example.DirectReplies');
      assert.match(String(owner), /^:1\.\d+$/);
    } finally {
      other.disconnect();
      direct.bus.disconnect();
    }
  });
});

/** Replies a stand-in daemon sends to a GetXMLDesc call of serial `serial`, each handled by dbus-next as it was. */
function hostileReplies(): Array<[string, (serial: number) => FramedMessage]> {
  const reply = (serial: number, body = '<domain/>', destination = ':1.1') =>
    marshalReply({ replySerial: serial, destination, sender: ':1.0', signature: 's', body: [body] });
  const changed = (serial: number, change: (rest: Buffer, textStart: number) => void) => {
    const framed = reply(serial, '<domain>text</domain>');
    const textStart = ((framed.header.readUInt32LE(12) + 7) & -8) + 4;
    change(framed.rest, textStart);
    return framed;
  };
  return [
    ['a well-formed reply', (serial) => reply(serial, '<domain>é日本😀</domain>')],
    ['invalid UTF-8', (serial) => changed(serial, (rest, start) => rest.fill(0xff, start + 2, start + 4))],
    [
      'a NUL inside the text',
      (serial) =>
        changed(serial, (rest, start) => {
          rest[start + 3] = 0;
        }),
    ],
    [
      'a string length one short',
      (serial) => changed(serial, (rest, start) => rest.writeUInt32LE(rest.readUInt32LE(start - 4) - 1, start - 4)),
    ],
    ['big-endian', (serial) => toBigEndian(reply(serial, '<domain>big</domain>'))],
    [
      'the reply serial as a string',
      (serial) =>
        withField(marshalReply({ destination: ':1.1', sender: ':1.0', replySerial: 0, signature: 's', body: ['s'] }), 5, String(serial)),
    ],
    ['an invalid destination', (serial) => reply(serial, '<domain/>', ':1..1')],
    ['a reply for another connection', (serial) => reply(serial, '<domain/>', ':1.2')],
    ['a well-formed reply after all that', (serial) => reply(serial, '<domain>last</domain>')],
  ];
}

test('hostile replies from a stand-in daemon: the same answers, errors and timeouts with the reader as without', async () => {
  const cases = hostileReplies();
  const runs: unknown[][] = [];
  const returns: number[] = [];
  for (const direct of [false, true]) {
    // The first call's reply, well-formed, is where the reader takes over.
    const scripted = await startScriptedBus((index, serial) => (cases[index] as [string, (serial: number) => FramedMessage])[1](serial));
    const client = await connectedBus(scripted.address, direct);
    try {
      const seen: unknown[] = [];
      for (const [label] of cases) {
        const answer = await outcome(dbusCall(client.bus, 'org.libvirt', xmlRequest('/org/libvirt/Test/domain/_1'), 300));
        seen.push({ label, answer, errors: client.errors.splice(0).map(String) });
      }
      runs.push(seen);
      returns.push(client.returns());
    } finally {
      client.bus.disconnect();
      await scripted.close();
    }
  }
  const [withoutReader, withReader] = runs;
  assert.deepEqual(withReader, withoutReader);
  assert.match(JSON.stringify(withoutReader), /\\ufffd|�/, 'invalid UTF-8 arrives replaced, as dbus-next reads it');
  assert.match(JSON.stringify(withoutReader), /timed out after 300 ms/, 'replies dbus-next drops time out');
  assert.equal(
    returns[1],
    (returns[0] as number) - 1,
    'with the reader, the last well-formed reply skips dbus-next; the rest go through it',
  );
});
