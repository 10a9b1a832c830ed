// Builds the vlm-tiny guest and boots it under QEMU (TCG) the way a user would check it:
// a root prompt on the serial console naming the seed's hostname, and SSH with the seed's key.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeNoCloudSeed } from '../../src/deploy/nocloud-seed';
import {
  buildImage,
  freePort,
  makeKey,
  requireTools,
  runFile,
  sshOptions,
  sshUntilConnected,
  startQemu,
  type BuiltImage,
  type QemuGuest,
} from './tiny-guest';

const bootTimeoutMs = 180_000;
const promptFor = (hostname: string): RegExp => new RegExp(`root@${hostname}:[^\\n]*# `);

let image: BuiltImage;
let workDirectory: string;
const guests: QemuGuest[] = [];

before(async () => {
  requireTools('bash', 'setpriv', 'qemu-system-x86_64', 'qemu-img', 'genisoimage', 'ssh-keygen', 'ssh-keyscan', 'ssh');
  workDirectory = await mkdtemp(join(tmpdir(), 'vlm-tiny-test-'));
  image = await buildImage();
});

after(async () => {
  await Promise.all(guests.map((guest) => guest.stop()));
  if (workDirectory !== undefined) await rm(workDirectory, { recursive: true, force: true });
});

/** Boots vlm-tiny from a seed with `hostname`, a fresh key and one static lab address, plus a DHCP lab NIC. */
async function startSeededGuest(
  hostname: string,
): Promise<{ guest: QemuGuest; key: { privateKey: string; publicKey: string }; sshPort: number }> {
  const key = await makeKey(join(workDirectory, 'seeded-key'));
  const seedIso = join(workDirectory, 'seed.iso');
  await writeNoCloudSeed(seedIso, {
    instanceId: 'iid-vlm-tiny-test',
    hostname,
    sshAuthorizedKeys: [key.publicKey],
    interfaces: [{ name: 'eth1', addresses: ['10.77.0.5/24'] }],
  });
  const sshPort = await freePort();
  const guest = startQemu({
    image,
    sshPort,
    seedIso,
    logFile: join(workDirectory, 'seeded-console.log'),
    // Two lab NICs, each on its own isolated user network: one for the seed's static
    // address, one for DHCP in the background (QEMU's DHCP there hands out 10.99.0.15).
    extraQemuArguments: [
      '-netdev',
      'user,id=n1,restrict=on',
      '-device',
      'virtio-net-pci,netdev=n1',
      '-netdev',
      'user,id=n2,restrict=on,net=10.99.0.0/24',
      '-device',
      'virtio-net-pci,netdev=n2',
    ],
  });
  guests.push(guest);
  return { guest, key, sshPort };
}

/** eth2's addresses once its background DHCP lease (10.99.0.15) shows, or as they are after 30 s. */
async function dhcpLabAddress(privateKey: string, sshPort: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  let lab = '';
  while (!/inet 10\.99\.0\.15\/24/.test(lab) && Date.now() < deadline) {
    lab = (await runFile('ssh', [...sshOptions(privateKey, sshPort), 'root@127.0.0.1', 'ip -4 -o addr show dev eth2'], 30_000)).stdout;
  }
  return lab;
}

describe('vlm-tiny guest image', { timeout: 900_000 }, () => {
  test('a second build finds the image up to date, and the manifest matches the files', async () => {
    const again = await buildImage();
    assert.match(again.output, /is up to date/);
    assert.deepEqual(again.manifest, image.manifest);
    assert.deepEqual(image.manifest.files.map((file) => file.role).sort(), ['disk', 'initramfs', 'kernel']);
    for (const file of image.manifest.files) {
      const bytes = await readFile(join(image.directory, file.path));
      assert.equal(bytes.length, file.size, `${file.path} size`);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), file.sha256, `${file.path} sha256`);
    }
    assert.match(image.manifest.kernel_cmdline, /console=ttyS0/);
  });
});

describe('vlm-tiny guest boots from a seed', { timeout: 900_000 }, () => {
  test('boots from a NoCloud seed: its hostname at the prompt, its key for SSH, static and DHCP addresses on lab NICs', async (t) => {
    const hostname = 'tiny-seeded';
    const otherKey = await makeKey(join(workDirectory, 'other-key'));
    const { guest, key, sshPort } = await startSeededGuest(hostname);

    await guest.serial.waitFor(promptFor(hostname), bootTimeoutMs);
    const promptSeconds = (performance.now() - guest.startedAt) / 1000;
    assert.match(guest.serial.text, /seed found on \/dev\/sr0/);

    // The console shell runs what is typed (the shell computes 42, the echo alone would not).
    const typedAt = guest.serial.text.length;
    guest.type('echo "sum=$((40 + 2))"; hostname');
    await guest.serial.waitFor(new RegExp(`sum=42\\r?\\n${hostname}\\r?\\n`), 30_000, typedAt);

    const result = await sshUntilConnected(key.privateKey, sshPort, 'hostname', 60_000);
    const sshSeconds = (performance.now() - guest.startedAt) / 1000;
    assert.equal(result.code, 0, `ssh failed: ${result.stderr}`);
    assert.equal(result.stdout.trim(), hostname);

    const addresses = await runFile('ssh', [...sshOptions(key.privateKey, sshPort), 'root@127.0.0.1', 'ip -4 -o addr show'], 30_000);
    assert.match(addresses.stdout, /eth0\s+inet 10\.0\.2\.15\/24/);
    assert.match(addresses.stdout, /eth1\s+inet 10\.77\.0\.5\/24/);
    const lab = await dhcpLabAddress(key.privateKey, sshPort);
    assert.match(lab, /eth2\s+inet 10\.99\.0\.15\/24/, 'the second lab NIC gets its DHCP lease in the background');

    // The host key printed on the console is the one the SSH server presents, so it can be pinned.
    const printed = /-----BEGIN SSH HOST KEY KEYS-----\r?\n(ssh-ed25519 \S+)/.exec(guest.serial.text)?.[1];
    assert.ok(printed, 'the console shows the host key');
    const scanned = await runFile('ssh-keyscan', ['-t', 'ed25519', '-p', String(sshPort), '127.0.0.1'], 30_000);
    assert.ok(scanned.stdout.includes(printed), `ssh-keyscan saw ${scanned.stdout}`);

    const refused = await runFile('ssh', [...sshOptions(otherKey.privateKey, sshPort), 'root@127.0.0.1', 'hostname'], 30_000);
    assert.equal(refused.code, 255, 'a key that is not in the seed must not log in');
    assert.match(refused.stderr, /Permission denied/);

    t.diagnostic(`boot to prompt ${promptSeconds.toFixed(1)} s, boot to SSH ${sshSeconds.toFixed(1)} s (TCG)`);
    await guest.stop();
  });
});

describe('vlm-tiny guest boots without a seed', { timeout: 900_000 }, () => {
  test('boots to a prompt without a seed, keeping its default hostname; vlm.ip sets a static address', async () => {
    const guest = startQemu({
      image,
      sshPort: await freePort(),
      logFile: join(workDirectory, 'unseeded-console.log'),
      extraKernelArguments: 'vlm.ip.eth1=10.88.0.7/24',
      extraQemuArguments: ['-netdev', 'user,id=n1,restrict=on', '-device', 'virtio-net-pci,netdev=n1'],
    });
    guests.push(guest);
    await guest.serial.waitFor(promptFor('vlm-tiny'), bootTimeoutMs);
    assert.match(guest.serial.text, /no seed \(no filesystem labelled cidata\)/);
    assert.match(guest.serial.text, /vlm-tiny: ready/);
    // No seed, so no SSH login: check the address from the console shell.
    const typedAt = guest.serial.text.length;
    guest.type('ip -4 -o addr show dev eth1; wc -l < /root/.ssh/authorized_keys');
    const shown = await guest.serial.waitFor(/eth1\s+inet (\S+)[^\n]*\n(?:[^\n]*\n)*?\s*(\d+)\r?\n/, 30_000, typedAt);
    assert.equal(shown[1], '10.88.0.7/24');
    assert.equal(shown[2], '0', 'no authorized keys without a seed');
    await guest.stop();
  });
});
