// The 'vnc' console kind through a real vlm-host on libvirt's test driver: the host connects to
// the display's port on 127.0.0.1 and relays its bytes as base64 both ways. The display here is a
// TCP server the test starts on loopback (the test driver runs no QEMU); the real display of a
// real guest is in vnc-console-qemu.test.ts. Refusals: writes that are not base64, a VM without
// graphics, a stopped VM; closing the console or the client closes the display's connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConsolesCloseRequest, ConsolesWriteRequest, HostErrorCode, VmsForceStopRequest } from '@vlm/schemas/src/host-protocol';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { waitUntil } from '../../local-libvirt/wait-until';
import { rejectsWithHostError } from '../api/host-process';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { ConsoleClient } from './console-guest';
import { LoopbackDisplay } from '../support/loopback-display';

let fixture: HostFixture;
let display: LoopbackDisplay;
let client: ConsoleClient;
const greeting = Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from(Array.from({ length: 256 }, (_, value) => value))]);
const withDisplay = `vnc-relay-${randomBytes(3).toString('hex')}`;
const withoutDisplay = `vnc-relay-plain-${randomBytes(3).toString('hex')}`;

before(async () => {
  fixture = await startHostFixture({ name: 'vnc-relay' });
  display = await LoopbackDisplay.start(greeting);
  const base = { type: 'qemu' as const, vcpu: 1, memoryMiB: 128 };
  await fixture.hypervisor.defineDomain(buildDomainXml({ ...base, name: withDisplay, vncPort: display.port, vncPassword: 'Abc12345' }));
  await fixture.hypervisor.defineDomain(buildDomainXml({ ...base, name: withoutDisplay }));
  await fixture.hypervisor.start(withDisplay);
  await fixture.hypervisor.start(withoutDisplay);
  client = await ConsoleClient.connect(fixture.socketPath);
});

after(async () => {
  client?.close();
  await display?.close();
  await fixture?.dispose();
});

describe('VNC console relay (test driver, loopback display)', () => {
  test('relays every byte value both ways as base64; closing the console closes the display connection', async () => {
    const console = await client.open({ vm: withDisplay, kind: 'vnc', flowControl: true });
    const expected = greeting.toString('base64');
    await waitUntil('the greeting, base64', () => console.receivedBytes >= greeting.length, 10_000);
    assert.equal(Buffer.from(console.output.text, 'base64').toString('base64'), expected);
    assert.equal(console.receivedBytes, greeting.length);
    const typed = Buffer.from(Array.from({ length: 512 }, (_, index) => 255 - (index % 256)));
    await console.write(typed.toString('base64'));
    await waitUntil('the typed bytes at the display', () => display.received.length >= typed.length, 10_000);
    assert.deepEqual(display.received, typed);

    await rejectsWithHostError(
      client.connection.sendRequest(ConsolesWriteRequest.type, { consoleId: console.consoleId, data: 'not base64!' }),
      HostErrorCode.InvalidParams,
      { field: '/data', message: /must be base64/ },
    );
    await rejectsWithHostError(
      client.connection.sendRequest(ConsolesWriteRequest.type, { consoleId: console.consoleId, data: 'abc' }),
      HostErrorCode.InvalidParams,
      { field: '/data' },
    );
    assert.equal(display.received.length, typed.length, 'nothing of a refused write reached the display');

    assert.equal(display.openConnections, 1);
    await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: console.consoleId });
    await waitUntil('the display connection to close', () => display.openConnections === 0, 10_000);
  });

  test('a client that goes away closes its display connections', async () => {
    const other = await ConsoleClient.connect(fixture.socketPath);
    await other.open({ vm: withDisplay, kind: 'vnc' });
    await waitUntil('the display to see the connection', () => display.openConnections === 1, 10_000);
    other.close();
    await waitUntil('the display connection to close', () => display.openConnections === 0, 10_000);
  });

  test('a VM without graphics, and a stopped VM, have no graphical console', async () => {
    await rejectsWithHostError(client.open({ vm: withoutDisplay, kind: 'vnc' }), HostErrorCode.InvalidState, {
      field: '/vm',
      message: new RegExp(`VM "${withoutDisplay}" has no VNC display`),
    });
    await client.connection.sendRequest(VmsForceStopRequest.type, { vm: withDisplay });
    assert.equal((await fixture.hypervisor.getDomain(withDisplay))?.state, 'shut-off');
    await rejectsWithHostError(client.open({ vm: withDisplay, kind: 'vnc' }), HostErrorCode.InvalidState, {
      field: '/vm',
      message: /only a running VM has a console/,
    });
  });
});
