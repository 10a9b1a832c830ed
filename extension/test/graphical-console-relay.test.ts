// The graphical console's relay between a panel and a real vlm-host (libvirt's test driver), with
// a loopback TCP display standing in for QEMU's (the real display is in the e2e and QEMU tests):
// the password reaches the panel only in its connect message; bytes travel both ways; messages of
// the wrong shape or size are dropped; the panel cannot acknowledge what it never got; a long
// clipboard is refused; closing the panel closes the display's connection on the host.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { VncToPanel } from '@vlm/schemas';
import { buildDomainXml } from '../../host-service/src/libvirt/domain-xml';
import { VncPasswords } from '../../host-service/src/deploy/vnc-passwords';
import { waitUntil } from '../../host-service/local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../../host-service/test/support/host-fixture';
import { LoopbackDisplay } from '../../host-service/test/support/loopback-display';
import { GraphicalConsoleRelay } from '../src/consoles/graphical-console-relay';

const lab = 'screens';
const vm = 'box';
const domain = `vnc-panel-${randomBytes(3).toString('hex')}`;
const greeting = Buffer.from(Array.from({ length: 3000 }, (_, index) => (index * 7) % 256));
let fixture: HostFixture;
let display: LoopbackDisplay;
let password: string;

interface Panel {
  relay: GraphicalConsoleRelay;
  posted: VncToPanel[];
  warnings: string[];
  clipboard: string;
}

function openPanel(connected = true): Panel {
  const panel: Panel = { relay: undefined as unknown as GraphicalConsoleRelay, posted: [], warnings: [], clipboard: '' };
  panel.relay = new GraphicalConsoleRelay({
    target: { hostName: 'local', labName: lab, vmName: vm },
    connection: () => {
      if (!connected) throw new Error('Host "local" is not connected.');
      return fixture.client;
    },
    post: (message) => panel.posted.push(message),
    readClipboard: async () => panel.clipboard,
    warn: (line) => panel.warnings.push(line),
  });
  return panel;
}

function received(panel: Panel): Buffer {
  return Buffer.concat(panel.posted.flatMap((message) => (message.type === 'data' ? [Buffer.from(message.data, 'base64')] : [])));
}

before(async () => {
  fixture = await startHostFixture({ name: 'vnc-panel' });
  display = await LoopbackDisplay.start(greeting);
  password = await new VncPasswords(fixture.dataDirectory).create(domain);
  await fixture.hypervisor.defineDomain(
    buildDomainXml({
      name: domain,
      type: 'qemu',
      vcpu: 1,
      memoryMiB: 128,
      vncPort: display.port,
      vncPassword: password,
      vlm: { lab, vm, dataDirectory: fixture.dataDirectory },
    }),
  );
  await fixture.hypervisor.start(domain);
});

after(async () => {
  await display?.close();
  await fixture?.dispose();
});

describe('graphical console relay (test driver, loopback display)', () => {
  test('connects with the password, relays both ways, drops bad messages, closes the stream with the panel', async () => {
    const panel = openPanel();
    await panel.relay.handle({ type: 'ready' });
    const connect = panel.posted[0];
    assert.deepEqual(connect, { type: 'connect', target: { hostName: 'local', labName: lab, vmName: vm }, password });
    await waitUntil('the greeting in the panel', () => received(panel).length >= greeting.length, 10_000);
    assert.deepEqual(received(panel), greeting);

    await panel.relay.handle({ type: 'processed', bytes: greeting.length + 1 });
    assert.match(panel.warnings.at(-1) ?? '', /processed 3001 bytes; only 3000 were waiting/);
    await panel.relay.handle({ type: 'send', data: Buffer.from('typed').toString('base64') });
    for (const hostile of [
      { type: 'send', data: 'not base64!' },
      { type: 'send', data: 'A'.repeat(65_540) },
      { type: 'send', data: Buffer.from('x').toString('base64'), extra: 1 },
      { type: 'processed', bytes: -1 },
      { type: 'processed', bytes: 1.5 },
      { type: 'connect', password },
      { type: '__proto__' },
      'ready',
      null,
    ]) {
      const before = panel.warnings.length;
      await panel.relay.handle(hostile);
      assert.equal(panel.warnings.length, before + 1, `warned of ${JSON.stringify(hostile)?.slice(0, 80)}`);
      assert.match(panel.warnings.at(-1) ?? '', /^Dropped an VncToExtension message/);
    }
    await waitUntil('the typed bytes at the display', () => display.received.length >= 5, 10_000);
    assert.equal(display.received.toString(), 'typed', 'only the well-formed write reached the display');
    assert.ok(
      panel.warnings.every((line) => !line.includes(password)),
      'no warning holds the password',
    );

    panel.clipboard = 'x'.repeat(5000);
    await panel.relay.handle({ type: 'paste' });
    assert.deepEqual(panel.posted.at(-1), {
      type: 'problem',
      message: 'Nothing was typed: the clipboard holds 5000 characters, and at most 4096 can be typed.',
    });
    panel.clipboard = 'echo vlm-$((6*7))\n';
    await panel.relay.handle({ type: 'paste' });
    assert.deepEqual(panel.posted.at(-1), { type: 'paste', text: 'echo vlm-$((6*7))\n' });

    assert.equal(display.openConnections, 1);
    panel.relay.dispose();
    await waitUntil('the host to close the display connection', () => display.openConnections === 0, 10_000);
  });

  test('a host that is not connected, or a VM that is not running, says why in the panel', async () => {
    const offline = openPanel(false);
    await offline.relay.handle({ type: 'ready' });
    assert.deepEqual(offline.posted, [
      { type: 'closed', reason: 'The graphical console of box did not open: Host "local" is not connected.' },
    ]);
    const stopped = openPanel();
    await fixture.hypervisor.destroy(domain);
    await stopped.relay.handle({ type: 'ready' });
    assert.equal(stopped.posted.length, 1);
    assert.match(JSON.stringify(stopped.posted[0]), /"type":"closed".*did not open: VM .* is shut-off: only a running VM has a console/);
  });
});
