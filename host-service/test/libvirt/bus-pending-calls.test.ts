// The pending-call limit per bus, against a stand-in daemon that holds its replies: never more calls
// waiting than the system bus takes, every call answered in turn, and a call that times out while
// waiting is never sent and gives its place on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dbus from 'dbus-next';
import { pendingCallLimit } from '../../src/libvirt/bus-pending-calls';
import { dbusCall } from '../../src/libvirt/dbus-call';
import { type FramedMessage, marshalReply } from './dbus-wire';
import { startScriptedBus } from './scripted-bus';

const request = { path: '/org/libvirt/Test/domain/_1', interface: 'org.libvirt.Domain', member: 'GetXMLDesc', signature: 'u', body: [0] };
const replyTo = (serial: number) =>
  marshalReply({ replySerial: serial, destination: ':1.1', sender: ':1.0', signature: 's', body: [`reply to ${serial}`] });

async function connect(address: string): Promise<dbus.MessageBus> {
  const bus = dbus.sessionBus({ busAddress: address });
  await new Promise((resolve) => bus.once('connect', resolve));
  return bus;
}

test(`a bus has at most ${pendingCallLimit} calls waiting for replies; the others wait their turn and all are answered`, async () => {
  const total = 300;
  const held: FramedMessage[] = [];
  let received = 0;
  let mostHeld = 0;
  // Replies are held until the limit is reached (or every call is in), then the oldest is answered.
  const scripted = await startScriptedBus((_, serial, send) => {
    received++;
    held.push(replyTo(serial));
    mostHeld = Math.max(mostHeld, held.length);
    while (held.length >= pendingCallLimit || (received === total && held.length > 0)) send(held.shift() as FramedMessage);
    return undefined;
  });
  const bus = await connect(scripted.address);
  try {
    const answers = await Promise.all(Array.from({ length: total }, () => dbusCall(bus, 'org.libvirt', request, 10_000)));
    assert.equal(received, total);
    assert.equal(mostHeld, pendingCallLimit, 'the limit is reached, never passed');
    assert.equal(new Set(answers.map(([text]) => text)).size, total, 'each call gets its own reply');
  } finally {
    bus.disconnect();
    await scripted.close();
  }
});

test('calls that time out waiting for their turn are never sent, and give their place on', async () => {
  let received = 0;
  // The first calls are never answered; any later one is.
  const scripted = await startScriptedBus((index, serial) => {
    received++;
    return index < pendingCallLimit ? undefined : replyTo(serial);
  });
  const bus = await connect(scripted.address);
  try {
    const timedOut = (call: Promise<unknown[]>) => call.then(String, (error: Error) => error.message);
    // The limit's worth of calls never answered; five more time out sooner, while they wait.
    const stuck = Array.from({ length: pendingCallLimit }, () => timedOut(dbusCall(bus, 'org.libvirt', request, 600)));
    const queued = Array.from({ length: 5 }, () => timedOut(dbusCall(bus, 'org.libvirt', request, 100)));
    for (const message of await Promise.all(queued)) assert.match(message, /timed out after 100 ms/);
    assert.equal(received, pendingCallLimit, 'the calls that waited were not sent');
    for (const message of await Promise.all(stuck)) assert.match(message, /timed out after 600 ms/);
    const [text] = await dbusCall(bus, 'org.libvirt', request, 10_000);
    assert.match(String(text), /^reply to \d+$/);
    assert.equal(received, pendingCallLimit + 1);
  } finally {
    bus.disconnect();
    await scripted.close();
  }
});
