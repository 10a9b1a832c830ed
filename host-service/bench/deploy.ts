// Benchmark: deploying a lab of 4 vlm-tiny VMs on qemu:///system (TCG), all at once (parallel
// limit 4) against one at a time (limit 1), in the same run, alternating which goes first.
// A deploy ends when apply returns: every VM defined, started and accepting the service key over
// SSH. Destroy is not timed. Reports medians of the rounds and the ratio parallel/sequential.
// Run (root; starts virtlogd/libvirtd if needed): node --import tsx host-service/bench/deploy.ts [rounds=3]
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Lab } from '@vlm/schemas';
import { startLibvirtTestEnvironment } from '../local-libvirt/libvirt-environment';
import { connectLibvirt } from '../src/libvirt/libvirt-dbus-hypervisor';
import { StateStore } from '../src/state/state-store';
import { EventLog } from '../src/event-log';
import { ImageStore } from '../src/images/image-store';
import { LabDeployer } from '../src/deploy/lab-deployer';
import { volumePoolFor } from '../src/deploy/lab-resources';
import { median, milliseconds } from './libvirt-bench-statistics';

const rounds = Number(process.argv[2] ?? 3);
const vmCount = 4;
const repositoryRoot = join(__dirname, '..', '..');

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'vlm-bench-deploy-'));
  await chmod(work, 0o755);
  const dataDirectory = join(work, 'data');
  const environment = await startLibvirtTestEnvironment({ realDaemons: true });
  const hypervisor = await connectLibvirt({ driver: 'qemu', busAddress: environment.busAddress });
  const store = await StateStore.open({ dataDirectory, log: () => undefined });
  const events = await EventLog.create(store);
  const images = new ImageStore({ dataDirectory, sourceRoot: repositoryRoot, log: () => undefined });
  const run = randomBytes(2).toString('hex');
  const times: Record<'parallel' | 'sequential', number[]> = { parallel: [], sequential: [] };
  try {
    await images.pull('vlm-tiny');
    for (let round = 0; round < rounds; round += 1) {
      const order: Array<'parallel' | 'sequential'> = round % 2 === 0 ? ['sequential', 'parallel'] : ['parallel', 'sequential'];
      for (const mode of order) {
        const deployer = new LabDeployer({
          hypervisor,
          store,
          events,
          images,
          dataDirectory,
          parallelLimit: mode === 'parallel' ? vmCount : 1,
        });
        const lab: Lab = {
          name: `bench-${run}-${round}-${mode === 'parallel' ? 'p' : 's'}`,
          vms: Array.from({ length: vmCount }, (_, index) => ({
            name: `vm-${index}`,
            vcpu: 1,
            ram_mb: 128,
            disk_gb: 1,
            os_image: 'vlm-tiny',
          })),
        };
        const started = performance.now();
        try {
          await deployer.apply(lab);
          times[mode].push(performance.now() - started);
        } finally {
          if (store.state.labs[lab.name]) await deployer.destroy(lab.name);
        }
        process.stderr.write(`round ${round + 1} ${mode}: ${milliseconds(times[mode].at(-1) ?? Number.NaN)}\n`);
      }
    }
  } finally {
    const pool = volumePoolFor(dataDirectory);
    for (const volume of await hypervisor.listVolumes(pool).catch(() => []))
      await hypervisor.deleteVolume(pool, volume.name).catch(() => undefined);
    await hypervisor.destroyStoragePool(pool).catch(() => undefined);
    await hypervisor.undefineStoragePool(pool).catch(() => undefined);
    await store.close();
    await hypervisor.close();
    await environment.stop();
    await rm(work, { recursive: true, force: true });
  }
  const sequential = median(times.sequential);
  const parallel = median(times.parallel);
  console.log(`deploy ${vmCount} vlm-tiny VMs to SSH-ready on qemu:///system (TCG), ${cpus().length} cores, ${rounds} round(s), medians:`);
  console.log(`  anchor: one at a time (limit 1)   ${milliseconds(sequential)}   rounds ${times.sequential.map(milliseconds).join(', ')}`);
  console.log(
    `  ours:   all at once (limit ${vmCount})     ${milliseconds(parallel)}   rounds ${times.parallel.map(milliseconds).join(', ')}`,
  );
  console.log(`  ratio parallel/sequential: ${(parallel / sequential).toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
