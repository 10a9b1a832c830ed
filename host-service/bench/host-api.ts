// Benchmark (not a test): durable state writes, vlm-host start-up, and request latency and
// throughput over the socket on the libvirt test driver.
// Run: node --import tsx host-service/bench/host-api.ts [--quick]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HostInfoRequest, LabsPlanRequest, VmsListRequest } from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { StateStore } from '../src/state/state-store';
import { startLibvirtTestEnvironment } from '../local-libvirt/libvirt-environment';
import { buildHostBundle, connectClient, startHost } from '../test/api/host-process';

const quick = process.argv.includes('--quick');

function summary(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
  console.log(
    `${label.padEnd(44)} n=${String(sorted.length).padStart(5)}  p50 ${at(0.5).toFixed(2)} ms  p95 ${at(0.95).toFixed(2)} ms  max ${at(1).toFixed(2)} ms`,
  );
}

function lab(index: number): Lab {
  return {
    name: `lab-${index}`,
    networks: [{ name: 'lan', cidr: '10.30.0.0/24' }],
    vms: Array.from({ length: 4 }, (_, vm) => ({
      name: `vm-${vm}`,
      vcpu: 1,
      ram_mb: 256,
      disk_gb: 2,
      os_image: 'vlm-tiny',
      networks: ['lan'],
    })),
  };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'vlm-bench-'));
  try {
    // Durable writes: one acknowledged update each, small state and a state holding 50 labs.
    const store = await StateStore.open({ dataDirectory: join(work, 'state') });
    const writes = quick ? 50 : 300;
    for (const labs of [0, 50]) {
      await store.update((draft) => {
        for (let index = 0; index < labs; index += 1) {
          const now = new Date().toISOString();
          draft.labs[`lab-${index}`] = {
            name: `lab-${index}`,
            status: 'running',
            definition: lab(index),
            createdAt: now,
            updatedAt: now,
            resources: { domains: [], volumes: [], networks: [], ports: [] },
            deployLog: [],
          };
        }
      });
      const samples: number[] = [];
      for (let index = 0; index < writes; index += 1) {
        const started = performance.now();
        await store.update((draft) => {
          draft.event_sequence += 1;
        });
        samples.push(performance.now() - started);
      }
      summary(`state write (${labs} labs, ${Buffer.byteLength(JSON.stringify(store.state))} bytes)`, samples);
    }
    await store.close();

    const bundle = await buildHostBundle(work);
    const environment = await startLibvirtTestEnvironment();
    try {
      const startups: number[] = [];
      for (let run = 0; run < (quick ? 2 : 5); run += 1) {
        const started = performance.now();
        const host = await startHost({
          bundle,
          socketPath: join(work, 'vlm-host.sock'),
          dataDirectory: join(work, 'data'),
          busAddress: environment.busAddress,
        });
        startups.push(performance.now() - started);
        await host.stop();
      }
      summary('vlm-host spawn to ready line', startups);

      const host = await startHost({
        bundle,
        socketPath: join(work, 'vlm-host.sock'),
        dataDirectory: join(work, 'data'),
        busAddress: environment.busAddress,
      });
      const client = await connectClient(host.socketPath);
      const requests = quick ? 200 : 2000;
      for (const [label, send] of [
        ['host/info (one at a time)', () => client.sendRequest(HostInfoRequest.type, {})],
        ['vms/list (one at a time)', () => client.sendRequest(VmsListRequest.type, {})],
        ['labs/plan of a 4-VM lab (one at a time)', () => client.sendRequest(LabsPlanRequest.type, { lab: lab(1) })],
      ] as const) {
        const samples: number[] = [];
        for (let index = 0; index < requests; index += 1) {
          const started = performance.now();
          await send();
          samples.push(performance.now() - started);
        }
        summary(label, samples);
      }
      const started = performance.now();
      const concurrent = quick ? 1000 : 10_000;
      await Promise.all(Array.from({ length: concurrent }, () => client.sendRequest(VmsListRequest.type, {})));
      const seconds = (performance.now() - started) / 1000;
      console.log(`${'vms/list, all sent at once'.padEnd(44)} n=${concurrent}  ${(concurrent / seconds).toFixed(0)} requests/s`);
      client.close();
      await host.stop();
    } finally {
      await environment.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
