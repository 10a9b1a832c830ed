// Measures the vlm-tiny image: cold and warm build time, sizes, and boot-to-prompt and
// boot-to-SSH times under TCG (median of several boots).
//   node --import tsx host-service/test/images/measure-vlm-tiny.ts [BOOTS] [-- extra qemu arguments]
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNoCloudSeed } from '../../src/deploy/nocloud-seed';
import { buildImage, freePort, makeKey, requireTools, sshUntilConnected, startQemu } from './tiny-guest';

const separator = process.argv.indexOf('--');
const boots = Number(process.argv[2] !== undefined && process.argv[2] !== '--' ? process.argv[2] : 5);
const extraQemuArguments = separator >= 0 ? process.argv.slice(separator + 1) : [];
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  // The middle value, or the mean of the middle two.
  const middle = sorted.slice((sorted.length - 1) >> 1, (sorted.length >> 1) + 1);
  return middle.reduce((sum, value) => sum + value, 0) / middle.length;
};
const seconds = (value: number): string => `${value.toFixed(2)} s`;

async function main(): Promise<void> {
  requireTools('bash', 'setpriv', 'qemu-system-x86_64', 'qemu-img', 'genisoimage', 'ssh-keygen', 'ssh');
  const work = await mkdtemp(join(tmpdir(), 'vlm-tiny-measure-'));
  try {
    const cold = await buildImage(join(work, 'image'));
    const warm = await buildImage(join(work, 'image'));
    console.log(`build: cold ${seconds(cold.seconds)}, warm ${seconds(warm.seconds)} (${warm.output.trim()})`);
    let total = 0;
    for (const file of cold.manifest.files) {
      const size = (await stat(join(cold.directory, file.path))).size;
      total += size;
      console.log(`  ${file.path}: ${(size / 1024 / 1024).toFixed(2)} MiB`);
    }
    console.log(`  total: ${(total / 1024 / 1024).toFixed(2)} MiB`);

    const key = await makeKey(join(work, 'key'));
    const seedIso = join(work, 'seed.iso');
    await writeNoCloudSeed(seedIso, { instanceId: 'iid-measure', hostname: 'tiny-measure', sshAuthorizedKeys: [key.publicKey] });
    const promptTimes: number[] = [];
    const sshTimes: number[] = [];
    for (let boot = 1; boot <= boots; boot++) {
      const sshPort = await freePort();
      const guest = startQemu({ image: cold, sshPort, seedIso, logFile: join(work, `console-${boot}.log`), extraQemuArguments });
      try {
        await guest.serial.waitFor(/root@tiny-measure:[^\n]*# /, 180_000);
        const promptSeconds = (performance.now() - guest.startedAt) / 1000;
        promptTimes.push(promptSeconds);
        const result = await sshUntilConnected(key.privateKey, sshPort, 'hostname', 60_000);
        if (result.code !== 0 || result.stdout.trim() !== 'tiny-measure') throw new Error(`ssh failed: ${result.stderr}`);
        const sshSeconds = (performance.now() - guest.startedAt) / 1000;
        sshTimes.push(sshSeconds);
        console.log(`boot ${boot}: prompt ${seconds(promptSeconds)}, ssh ${seconds(sshSeconds)}`);
      } finally {
        await guest.stop();
      }
    }
    console.log(
      `median of ${boots} boots: prompt ${seconds(median(promptTimes))}, ssh ${seconds(median(sshTimes))}` +
        (extraQemuArguments.length > 0 ? ` (extra qemu arguments: ${extraQemuArguments.join(' ')})` : ''),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
