// The sampler on a real vlm-tiny guest (qemu:///system, TCG): the test driver reports states only,
// so this is where CPU %, memory and disk rates are seen for real. One guest, kept lean.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { VmMetricsSample } from '@vlm/schemas/src/host-protocol';
import { writeNoCloudSeed } from '../../src/deploy/nocloud-seed';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { MetricsSampler } from '../../src/metrics/metrics-sampler';
import { buildImage, requireTools } from '../images/tiny-guest';
import { startHostFixture, type HostFixture } from '../support/host-fixture';

const domain = `vlm-metrics-${randomBytes(4).toString('hex')}`;
let fixture: HostFixture;

before(async () => {
  requireTools('genisoimage', 'virsh', 'libvirtd', 'virtlogd');
  // QEMU runs as another user under qemu:///system: it must reach the kernel and the seed.
  fixture = await startHostFixture({
    name: 'metrics-qemu',
    driver: 'qemu',
    folderMode: 0o755,
    startHost: false,
    leftovers: { domains: [domain] },
  });
  const seed = join(fixture.folder, 'seed.iso');
  await writeNoCloudSeed(seed, { instanceId: domain, hostname: 'metrics-guest', sshAuthorizedKeys: [] });
  const image = await buildImage();
  await fixture.hypervisor.defineDomain(
    buildDomainXml({
      name: domain,
      type: 'qemu',
      vcpu: 1,
      memoryMiB: 128,
      kernelBoot: { kernel: image.kernel, initrd: image.initramfs, cmdline: image.manifest.kernel_cmdline },
      disk: { path: seed, format: 'raw' },
    }),
  );
});

after(async () => {
  await fixture?.dispose();
});

describe('VM metrics of a real vlm-tiny guest', () => {
  test('a booting guest shows CPU %, memory in use and disk reads; stopped, it has no latest sample', async () => {
    const sampler = new MetricsSampler(fixture.hypervisor);
    const deadline = Date.now() + 120_000;
    try {
      const busy = new Promise<VmMetricsSample>((resolve, reject) => {
        sampler.onSample((batch) => {
          const sample = batch.samples.get(domain);
          if (sample && (sample.cpuPercent ?? 0) > 0 && sample.diskReadBytesPerSecond !== null) resolve(sample);
          else if (Date.now() > deadline) reject(new Error(`no CPU % and disk rate for ${domain} within 120 s: ${JSON.stringify(sample)}`));
        });
        sampler.onError(reject);
      });
      sampler.demand(1_000);
      await fixture.hypervisor.start(domain);
      const sample = await busy;
      assert.equal(sample.state, 'running');
      assert.equal(sample.vcpus, 1);
      assert.ok(sample.cpuPercent !== null && sample.cpuPercent > 0 && sample.cpuPercent <= 100, `CPU % ${sample.cpuPercent}`);
      assert.notEqual(sample.memorySource, 'none', 'QEMU reports at least its resident size');
      assert.ok((sample.memoryUsedBytes ?? 0) > 0);
      assert.ok(sampler.history(domain).length >= 2);

      // Destroyed: libvirt may still list it, shut off, for a moment; it has no latest sample.
      await fixture.hypervisor.destroy(domain);
      await sampler.sampleNow();
      assert.equal(sampler.latest(domain), undefined);
    } finally {
      sampler.close();
      await fixture.hypervisor.destroy(domain).catch(() => undefined);
    }
  });
});
