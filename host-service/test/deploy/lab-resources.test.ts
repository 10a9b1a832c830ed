// The names a lab's parts get in libvirt and on disk: one-to-one from (lab, part), valid for
// libvirt's XML builders even at the longest lab and part names, and built only from DNS labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import {
  domainName,
  isSeedFileName,
  labDomainName,
  labNetworkName,
  labVolumeName,
  networkName,
  seedPathFor,
  serialLogPathFor,
  volumeName,
} from '../../src/deploy/lab-resources';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { buildNetworkXml } from '../../src/libvirt/network-xml';
import { buildVolumeXml } from '../../src/libvirt/volume-xml';

test('lab web + VM db-1 and lab web-db + VM 1 get different names for every part', () => {
  assert.equal(domainName('web', 'db-1'), 'web.db-1');
  assert.equal(domainName('web-db', '1'), 'web-db.1');
  assert.notEqual(networkName('web', 'db-lan'), networkName('web-db', 'lan'));
  assert.notEqual(volumeName('web', 'db-1'), volumeName('web-db', '1'));
  assert.notEqual(seedPathFor('/d/pool', 'web', 'db-1'), seedPathFor('/d/pool', 'web-db', '1'));
  assert.notEqual(serialLogPathFor('/d', domainName('web', 'db-1')), serialLogPathFor('/d', domainName('web-db', '1')));
});

test('every split of the same hyphenated words is a different name (no two pairs collide)', () => {
  const words = ['a', 'b', 'c', 'd', 'e'];
  const seen = new Map<string, string>();
  // All (lab, part) pairs whose joined words are a prefix-split of a-b-c-d-e, and more.
  for (let length = 2; length <= words.length; length += 1) {
    for (let cut = 1; cut < length; cut += 1) {
      const lab = words.slice(0, cut).join('-');
      const part = words.slice(cut, length).join('-');
      for (const [kind, name] of [
        ['domain', domainName(lab, part)],
        ['network', networkName(lab, part)],
        ['volume', volumeName(lab, part)],
        ['seed', basename(seedPathFor('/p', lab, part))],
      ] as const) {
        const key = `${kind} ${name}`;
        assert.equal(seen.get(key), undefined, `${key} from ${lab}/${part} and ${seen.get(key)}`);
        seen.set(key, `${lab}/${part}`);
      }
    }
  }
});

test('the longest lab and part names still make valid domain, network and volume XML', () => {
  const lab = `l${'a'.repeat(61)}z`;
  const part = `p${'b'.repeat(61)}z`;
  assert.equal(lab.length, 63);
  assert.match(
    buildDomainXml({ name: domainName(lab, part), type: 'qemu', vcpu: 1, memoryMiB: 128 }),
    new RegExp(`<name>${lab}\\.${part}</name>`),
  );
  assert.match(buildNetworkXml({ name: networkName(lab, part) }), new RegExp(`<name>${lab}\\.${part}</name>`));
  assert.match(buildVolumeXml({ name: volumeName(lab, part), capacityBytes: 1024 }), new RegExp(`<name>${lab}\\.${part}\\.qcow2</name>`));
  assert.ok(isSeedFileName(basename(seedPathFor('/p', lab, part))));
});

test('hostile lab and part names are refused before a name is built', () => {
  for (const bad of ['../etc', 'a.b', 'A', '-a', 'a-', '', 'a/b', "a'b", 'a b', 'x'.repeat(64), '__proto__']) {
    assert.throws(() => domainName(bad, 'vm'), /invalid lab name/, bad);
    assert.throws(() => networkName('lab', bad), /invalid network name/, bad);
    assert.throws(() => volumeName('lab', bad), /invalid VM name/, bad);
    assert.throws(() => seedPathFor('/p', 'lab', bad), /invalid VM name/, bad);
  }
  assert.equal(isSeedFileName('../x.seed.iso'), false);
  assert.equal(isSeedFileName('a.b.c.seed.iso'), false);
  assert.equal(isSeedFileName('web-db.seed.iso'), true, "an older version's seed");
});

test('what a lab recorded wins over the scheme: labs deployed by older versions keep their names', () => {
  const record = {
    resources: {
      domains: [{ name: 'web-db-1', vm: 'db-1' }],
      networks: [{ name: 'web-lan', network: 'lan' }],
      volumes: [{ pool: 'vlm-1', name: 'web-db-1.qcow2', vm: 'db-1' }],
      ports: [],
    },
  } as never;
  assert.equal(labDomainName(record, 'web', 'db-1'), 'web-db-1');
  assert.equal(labDomainName(record, 'web', 'db-2'), 'web.db-2', 'a VM added later gets the new name');
  assert.equal(labNetworkName(record, 'web', 'lan'), 'web-lan');
  assert.equal(labNetworkName(undefined, 'web', 'lan'), 'web.lan');
  assert.equal(labVolumeName(record, 'vlm-1', 'web', 'db-1'), 'web-db-1.qcow2');
  assert.equal(labVolumeName(record, 'vlm-2', 'web', 'db-1'), 'web.db-1.qcow2', 'a disk recorded in another pool is not this pool’s');
});
