// Benchmark: the cost of one metrics sample for 100 running domains on libvirt's test driver.
//   ours:   MetricsSampler.sampleNow(): one GetAllDomainStats through libvirt-dbus for all
//           domains, turned into samples and kept in history
//   anchor: one `virsh domstats` process per interval, on a test driver file holding the same
//           100 running domains (what a cron job or script polling libvirt would run)
// The test driver reports only domain states, so both sides carry fewer stats than QEMU guests
// would; the figure is the per-interval overhead of the call path, not of QEMU's counters.
// Run: node --import tsx host-service/bench/metrics-sampling.ts [domains=100] [rounds=21]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLibvirtTestEnvironment } from '../local-libvirt/libvirt-environment';
import { buildDomainXml } from '../src/libvirt/domain-xml';
import { LibvirtDbusHypervisor } from '../src/libvirt/libvirt-dbus-hypervisor';
import { MetricsSampler } from '../src/metrics/metrics-sampler';
import { besideAnchor, median } from './libvirt-bench-statistics';

const domainCount = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 21);

const nameOf = (index: number) => `metrics-${String(index).padStart(3, '0')}`;

/** A test driver node file: its domains are running when virsh opens it. */
function testDriverNode(): string {
  const domains = Array.from(
    { length: domainCount },
    (_, index) =>
      `<domain type='test'><name>${nameOf(index)}</name><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`,
  );
  return `<node>${domains.join('')}</node>`;
}

/** One `virsh domstats`; resolves with how many domains it printed. */
function virshDomstats(uri: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('virsh', ['-c', uri, 'domstats'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(output.split('\n').filter((line) => line.startsWith('Domain:')).length)
        : reject(new Error(`virsh exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const environment = await startLibvirtTestEnvironment();
  const folder = mkdtempSync(join(tmpdir(), 'vlm-bench-metrics-'));
  try {
    const nodeFile = join(folder, 'node.xml');
    writeFileSync(nodeFile, testDriverNode());
    const hypervisor = await LibvirtDbusHypervisor.connect({
      driver: 'test',
      busAddress: environment.busAddress,
      pollIntervalMs: 3_600_000,
    });
    for (let index = 0; index < domainCount; index++) {
      await hypervisor.defineDomain(buildDomainXml({ name: nameOf(index), type: 'qemu', vcpu: 1, memoryMiB: 128 }));
      await hypervisor.start(nameOf(index));
    }
    const expected = domainCount + 1; // plus the test driver's own running domain
    const sampler = new MetricsSampler(hypervisor);
    const ours: number[] = [];
    const anchor: number[] = [];
    for (let round = 0; round < rounds; round++) {
      let start = performance.now();
      const batch = await sampler.sampleNow();
      ours.push(performance.now() - start);
      if (batch.samples.size !== expected) throw new Error(`the sampler saw ${batch.samples.size} domains, expected ${expected}`);

      start = performance.now();
      const printed = await virshDomstats(`test://${nodeFile}`);
      anchor.push(performance.now() - start);
      if (printed !== domainCount) throw new Error(`virsh printed ${printed} domains, expected ${domainCount}`);
    }
    sampler.close();
    await hypervisor.close();
    console.log(
      `One metrics sample of ${domainCount} running domains on libvirt's test driver, median of ${rounds} rounds (cores: shared)`,
    );
    console.log(besideAnchor('ours: 1 GetAllDomainStats + samples', median(ours), 'one `virsh domstats` process', median(anchor)));
    console.log(`ours takes ${((median(ours) / 2000) * 100).toFixed(2)}% of a 2 s sampling interval (wall time)`);
  } finally {
    await environment.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
