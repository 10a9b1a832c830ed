// The pieces apply puts into each guest: the seed disk's place in the domain XML (IDE on 'pc',
// or virtio; never SATA, which 'pc' lacks), the virtio RNG, the service's own SSH key, and the
// user-data merged from the lab's cloud_init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { buildDomainXml, type DomainSpec } from '../../src/libvirt/domain-xml';
import { HypervisorError } from '../../src/libvirt/hypervisor';
import { descendants, parseXml } from '../../src/libvirt/xml-parse';
import { loadServiceSshKey } from '../../src/deploy/service-ssh-key';
import { seedPathFor } from '../../src/api/lab-resources';
import { CloudInitError, mergeCloudConfig } from '../../src/deploy/cloud-config';
import { parse as parseYaml } from 'yaml';

const spec: DomainSpec = { name: 'lab-vm', type: 'qemu', vcpu: 1, memoryMiB: 128, disk: { path: '/pool/lab-vm.qcow2' }, cdrom: '/pool/lab-vm.seed.iso' };

function disks(xml: string) {
  return descendants(parseXml(xml), 'disk').map((disk) => {
    const target = descendants(disk, 'target')[0]?.attributes ?? {};
    return `${disk.attributes['device']} ${target['dev']} ${target['bus']}`;
  });
}

test('the seed goes on IDE by default and on virtio when asked; never on SATA', () => {
  assert.deepEqual(disks(buildDomainXml(spec)), ['disk vda virtio', 'cdrom hdc ide']);
  assert.deepEqual(disks(buildDomainXml({ ...spec, cdromBus: 'virtio' })), ['disk vda virtio', 'disk vdb virtio']);
  assert.equal(buildDomainXml(spec).includes('sata'), false);
  assert.throws(() => buildDomainXml({ ...spec, cdromBus: 'sata' as 'ide' }), (error: unknown) => error instanceof HypervisorError && /Invalid CD-ROM bus "sata": expected 'ide' or 'virtio'/.test(error.message));
});

test('a virtio RNG is there unless turned off', () => {
  assert.equal(descendants(parseXml(buildDomainXml(spec)), 'rng')[0]?.attributes['model'], 'virtio');
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

test('the lab\'s cloud-config is merged with the hostname and keys; scripts and non-mappings are refused', () => {
  const keys = ['ssh-ed25519 AAAAservice vlm-host@h'];
  const merged = parseYaml(mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: keys, cloudInit: '#cloud-config\npackages: [nginx]\nssh_authorized_keys:\n  - ssh-ed25519 AAAAuser me\n' }));
  assert.deepEqual(merged, { hostname: 'web', packages: ['nginx'], ssh_authorized_keys: ['ssh-ed25519 AAAAservice vlm-host@h', 'ssh-ed25519 AAAAuser me'] });
  assert.equal(parseYaml(mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: [], cloudInit: '#cloud-config\nhostname: chosen\n' })).hostname, 'chosen');
  assert.match(mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: keys }), /^#cloud-config\nhostname: "web"\nssh_authorized_keys:\n {2}- "ssh-ed25519 AAAAservice vlm-host@h"\n$/);
  assert.throws(() => mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: [], cloudInit: '#!/bin/sh\necho hi\n' }), CloudInitError);
  assert.throws(() => mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: [], cloudInit: '#cloud-config\n- a\n' }), /must be a mapping/);
  assert.throws(() => mergeCloudConfig({ hostname: 'web', sshAuthorizedKeys: [], cloudInit: '#cloud-config\nssh_authorized_keys: 5\n' }), /must be a list of key lines/);
});
