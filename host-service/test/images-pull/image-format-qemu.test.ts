// A base image's format comes from its contents, never its name or a trusted declaration: a raw
// download (served on loopback) is probed as raw, a VM disk made over it on the real libvirtd
// declares a raw backing file, and QEMU runs the domain with that chain. Images whose contents
// contradict their declared format, or that carry a backing file of their own (a qcow2 pointing at
// a host file), are refused with the reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { ImageCatalog } from '@vlm/schemas';
import { HostErrorCode } from '@vlm/schemas/src/host-protocol';
import { ImageStore } from '../../src/images/image-store';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { buildDirectoryPoolXml, buildVolumeXml } from '../../src/libvirt/volume-xml';
import { removeRunLeftovers } from '../support/libvirt-leftovers';
import { requireCommand } from '../../local-libvirt/require-command';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { waitUntil } from '../../local-libvirt/wait-until';
import { repositoryRoot } from '../images/tiny-guest';

function virsh(...args: string[]): string {
  const result = spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, `virsh ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function qemuImgInfo(path: string): Record<string, unknown> {
  const result = spawnSync('qemu-img', ['info', '--output=json', '-U', path], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

let fixture: HostFixture;
let server: Server;
let port = 0;
const files = new Map<string, Buffer>();
const suffix = createHash('sha256')
  .update(String(process.pid) + String(Date.now()))
  .digest('hex')
  .slice(0, 6);
const poolName = `fld-raw-${suffix}`;
const domainName = `fld-raw-${suffix}`;

const image = (name: string, format: 'qcow2' | 'raw', file: string) => ({
  name,
  title: name,
  os: 'linux' as const,
  default_user: 'root',
  min_ram_mb: 64,
  min_disk_gb: 1,
  cloud_init: false,
  source: {
    kind: 'download' as const,
    url: `http://127.0.0.1:${port}/${file}`,
    checksum_url: `http://127.0.0.1:${port}/SHA256SUMS`,
    format,
  },
});

/** Serves a raw disk, a hostile qcow2 made in `work` and their checksums on loopback. */
async function serveImages(work: string): Promise<void> {
  // A raw disk: zeros up front (no image header), then data.
  files.set('/disk.raw', Buffer.concat([Buffer.alloc(512 * 1024), Buffer.alloc(512 * 1024, 0x5a)]));
  // A qcow2 whose backing file is a host file: what a hostile "raw" image could hold.
  const hostile = join(work, 'hostile.qcow2');
  const made = spawnSync('qemu-img', ['create', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/hostname', hostile, '1M'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  files.set('/hostile.qcow2', await readFile(hostile));
  const sums = [...files].map(([path, body]) => `${createHash('sha256').update(body).digest('hex')}  ${path.slice(1)}`).join('\n');
  files.set('/SHA256SUMS', Buffer.from(`${sums}\n`));
  server = createServer((request, response) => {
    const body = files.get(request.url ?? '');
    if (!body) response.writeHead(404).end();
    else response.writeHead(200, { 'content-length': String(body.byteLength) }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
}

before(async () => {
  requireCommand('qemu-img', 'qemu-utils');
  // QEMU's user must reach the pool and the images in the temporary folder.
  fixture = await startHostFixture({ name: 'image-format', driver: 'qemu', folderMode: 0o755, startHost: false });
  fixture.onDispose(() => removeRunLeftovers(fixture.hypervisor, { domains: [domainName], pool: poolName }));
  await serveImages(fixture.folder);
});

after(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await fixture?.dispose();
});

const storeWith = (catalog: ImageCatalog) =>
  new ImageStore({ dataDirectory: fixture.dataDirectory, sourceRoot: repositoryRoot, log: () => undefined, catalog });

describe('image formats, probed, on qemu:///system', { timeout: 300_000 }, () => {
  test('a raw download is probed raw, declared raw under the VM disk, and QEMU runs it', async () => {
    const store = storeWith({ images: [image('site-raw', 'raw', 'disk.raw')] });
    await store.pull('site-raw');
    const found = await store.files('site-raw');
    assert.equal(found?.diskFormat, 'raw');
    const backingPath = found?.disk;
    const backingFormat = found?.diskFormat;
    assert.ok(backingPath && backingFormat, 'the pulled image has a disk of a known format');
    const { hypervisor } = fixture;

    const poolFolder = join(fixture.folder, 'pool');
    await mkdir(poolFolder);
    await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name: poolName, path: poolFolder }));
    await hypervisor.startStoragePool(poolName);
    const disk = await hypervisor.createVolume(
      poolName,
      buildVolumeXml({ name: 'vm.qcow2', capacityBytes: 64 * 1024 ** 2, backingPath, backingFormat }),
    );
    const info = qemuImgInfo(disk.path);
    assert.equal(info.format, 'qcow2');
    assert.equal(info['backing-filename'], backingPath);
    assert.equal(info['backing-filename-format'], 'raw');
    assert.match(virsh('vol-dumpxml', '--pool', poolName, 'vm.qcow2'), /<backingStore>[\s\S]*<format type='raw'\/>/);

    // QEMU opens the chain as declared (no network, no kernel: it sits in the firmware).
    await hypervisor.defineDomain(buildDomainXml({ name: domainName, type: 'qemu', vcpu: 1, memoryMiB: 64, disk: { path: disk.path } }));
    await hypervisor.start(domainName);
    await waitUntil('the domain running', async () => (await hypervisor.getDomain(domainName))?.state === 'running', 60_000);
    assert.match(
      virsh('dumpxml', domainName),
      new RegExp(`<backingStore type='file'[^>]*>\\s*<format type='raw'/>\\s*<source file='${backingPath}'`),
    );
    await hypervisor.destroy(domainName);
    await hypervisor.undefine(domainName);
  });

  test('contents that contradict the declared format, or carry their own backing file, are refused', async () => {
    const store = storeWith({
      images: [
        image('says-qcow2', 'qcow2', 'disk.raw'),
        image('says-raw', 'raw', 'hostile.qcow2'),
        image('chained', 'qcow2', 'hostile.qcow2'),
      ],
    });
    const refused = async (name: string, message: RegExp) => {
      await store.pull(name);
      await assert.rejects(store.files(name), (error: { code?: number; message?: string }) => {
        assert.equal(error.code, HostErrorCode.InvalidState);
        assert.match(error.message ?? '', message);
        return true;
      });
    };
    await refused('says-qcow2', /The image "says-qcow2" cannot be used: .* is declared qcow2 but its contents are raw/);
    await refused('says-raw', /The image "says-raw" cannot be used: .* is declared raw but its contents are qcow2/);
    await refused('chained', /has a backing file of its own \(\/etc\/hostname\); a base image must be self-contained/);
  });
});
