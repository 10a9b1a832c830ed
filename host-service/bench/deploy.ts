// Benchmark: deploying a lab of 4 vlm-tiny VMs on qemu:///system (TCG), all at once (the
// deployer's own limit, from the host's cores) against one at a time (limit 1), in the same run,
// alternating which goes first. A deploy ends when apply returns: every VM defined, started and
// accepting the service key over SSH. Destroy is not timed. Reports medians of the rounds and the
// ratio ours/one-at-a-time, with the load average (TCG boots are CPU-bound: a busy host skews it).
// Extra limits after the rounds (e.g. `3 4`) are measured too, for comparison.
// Run (root; starts virtlogd/libvirtd if needed): node --import tsx host-service/bench/deploy.ts [rounds=3] [LIMIT...]
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
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
import { defaultParallelLimit } from '../src/deploy/deploy-context';
import { volumePoolFor } from '../src/deploy/lab-resources';
import { median, milliseconds } from './libvirt-bench-statistics';

const rounds = Number(process.argv[2] ?? 3);
const extraLimits = process.argv.slice(3).map(Number);
for (const value of [rounds, ...extraLimits]) {
  if (!Number.isInteger(value) || value < 1 || value > 64)
    throw new Error(`Rounds and limits must be whole numbers from 1 to 64, not ${value}.`);
}
const vmCount = 4;
/** Each mode: its label and the deployer's parallel limit (undefined: the deployer's default). */
const modes: Array<{ label: string; limit: number | undefined }> = [
  { label: 'one at a time (limit 1), anchor', limit: 1 },
  { label: `ours (default limit ${defaultParallelLimit()})`, limit: undefined },
  ...extraLimits.map((limit) => ({ label: `limit ${limit}`, limit })),
];
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
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
  const times = modes.map(() => [] as number[]);
  const loadBefore = loadAverage();
  try {
    await images.pull('vlm-tiny');
    for (let round = 0; round < rounds; round += 1) {
      // Alternate the order so drift in the host's load hits every mode alike.
      const order = modes.map((_, index) => index);
      if (round % 2 === 1) order.reverse();
      for (const mode of order) {
        const limit = modes[mode]?.limit;
        const deployer = new LabDeployer({
          hypervisor,
          store,
          events,
          images,
          dataDirectory,
          ...(limit === undefined ? {} : { parallelLimit: limit }),
        });
        const lab: Lab = {
          name: `bench-${run}-${round}-${mode}`,
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
          times[mode]?.push(performance.now() - started);
        } finally {
          if (store.state.labs[lab.name]) await deployer.destroy(lab.name);
        }
        process.stderr.write(`round ${round + 1} ${modes[mode]?.label}: ${milliseconds(times[mode]?.at(-1) ?? Number.NaN)}\n`);
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
  const anchor = median(times[0] ?? []);
  console.log(
    `deploy ${vmCount} vlm-tiny VMs to SSH-ready on qemu:///system (TCG), ${cpus().length} cores, ${rounds} round(s), medians; load average ${loadBefore} before, ${loadAverage()} after:`,
  );
  for (const [index, mode] of modes.entries()) {
    const figure = median(times[index] ?? []);
    const ratio = index === 0 ? '' : `   ratio ${(figure / anchor).toFixed(2)}x`;
    console.log(
      `  ${mode.label.padEnd(34)} ${milliseconds(figure).padStart(9)}${ratio}   rounds ${(times[index] ?? []).map(milliseconds).join(', ')}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
