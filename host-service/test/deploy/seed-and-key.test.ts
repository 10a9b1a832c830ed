// The pieces apply puts into each guest: the seed disk's place in the domain XML (IDE on 'pc',
// or virtio; never SATA, which 'pc' lacks), the virtio RNG, the service's own SSH key, and the
// user-data merged from the lab's cloud_init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { buildDomainXml, type DomainSpec } from '../../src/libvirt/domain-xml';
import { HypervisorError } from '../../src/libvirt/hypervisor';
import { descendants, parseXml } from '../../src/libvirt/xml-parse';
import {
  generateSshKeyPair,
  labKeyPathForDomain,
  loadLabSshKey,
  loadServiceSshKey,
  publicKeyProblem,
  removeLabSshKey,
} from '../../src/deploy/service-ssh-key';
import type { HostState, LabRecord } from '../../src/state/state-shape';
import { StateStore } from '../../src/state/state-store';
import { LabDeployer } from '../../src/deploy/lab-deployer';
import type { EventLog } from '../../src/event-log';
import type { ImageStore } from '../../src/images/image-store';
import type { Hypervisor } from '../../src/libvirt/hypervisor';
import { seedPathFor } from '../../src/deploy/lab-resources';
import { CloudInitError, mergeCloudConfig } from '../../src/deploy/cloud-config';
import { parse as parseYaml } from 'yaml';

const spec: DomainSpec = {
  name: 'lab-vm',
  type: 'qemu',
  vcpu: 1,
  memoryMiB: 128,
  disk: { path: '/pool/lab-vm.qcow2' },
  cdrom: '/pool/lab-vm.seed.iso',
};

function disks(xml: string) {
  return descendants(parseXml(xml), 'disk').map((disk) => {
    const target = descendants(disk, 'target')[0]?.attributes ?? {};
    return `${disk.attributes.device} ${target.dev} ${target.bus}`;
  });
}

test('the seed goes on IDE by default and on virtio when asked; never on SATA', () => {
  assert.deepEqual(disks(buildDomainXml(spec)), ['disk vda virtio', 'cdrom hdc ide']);
  assert.deepEqual(disks(buildDomainXml({ ...spec, cdromBus: 'virtio' })), ['disk vda virtio', 'disk vdb virtio']);
  assert.equal(buildDomainXml(spec).includes('sata'), false);
  assert.throws(
    () => buildDomainXml({ ...spec, cdromBus: 'sata' as 'ide' }),
    (error: unknown) => error instanceof HypervisorError && /Invalid CD-ROM bus "sata": expected 'ide' or 'virtio'/.test(error.message),
  );
});

test('a virtio RNG is there unless turned off', () => {
  assert.equal(descendants(parseXml(buildDomainXml(spec)), 'rng')[0]?.attributes.model, 'virtio');
  assert.deepEqual(descendants(parseXml(buildDomainXml({ ...spec, randomNumberGenerator: false })), 'rng'), []);
});

test('seed paths are built from checked names only', () => {
  assert.equal(seedPathFor('/data/pool', 'web', 'db'), '/data/pool/web.db.seed.iso');
  assert.throws(() => seedPathFor('/data/pool', 'web', '../etc'), /invalid VM name/);
});

test('the service key is made once per data directory, private (0600), and reused', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-service-key-'));
  try {
    const first = await loadServiceSshKey(directory);
    assert.equal(first.privateKeyPath, join(directory, 'ssh', 'id_ed25519'));
    assert.equal((await stat(first.privateKeyPath)).mode & 0o777, 0o600);
    assert.match(first.publicKey, /^ssh-ed25519 [A-Za-z0-9+/=]+ vlm-host@/);
    const parsed = utils.parseKey(await readFile(first.privateKeyPath, 'utf8'));
    assert.ok(!(parsed instanceof Error) && parsed.type === 'ssh-ed25519');
    const second = await loadServiceSshKey(directory);
    assert.equal(second.publicKey, first.publicKey, 'the same key on the next start');
    assert.equal(second.privateKey, first.privateKey);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test("the lab's cloud-config is merged with the hostname and keys; scripts and non-mappings are refused", () => {
  const keys = ['ssh-ed25519 AAAAservice vlm-host@h'];
  const merged = parseYaml(
    mergeCloudConfig({
      hostname: 'web',
      sshAuthorizedKeys: keys,
      cloudInit: '#cloud-config\npackages: [nginx]\nssh_authorized_keys:\n  - ssh-ed25519 AAAAuser me\n',
    }),
  );
  assert.deepEqual(merged, {
    hostname: 'web',
    packages: ['nginx'],
    ssh_authorized_keys: ['ssh-ed25519 AAAAservice vlm-host@h', 'ssh-ed25519 AAAAuser me'],
  });
  assert.equal(
    parseYaml(mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: [], cloudInit: '#cloud-config\nhostname: chosen\n' })).hostname,
    'chosen',
  );
  assert.match(
    mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: keys }),
    /^#cloud-config\nhostname: "web"\nssh_authorized_keys:\n {2}- "ssh-ed25519 AAAAservice vlm-host@h"\n$/,
  );
  assert.throws(() => mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: [], cloudInit: '#!/bin/sh\necho hi\n' }), CloudInitError);
  assert.throws(() => mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: [], cloudInit: '#cloud-config\n- a\n' }), /must be a mapping/);
  assert.throws(
    () => mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: [], cloudInit: '#cloud-config\nssh_authorized_keys: 5\n' }),
    /must be a list of key lines/,
  );
});

test('20,000 generated keys: every public line is 32 bytes of ed25519 and matches its private key', () => {
  for (let index = 0; index < 20_000; index += 1) {
    const pair = generateSshKeyPair('vlm-test');
    const problem = publicKeyProblem(pair.publicKey);
    if (problem !== undefined) assert.fail(`key ${index}: ${problem}: ${pair.publicKey}`);
    const parsed = utils.parseKey(pair.privateKey);
    if (parsed instanceof Error || Array.isArray(parsed)) assert.fail(`key ${index}: the private key does not parse`);
    if (parsed.getPublicSSH().toString('base64') !== pair.publicKey.split(' ')[1])
      assert.fail(`key ${index}: the private key's public half differs`);
  }
});

test('a public key line with dropped bytes (as ssh2 once made) is found out', () => {
  const good = generateSshKeyPair('c').publicKey;
  assert.equal(publicKeyProblem(good), undefined);
  // The blob of a key whose first public byte was 0 and got dropped: 31 bytes of key.
  const blob = Buffer.from(good.split(' ')[1] as string, 'base64');
  const short = Buffer.concat([blob.subarray(0, 15), Buffer.from([0, 0, 0, 31]), blob.subarray(20)]);
  assert.match(publicKeyProblem(`ssh-ed25519 ${short.toString('base64')} c`) ?? '', /key blob has 50 bytes, not 51/);
  assert.match(publicKeyProblem('ssh-rsa AAAA c') ?? '', /type is "ssh-rsa"/);
  assert.match(publicKeyProblem('') ?? '', /not one line/);
});

test('a key read from disk is checked: a bad public line is rebuilt from the private key, a bad private key replaced', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-key-check-'));
  try {
    const lines: string[] = [];
    const first = await loadServiceSshKey(directory, (line) => lines.push(line));
    const path = join(directory, 'ssh', 'id_ed25519');
    // A public line 30 bytes short of a key, as a data directory of the old generator may hold.
    await writeFile(`${path}.pub`, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAHgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA old\n');
    const repaired = await loadServiceSshKey(directory, (line) => lines.push(line));
    assert.equal(repaired.privateKey, first.privateKey, 'the private key is kept');
    assert.equal(repaired.publicKey.split(' ')[1], first.publicKey.split(' ')[1]);
    assert.equal((await readFile(`${path}.pub`, 'utf8')).split(' ')[1], first.publicKey.split(' ')[1]);
    assert.match(
      lines.at(-1) ?? '',
      new RegExp(
        `The SSH public key ${path}\\.pub is malformed \\(its key blob has \\d+ bytes, not 51 .*\\): rebuilt it from the private key`,
      ),
    );

    await writeFile(path, 'not a key\n', { mode: 0o644 });
    const replaced = await loadServiceSshKey(directory, (line) => lines.push(line));
    assert.notEqual(replaced.privateKey, first.privateKey);
    assert.equal(publicKeyProblem(replaced.publicKey), undefined);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.match(lines.at(-1) ?? '', new RegExp(`The SSH private key ${path} is not a usable ed25519 key: replaced it with a new pair`));
    assert.equal(lines.length, 2);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('each lab has its own key pair in ssh/labs/LAB (0700 folder, 0600 key), removed with the lab', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-lab-key-'));
  try {
    const web = await loadLabSshKey(directory, 'web');
    const shop = await loadLabSshKey(directory, 'constructor');
    assert.equal(web.privateKeyPath, join(directory, 'ssh', 'labs', 'web', 'id_ed25519'));
    assert.notEqual(web.publicKey.split(' ')[1], shop.publicKey.split(' ')[1]);
    assert.equal((await stat(web.privateKeyPath)).mode & 0o777, 0o600);
    assert.equal((await stat(join(directory, 'ssh', 'labs', 'web'))).mode & 0o777, 0o700);
    assert.equal((await loadLabSshKey(directory, 'web')).privateKey, web.privateKey, 'the same key on the next apply');
    await removeLabSshKey(directory, 'web');
    await assert.rejects(stat(join(directory, 'ssh', 'labs', 'web')), /ENOENT/);
    await stat(shop.privateKeyPath);
    await assert.rejects(loadLabSshKey(directory, '../ssh'), /invalid lab name/);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

/** A recorded lab with one domain; `sshKey` absent as in records written before per-lab keys. */
const record = (name: string, sshKey: 'lab' | undefined): LabRecord => ({
  name,
  status: 'running',
  definition: { name, vms: [{ name: 'vm', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
  createdAt: '',
  updatedAt: '',
  resources: { domains: [{ name: `${name}-vm`, vm: 'vm', uuid: `uuid-${name}` }], volumes: [], networks: [], ports: [] },
  deployLog: [],
  ...(sshKey === undefined ? {} : { sshKey }),
});

test('consoles find the key of the lab that recorded the domain; older labs and foreign domains use the service key', async () => {
  const state: HostState = {
    schema_version: 2,
    event_sequence: 0,
    labs: { web: record('web', 'lab'), old: record('old', undefined) },
    allocated_ports: [],
    running_intervals: [],
  };
  assert.equal(labKeyPathForDomain('/data', state, { name: 'web-vm', uuid: 'uuid-web' }), '/data/ssh/labs/web/id_ed25519');
  assert.equal(labKeyPathForDomain('/data', state, { name: 'old-vm', uuid: 'uuid-old' }), undefined, 'a lab from before per-lab keys');
  assert.equal(
    labKeyPathForDomain('/data', state, { name: 'web-vm', uuid: 'another-uuid' }),
    undefined,
    'a domain of the same name that the lab did not make',
  );
  assert.equal(labKeyPathForDomain('/data', state, { name: 'stranger', uuid: 'u' }), undefined);
});

test('a lab deployed before per-lab keys keeps the service key its VMs trust; a new lab gets its own', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-legacy-key-'));
  const store = await StateStore.open({ dataDirectory: directory });
  try {
    await store.update((draft) => {
      draft.labs.old = record('old', undefined);
    });
    // labKey reads only the state and the data directory.
    const deployer = new LabDeployer({
      hypervisor: {} as Hypervisor,
      store,
      events: {} as EventLog,
      images: {} as ImageStore,
      dataDirectory: directory,
      log: () => undefined,
    });
    assert.equal((await deployer.labKey('old')).privateKeyPath, join(directory, 'ssh', 'id_ed25519'));
    assert.equal((await deployer.labKey('fresh')).privateKeyPath, join(directory, 'ssh', 'labs', 'fresh', 'id_ed25519'));
  } finally {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  }
});
