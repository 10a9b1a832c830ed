// A serial console through vlm-host, end to end: a vlm-tiny guest on qemu:///system (TCG), the
// real vlm-host on the QEMU driver over a private bus, a client typing a command and reading
// the guest shell's answer, and the console closing when the VM stops.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConsoleClosedNotification,
  ConsoleOutputNotification,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
  VmsForceStopRequest,
} from '@vlm/schemas/src/host-protocol';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import type { Hypervisor } from '../../src/libvirt/hypervisor';
import { connectLibvirt } from '../../src/libvirt/libvirt-dbus-hypervisor';
import { buildImage, type BuiltImage } from '../images/tiny-guest';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../support/test-libvirt';
import { waitUntil } from '../support/wait-until';
import { buildHostBundle, connectClient, startHost, type HostProcess } from '../api/host-process';

describe('serial console of a vlm-tiny guest through vlm-host', { timeout: 600_000 }, () => {
  let environment: LibvirtTestEnvironment;
  let hypervisor: Hypervisor;
  let image: BuiltImage;
  let work: string;
  let host: HostProcess;
  const domain = `vlm-console-test-${randomBytes(4).toString('hex')}`;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vlm-console-'));
    await chmod(work, 0o755);
    environment = await startLibvirtTestEnvironment({ realDaemons: true });
    image = await buildImage();
    hypervisor = await connectLibvirt({ driver: 'qemu', busAddress: environment.busAddress });
    const bundle = await buildHostBundle(work);
    host = await startHost({
      bundle,
      socketPath: join(work, 'vlm-host.sock'),
      dataDirectory: join(work, 'data'),
      busAddress: environment.busAddress,
      driver: 'qemu',
    });
  });

  after(async () => {
    await host?.stop();
    if (hypervisor) {
      await hypervisor.destroy(domain).catch(() => undefined);
      await hypervisor.undefine(domain).catch(() => undefined);
      await hypervisor.close();
    }
    await environment?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('typing a command gets the guest shell’s answer; stopping the VM closes the console', async () => {
    await hypervisor.defineDomain(
      buildDomainXml({
        name: domain,
        type: 'qemu',
        vcpu: 1,
        memoryMiB: 128,
        kernelBoot: { kernel: image.kernel, initrd: image.initramfs, cmdline: image.manifest.kernel_cmdline },
      }),
    );
    await hypervisor.start(domain);

    const client = await connectClient(host.socketPath);
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
