// vlm/images/pull for download images, through a real vlm-host: the host's own catalog file
// points at a loopback HTTP server made here, serving generated images and their checksum lists.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import {
  HostErrorCode,
  ImagesListRequest,
  ImagesPullRequest,
  WorkDoneProgress,
  type WorkDoneProgressValue,
} from '@vlm/schemas/src/host-protocol';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { waitUntil } from '../../local-libvirt/wait-until';

const sha = (algorithm: string, data: Buffer): string => createHash(algorithm).update(data).digest('hex');

/** Serves images and checksum lists on 127.0.0.1, counting requests per path. */
class ImageServer {
  readonly requests = new Map<string, number>();
  readonly files = new Map<string, Buffer>();
  /** Paths that send their first MiB, then stall until the client goes away. */
  readonly stalling = new Set<string>();
  stalledClosed = 0;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => this.answer(request, response));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    this.port = address.port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '';
    this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
    const body = this.files.get(path);
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': String(body.byteLength), 'content-type': 'application/octet-stream' });
    if (this.stalling.has(path)) {
      response.write(body.subarray(0, 1024 * 1024));
      response.on('close', () => (this.stalledClosed += 1));
      return;
    }
    response.end(body);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function catalogImage(name: string, url: string, checksumUrl: string) {
  return {
    name,
    title: `Test image ${name}`,
    os: 'linux',
    default_user: 'root',
    min_ram_mb: 64,
    min_disk_gb: 1,
    cloud_init: true,
    source: { kind: 'download', url, checksum_url: checksumUrl, format: 'qcow2' },
  };
}

let fixture: HostFixture;
const server = new ImageServer();
const good = randomBytes(3 * 1024 * 1024 + 17);
const other = randomBytes(2 * 1024 * 1024);
const suffix = randomBytes(3).toString('hex');
const names = {
  good: `pull-good-${suffix}`,
  sha512: `pull-sha512-${suffix}`,
  bad: `pull-bad-${suffix}`,
  slow: `pull-slow-${suffix}`,
  unlisted: `pull-unlisted-${suffix}`,
};

/** Serves the images and their checksum lists; the host catalog names them. */
async function serveImages(): Promise<{ images: ReturnType<typeof catalogImage>[] }> {
  await server.start();
  server.files.set('/good/image.qcow2', good);
  server.files.set('/good/SHA256SUMS', Buffer.from(`${sha('sha256', other)}  other.qcow2\n${sha('sha256', good)}  image.qcow2\n`));
  server.files.set('/sha512/disk%20one.qcow2', other);
  server.files.set('/sha512/SHA512SUMS', Buffer.from(`${sha('sha512', other)} *disk one.qcow2\n`));
  server.files.set('/bad/image.qcow2', good);
  server.files.set('/bad/SHA256SUMS', Buffer.from(`${sha('sha256', other)}  image.qcow2\n`));
  server.files.set('/slow/image.qcow2', randomBytes(16 * 1024 * 1024));
  server.files.set('/slow/SHA256SUMS', Buffer.from(`${'0'.repeat(64)}  image.qcow2\n`));
  server.stalling.add('/slow/image.qcow2');
  return {
    images: [
      catalogImage(names.good, server.url('/good/image.qcow2'), server.url('/good/SHA256SUMS')),
      catalogImage(names.sha512, server.url('/sha512/disk%20one.qcow2'), server.url('/sha512/SHA512SUMS')),
      catalogImage(names.bad, server.url('/bad/image.qcow2'), server.url('/bad/SHA256SUMS')),
      catalogImage(names.slow, server.url('/slow/image.qcow2'), server.url('/slow/SHA256SUMS')),
      catalogImage(names.unlisted, server.url('/good/missing.qcow2'), server.url('/good/SHA256SUMS')),
    ],
  };
}

before(async () => {
  const catalog = await serveImages();
  fixture = await startHostFixture({ name: 'image-pull', startHost: false });
  await mkdir(fixture.dataDirectory, { recursive: true });
  await writeFile(join(fixture.dataDirectory, 'image-catalog.json'), JSON.stringify(catalog));
  await fixture.restart();
});

after(async () => {
  await fixture?.dispose();
  await server.stop();
});

const client = () => fixture.connect();
const imageFolder = (name: string) => join(fixture.dataDirectory, 'images', name);
const folderEntries = (name: string) => readdir(imageFolder(name)).catch(() => [] as string[]);

describe('images/pull of download images', { timeout: 120_000 }, () => {
  test("the host catalog's images are listed next to the built-in ones", async () => {
    const connection = await client();
    try {
      const { images } = await connection.sendRequest(ImagesListRequest.type, {});
      const listed = new Map(images.map((image) => [image.name, image.present]));
      assert.equal(listed.get('vlm-tiny') !== undefined, true);
      assert.equal(listed.get(names.good), false);
    } finally {
      connection.close();
    }
  });

  test('a download is verified against SHA256SUMS, reports progress and is kept; pulled again, it is not fetched again', async () => {
    const connection = await client();
    try {
      const progress: WorkDoneProgressValue[] = [];
      const token = `pull-${randomBytes(4).toString('hex')}`;
      connection.onProgress(WorkDoneProgress.type, token, (value) => progress.push(value));
      const pulled = await connection.sendRequest(ImagesPullRequest.type, { name: names.good, workDoneToken: token });
      assert.deepEqual(pulled, { name: names.good, title: `Test image ${names.good}`, present: true });
      await waitUntil('the end of progress', () => progress.at(-1)?.kind === 'end');
      assert.equal(progress[0]?.kind, 'begin');
      const reports = progress.filter((value) => value.kind === 'report');
      assert.ok(reports.length >= 2, `reports: ${JSON.stringify(reports)}`);
      assert.equal(reports.at(-1)?.percentage, 100);
      assert.match(reports.at(-1)?.message ?? '', /3\.0 of 3\.0 MiB/);

      assert.deepEqual(await readFile(join(imageFolder(names.good), 'disk.qcow2')), good);
      const manifest = JSON.parse(await readFile(join(imageFolder(names.good), 'manifest.json'), 'utf8'));
      assert.equal(manifest.files[0].sha256, sha('sha256', good));
      assert.deepEqual((await folderEntries(names.good)).sort(), ['disk.qcow2', 'manifest.json']);

      const fetched = server.requests.get('/good/image.qcow2');
      assert.equal(fetched, 1);
      const again = await connection.sendRequest(ImagesPullRequest.type, { name: names.good });
      assert.equal(again.present, true);
      assert.equal(server.requests.get('/good/image.qcow2'), 1, 'the present image was not downloaded again');
      const { images } = await connection.sendRequest(ImagesListRequest.type, {});
      assert.equal(images.find((image) => image.name === names.good)?.present, true);
    } finally {
      connection.close();
    }
  });

  test('SHA512SUMS in binary mode and an escaped file name are understood', async () => {
    const connection = await client();
    try {
      await connection.sendRequest(ImagesPullRequest.type, { name: names.sha512 });
      const manifest = JSON.parse(await readFile(join(imageFolder(names.sha512), 'manifest.json'), 'utf8'));
      assert.equal(manifest.files[0].sha512, sha('sha512', other));
    } finally {
      connection.close();
    }
  });
});

describe('images/pull refuses what does not check out', { timeout: 120_000 }, () => {
  test('a checksum mismatch is refused with both digests shown and nothing kept', async () => {
    const connection = await client();
    try {
      await assert.rejects(connection.sendRequest(ImagesPullRequest.type, { name: names.bad }), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.equal(error.code, HostErrorCode.InvalidState);
        assert.ok(error.message.includes(`expected ${sha('sha256', other)}`), error.message);
        assert.ok(error.message.includes(`got ${sha('sha256', good)}`), error.message);
        assert.match(error.message, /removed/);
        return true;
      });
      assert.deepEqual(await folderEntries(names.bad), []);
    } finally {
      connection.close();
    }
  });

  test('an image the checksum list does not name is refused before downloading', async () => {
    const connection = await client();
    try {
      await assert.rejects(connection.sendRequest(ImagesPullRequest.type, { name: names.unlisted }), /has no entry for missing\.qcow2/);
      assert.equal(server.requests.get('/good/missing.qcow2'), undefined);
      assert.deepEqual(await folderEntries(names.unlisted), []);
    } finally {
      connection.close();
    }
  });
});

describe('images/pull of downloads that do not finish', { timeout: 120_000 }, () => {
  test('cancelling a download mid-way removes the partial file and ends the transfer', async () => {
    const connection = await client();
    try {
      const progress: WorkDoneProgressValue[] = [];
      const token = `pull-${randomBytes(4).toString('hex')}`;
      connection.onProgress(WorkDoneProgress.type, token, (value) => progress.push(value));
      const cancellation = new CancellationTokenSource();
      const pulling = connection.sendRequest(ImagesPullRequest.type, { name: names.slow, workDoneToken: token }, cancellation.token);
      await waitUntil(
        'bytes to arrive',
        () => progress.some((value) => value.kind === 'report' && /^[^:]+: [1-9]/.test(value.message ?? '')),
        20_000,
      );
      assert.ok(
        (await folderEntries(names.slow)).some((entry) => entry.endsWith('.part')),
        'a partial file exists while downloading',
      );
      cancellation.cancel();
      await assert.rejects(pulling, (error: unknown) => error instanceof ResponseError && error.code === HostErrorCode.RequestCancelled);
      await waitUntil('the partial file to be removed', async () => (await folderEntries(names.slow)).length === 0, 10_000);
      await waitUntil('the server to see the transfer end', () => server.stalledClosed === 1, 10_000);
    } finally {
      connection.close();
    }
  });
});

describe('images/pull after a host killed mid-download', { timeout: 120_000 }, () => {
  test('a download killed with its host leaves a partial file; the next start removes it and keeps complete images', async () => {
    const connection = await client();
    await connection.sendRequest(ImagesPullRequest.type, { name: names.good });
    const complete = await readFile(join(imageFolder(names.good), 'disk.qcow2'));
    const progress: WorkDoneProgressValue[] = [];
    const token = `pull-${randomBytes(4).toString('hex')}`;
    connection.onProgress(WorkDoneProgress.type, token, (value) => progress.push(value));
    connection.sendRequest(ImagesPullRequest.type, { name: names.slow, workDoneToken: token }).catch(() => undefined);
    await waitUntil(
      'bytes to arrive',
      () => progress.some((value) => value.kind === 'report' && /^[^:]+: [1-9]/.test(value.message ?? '')),
      20_000,
    );
    await fixture.host.kill();
    connection.close();
    const partial = (await folderEntries(names.slow)).filter((entry) => entry.endsWith('.part'));
    assert.equal(partial.length, 1, 'the killed download left its partial file');
    // A stray partial beside a complete image goes too; the image itself stays.
    await writeFile(join(imageFolder(names.good), '.disk.qcow2.0123456789ab.part'), 'half');

    await fixture.restart();
    const [left] = partial;
    assert.ok(left);
    assert.ok(
      fixture.host.stderr.includes(`Removed ${join(imageFolder(names.slow), left)}, left unfinished by a download of a previous run.`),
      fixture.host.stderr,
    );
    assert.deepEqual(
      await readdir(join(fixture.dataDirectory, 'images')).then((entries) => entries.includes(names.slow)),
      false,
      'the folder it left empty is gone',
    );
    assert.deepEqual((await folderEntries(names.good)).sort(), ['disk.qcow2', 'manifest.json']);
    assert.deepEqual(await readFile(join(imageFolder(names.good), 'disk.qcow2')), complete);
    const again = await client();
    try {
      const { images } = await again.sendRequest(ImagesListRequest.type, {});
      assert.equal(images.find((image) => image.name === names.good)?.present, true);
      assert.equal(images.find((image) => image.name === names.slow)?.present, false);
    } finally {
      again.close();
    }
  });
});
