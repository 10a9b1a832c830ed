// The NoCloud seed writer: what it refuses, what the ISO holds, and that vlm-tiny's own
// readers (the awk scripts its init runs) get back the hostname, keys and addresses.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  isValidHostname,
  isValidSshPublicKey,
  renderNetworkConfig,
  renderUserData,
  SeedError,
  writeNoCloudSeed,
  type NoCloudSeedOptions,
} from '../../src/deploy/nocloud-seed';
import { labNics, nicMac, seedInterfaces } from '../../src/deploy/lab-addresses';
import { makeKey, repositoryRoot, requireTools, runFile } from './tiny-guest';

const guestFiles = join(repositoryRoot, 'host-service/vlm-tiny/vlm-tiny-guest');

async function runAwk(script: string, input: string, variables: string[], directory: string): Promise<string> {
  const inputFile = join(directory, `awk-input-${Math.random().toString(36).slice(2)}`);
  await writeFile(inputFile, input);
  const result = await runFile(
    'busybox',
    ['awk', ...variables.flatMap((variable) => ['-v', variable]), '-f', join(guestFiles, script), inputFile],
    10_000,
  );
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

let directory: string;
let publicKey: string;
let options: NoCloudSeedOptions;

before(async () => {
  requireTools('genisoimage', 'isoinfo', 'ssh-keygen', 'busybox');
  directory = await mkdtemp(join(tmpdir(), 'vlm-seed-test-'));
  publicKey = (await makeKey(join(directory, 'key'))).publicKey;
  options = {
    instanceId: 'iid-lab-1.web',
    hostname: 'web-1',
    sshAuthorizedKeys: [publicKey, `${publicKey.replace(/ vlm-test$/, '')} "quoted" \\ comment`],
    interfaces: [
      { name: 'eth1', addresses: ['10.1.0.5/24', '10.1.0.6/24'], gateway4: '10.1.0.1' },
      { name: 'lab2', macAddress: '52:54:00:AB:CD:EF', dhcp4: true },
      { name: 'eth3' },
    ],
  };
});

after(async () => {
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

describe('NoCloud seed: what it refuses', () => {
  test('hostnames must be one DNS label', () => {
    for (const good of ['web-1', 'a', 'A1', 'x'.repeat(63)]) assert.ok(isValidHostname(good), good);
    for (const bad of ['', '-web', 'web-', 'web.lab', 'web_1', 'x'.repeat(64), 'web\n1', 'wéb'])
      assert.ok(!isValidHostname(bad), JSON.stringify(bad));
  });

  test('SSH keys must be one OpenSSH public key line whose data matches its type', () => {
    assert.ok(isValidSshPublicKey(publicKey));
    const data = publicKey.split(' ')[1] ?? '';
    assert.ok(data !== '', 'the key has a data field');
    assert.ok(isValidSshPublicKey(`ssh-ed25519 ${data}`), 'without a comment');
    for (const bad of [
      `ssh-rsa ${data} mislabelled`,
      `ssh-ed25519 ${data.slice(0, -8)}`,
      `ssh-ed25519 ${data} two\nlines`,
      `command="/bin/sh" ssh-ed25519 ${data}`,
      `ssh-ed25519  ${data}`,
      'ssh-ed25519 AAAA',
      '',
    ])
      assert.ok(!isValidSshPublicKey(bad), JSON.stringify(bad));
  });

  test('invalid values are refused before anything is written', async () => {
    const path = join(directory, 'refused.iso');
    await assert.rejects(writeNoCloudSeed(path, { ...options, hostname: 'bad name' }), SeedError);
    await assert.rejects(writeNoCloudSeed(path, { ...options, sshAuthorizedKeys: ['not a key'] }), /SSH key 1/);
    await assert.rejects(writeNoCloudSeed(path, { ...options, instanceId: '../x' }), /instance id/);
    await assert.rejects(writeNoCloudSeed(path, { ...options, interfaces: [{ name: 'eth1', addresses: ['10.1.0.300/24'] }] }), /address/);
    await assert.rejects(writeNoCloudSeed('relative.iso', options), /absolute/);
    assert.equal(existsSync(path), false);
  });
});

describe('NoCloud seed: what the ISO holds and the guest reads back', () => {
  test('the ISO is labelled cidata, readable by its owner only, and holds meta-data and user-data with the exact names', async () => {
    const path = join(directory, 'seed.iso');
    await writeNoCloudSeed(path, options);
    // user-data may hold passwords.
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    // The primary volume descriptor starts at 32768; its volume id is bytes 40-71.
    const file = await open(path, 'r');
    const descriptor = Buffer.alloc(72);
    await file.read(descriptor, 0, 72, 32768);
    await file.close();
    assert.equal(descriptor.subarray(40, 72).toString('ascii').trimEnd(), 'cidata');
    const extract = async (name: string): Promise<string> =>
      (await runFile('isoinfo', ['-R', '-i', path, '-x', `/${name}`], 10_000)).stdout;
    assert.equal(await extract('meta-data'), 'instance-id: "iid-lab-1.web"\nlocal-hostname: "web-1"\n');
    assert.equal(await extract('user-data'), renderUserData(options));
    assert.equal(await extract('network-config'), renderNetworkConfig(options));
  });

  test("vlm-tiny's init reads back the hostname, every key and the interface settings", async () => {
    const userData = renderUserData(options);
    assert.equal(await runAwk('cloud-config.awk', userData, ['want=scalar', 'key=hostname'], directory), 'web-1\n');
    assert.equal(await runAwk('cloud-config.awk', userData, ['want=keys'], directory), `${options.sshAuthorizedKeys.join('\n')}\n`);
    const networkConfig = renderNetworkConfig(options) ?? '';
    assert.equal(
      await runAwk('network-config.awk', networkConfig, [], directory),
      'eth1 10.1.0.5/24,10.1.0.1\n52:54:00:ab:cd:ef dhcp\neth3 none\n',
    );
  });
});

describe('NoCloud seed of a lab VM', () => {
  test("a lab VM's network-config names every NIC by its MAC: static, DHCP, and no address where the network serves none", async () => {
    const lab = {
      name: 'web-lab',
      networks: [
        { name: 'lan', cidr: '10.20.1.0/24' },
        { name: 'out', cidr: '10.20.2.0/24', mode: 'nat' as const },
        { name: 'quiet', cidr: '10.20.3.0/24', dhcp: false },
      ],
      vms: [
        {
          name: 'db',
          vcpu: 1,
          ram_mb: 128,
          disk_gb: 1,
          os_image: 'vlm-tiny',
          networks: [{ name: 'lan', ip: '10.20.1.010' }, { name: 'out', ip: '10.20.2.7' }, 'lan', 'quiet'],
        },
      ],
    };
    const [vm] = lab.vms;
    assert.ok(vm);
    const macs = labNics(lab, vm).map((nic) => nic.mac);
    assert.equal(new Set([...macs, nicMac('web-lab', 'db', 'management')]).size, 5);
    assert.equal(nicMac('web-lab', 'db', 0), macs[0], 'the same names give the same MAC on every apply');
    assert.notEqual(nicMac('web', 'lab-db', 0), macs[0], 'the MAC depends on each name, not on their joined text');
    const interfaces = seedInterfaces(lab, vm);
    assert.ok(interfaces, 'a VM with networks has seed interfaces');
    const networkConfig = renderNetworkConfig({ ...options, interfaces }) ?? '';
    assert.equal(
      await runAwk('network-config.awk', networkConfig, [], directory),
      [
        `${nicMac('web-lab', 'db', 'management')} dhcp`,
        // The address is written canonically; on the NAT network the host is the gateway.
        `${macs[0]} 10.20.1.10/24`,
        `${macs[1]} 10.20.2.7/24,10.20.2.1`,
        `${macs[2]} dhcp`,
        `${macs[3]} none`,
        '',
      ].join('\n'),
    );
    assert.equal(seedInterfaces(lab, { ...vm, networks: [] }), undefined);
  });
});
