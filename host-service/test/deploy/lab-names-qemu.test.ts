// The real tier: two labs whose parts had the same libvirt names before (lab X with VM db-1 and
// network db-lan, lab X-db with VM 1 and network lan: both "X-db-1" and "X-db-lan") deploy side
// by side on qemu:///system (TCG) and boot; virsh (an independent client) shows each part under its
// own name, carrying VLM's mark; destroying one lab leaves the other whole and running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImagesPullRequest, LabsApplyRequest, LabsDestroyRequest, LabsGetRequest, LabsSweepRequest } from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { requireCommand } from '../../local-libvirt/require-command';
import { startHostFixture, type HostFixture } from '../support/host-fixture';

function virsh(...args: string[]): string {
  const result = spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, `virsh ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const names = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

let fixture: HostFixture;
// Names no other run uses, since libvirtd is shared.
const base = `own${randomBytes(3).toString('hex')}`;
const octet = () => (randomBytes(1)[0] as number) % 250;
const second = 200 + ((randomBytes(1)[0] as number) % 50);
const web: Lab = {
  name: base,
  networks: [{ name: 'db-lan', cidr: `10.${second}.${octet()}.0/24` }],
  vms: [{ name: 'db-1', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['db-lan'] }],
};
const webDb: Lab = {
  name: `${base}-db`,
  networks: [{ name: 'lan', cidr: `10.${second + 1}.${octet()}.0/24` }],
  vms: [{ name: '1', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] }],
};
const webDomain = `${base}.db-1`;
const webDbDomain = `${base}-db.1`;
const webNetwork = `${base}.db-lan`;
const webDbNetwork = `${base}-db.lan`;

before(async () => {
  requireCommand('dnsmasq', 'dnsmasq-base');
  requireCommand('virsh', 'libvirt-clients');
  // QEMU runs as its own user and must pass through the temporary folder to the data directory's disks.
  fixture = await startHostFixture({
    name: 'lab-names',
    driver: 'qemu',
    folderMode: 0o755,
    // Whatever a failed test left: removed by the names this run made, with the data directory's pool.
    leftovers: { domains: [webDomain, webDbDomain], networks: [webNetwork, webDbNetwork] },
  });
});

after(async () => {
  await fixture?.dispose();
});

/** What virsh (an independent client) and the data directory show of both labs, deployed side by side. */
function assertBothDeployed(dataDirectory: string, pool: string): void {
  const running = names(virsh('list', '--name'));
  assert.ok(running.includes(webDomain) && running.includes(webDbDomain), `both run: ${running.join(', ')}`);
  const activeNetworks = names(virsh('net-list', '--name'));
  assert.ok(
    activeNetworks.includes(webNetwork) && activeNetworks.includes(webDbNetwork),
    `both networks are up: ${activeNetworks.join(', ')}`,
  );
  const volumes = virsh('vol-list', pool);
  assert.match(volumes, new RegExp(`${base}\\.db-1\\.qcow2`));
  assert.match(volumes, new RegExp(`${base}-db\\.1\\.qcow2`));
  for (const file of [`${webDomain}.seed.iso`, `${webDbDomain}.seed.iso`])
    assert.ok(existsSync(join(dataDirectory, 'pool', file)), `${file} exists`);
  for (const file of [`${webDomain}.log`, `${webDbDomain}.log`]) assert.ok(existsSync(join(dataDirectory, 'logs', file)), `${file} exists`);
  // VLM's mark, as libvirtd stored it: lab, part and this host's data directory.
  assert.match(virsh('dumpxml', webDomain), new RegExp(`<vlm:lab [^>]*lab="${base}" vm="db-1" data-directory="${dataDirectory}"`));
  assert.match(
    virsh('net-dumpxml', webDbNetwork),
    new RegExp(`<vlm:network [^>]*lab="${base}-db" network="lan" data-directory="${dataDirectory}"`),
  );
}

describe('labs whose names used to collide, side by side on qemu:///system', { timeout: 1_200_000 }, () => {
  test('both labs deploy and boot; each part has its own name and mark; destroying one leaves the other running', async () => {
    const { client, dataDirectory } = fixture;
    assert.equal((await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' })).present, true);
    // One after the other, as the old names refused the second; applies at once are tested on the test driver (kill-during-apply).
    for (const lab of [web, webDb]) await client.sendRequest(LabsApplyRequest.type, { lab });
    for (const lab of [web, webDb]) assert.equal((await client.sendRequest(LabsGetRequest.type, { name: lab.name })).status, 'running');

    const pool = volumePoolFor(dataDirectory);
    assertBothDeployed(dataDirectory, pool);
    // Nothing recorded is a leftover, and nothing of the other runs on this shared libvirtd is taken for this host's.
    const { leftovers } = await client.sendRequest(LabsSweepRequest.type, {});
    assert.deepEqual(
      leftovers.filter((item) => item.kind !== 'pool'),
      [],
    );

    const before = { domain: virsh('dominfo', webDbDomain), network: virsh('net-info', webDbNetwork) };
    await client.sendRequest(LabsDestroyRequest.type, { name: web.name });
    assert.equal(names(virsh('list', '--all', '--name')).includes(webDomain), false);
    assert.equal(names(virsh('net-list', '--all', '--name')).includes(webNetwork), false);
    assert.doesNotMatch(virsh('vol-list', pool), new RegExp(`${base}\\.db-1\\.qcow2`));
    assert.equal(existsSync(join(dataDirectory, 'pool', `${webDomain}.seed.iso`)), false);
    // The other lab is whole: the same domain (same UUID, still running), network, disk and seed.
    const domainAfter = virsh('dominfo', webDbDomain);
    assert.match(domainAfter, /State:\s+running/);
    assert.equal(/UUID:\s+(\S+)/.exec(domainAfter)?.[1], /UUID:\s+(\S+)/.exec(before.domain)?.[1]);
    assert.match(virsh('net-info', webDbNetwork), /Active:\s+yes/);
    assert.equal(/UUID:\s+(\S+)/.exec(virsh('net-info', webDbNetwork))?.[1], /UUID:\s+(\S+)/.exec(before.network)?.[1]);
    assert.match(virsh('vol-list', pool), new RegExp(`${base}-db\\.1\\.qcow2`));
    assert.ok(existsSync(join(dataDirectory, 'pool', `${webDbDomain}.seed.iso`)));
    assert.equal((await client.sendRequest(LabsGetRequest.type, { name: webDb.name })).status, 'running');

    await client.sendRequest(LabsDestroyRequest.type, { name: webDb.name });
    assert.equal(
      names(virsh('list', '--all', '--name')).some((name) => name.startsWith(base)),
      false,
    );
    assert.equal(
      names(virsh('net-list', '--all', '--name')).some((name) => name.startsWith(base)),
      false,
    );
    // The last lab of this data directory took its disks' pool with it.
    assert.equal(names(virsh('pool-list', '--all', '--name')).includes(pool), false);
  });
});
