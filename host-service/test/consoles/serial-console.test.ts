// A serial console through vlm-host, end to end: a vlm-tiny guest on qemu:///system (TCG), the
// real vlm-host on the QEMU driver over a private bus, a client typing a command and reading
// the guest shell's answer, and the console closing when the VM stops.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  ConsoleClosedNotification,
  ConsoleOutputNotification,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
  VmsForceStopRequest,
} from '@vlm/schemas/src/host-protocol';
import { buildImage, directBootDomainXml, type BuiltImage } from '../images/tiny-guest';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';

describe('serial console of a vlm-tiny guest through vlm-host', { timeout: 600_000 }, () => {
  let fixture: HostFixture;
  let image: BuiltImage;
  const domain = `vlm-console-test-${randomBytes(4).toString('hex')}`;

  before(async () => {
    fixture = await startHostFixture({ name: 'console', driver: 'qemu', folderMode: 0o755, leftovers: { domains: [domain] } });
    image = await buildImage();
  });

  after(async () => {
    await fixture?.dispose();
  });

  test('typing a command gets the guest shell’s answer; stopping the VM closes the console', async () => {
    await fixture.hypervisor.defineDomain(directBootDomainXml(domain, image));
    await fixture.hypervisor.start(domain);

    const client = await fixture.connect();
    try {
      let output = '';
      const closed: string[] = [];
      client.onNotification(ConsoleOutputNotification.type, ({ data }) => (output += data));
      client.onNotification(ConsoleClosedNotification.type, ({ reason }) => closed.push(reason));
      const { consoleId } = await client.sendRequest(ConsolesOpenRequest.type, { vm: domain });
      assert.match(consoleId, /^[0-9a-f]{32}$/);
      assert.deepEqual(await client.sendRequest(ConsolesResizeRequest.type, { consoleId, columns: 120, rows: 40 }), {});

      // Press Enter until the shell prompts (the guest may still be booting when we attach).
      await waitUntil(
        'a shell prompt on the console',
        async () => {
          if (/# $/m.test(output)) return true;
          await client.sendRequest(ConsolesWriteRequest.type, { consoleId, data: '\r' });
          return false;
        },
        240_000,
        1000,
      );
      // The guest computes the answer, so seeing it proves input reached the shell.
      const written = await client.sendRequest(ConsolesWriteRequest.type, { consoleId, data: 'echo console-$((6*7))\r' });
      assert.equal(written.written, 'echo console-$((6*7))\r'.length);
      await waitUntil('the command output', () => /console-42/.test(output.replace('console-$((6*7))', '')), 60_000);

      await client.sendRequest(VmsForceStopRequest.type, { vm: domain });
      await waitUntil('the console to close', () => closed.length > 0, 30_000);
      assert.match(closed[0] as string, new RegExp(`console of ${domain} ended`));
    } finally {
      client.close();
    }
  });
});
