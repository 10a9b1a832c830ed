// Checksum lists in the formats distributions publish, download addresses, and the host's own
// image catalog file.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findChecksum, parseChecksumList } from '../../src/images/checksum-list';
import { HostCatalogError, loadImageCatalog } from '../../src/images/host-image-catalog';
import { checkDownloadAddress, fileNameInAddress } from '../../src/images/image-download';

const sha256 = 'a'.repeat(64);
const sha512 = 'B'.repeat(128);

describe('checksum lists', () => {
  test('GNU text and binary mode lines, BSD lines, comments and noise', () => {
    const entries = parseChecksumList(
      [
        '# comment',
        `${sha256}  debian-12-genericcloud-amd64.qcow2`,
        `${sha512} *noble-server-cloudimg-amd64.img`,
        `SHA256 (./bsd style.raw) = ${sha256}`,
        'not a checksum line',
        `${'c'.repeat(40)}  sha1-is-ignored.iso`,
        '',
      ].join('\n'),
    );
    assert.deepEqual(entries, [
      { algorithm: 'sha256', digest: sha256, file: 'debian-12-genericcloud-amd64.qcow2' },
      { algorithm: 'sha512', digest: 'b'.repeat(128), file: 'noble-server-cloudimg-amd64.img' },
      { algorithm: 'sha256', digest: sha256, file: 'bsd style.raw' },
    ]);
  });

  test('a file the list does not name is a clear error; the strongest digest wins', () => {
    const entries = parseChecksumList(`${sha256}  a.img\n${sha512}  a.img\n`);
    assert.equal(findChecksum(entries, 'a.img', 'http://127.0.0.1/SUMS').algorithm, 'sha512');
    assert.throws(
      () => findChecksum(entries, 'b.img', 'http://127.0.0.1/SUMS'),
      /The checksum list http:\/\/127\.0\.0\.1\/SUMS has no entry for b\.img \(it lists 2 files\)/,
    );
  });
});

describe('download addresses', () => {
  test('https anywhere, plain http only on loopback', () => {
    assert.equal(checkDownloadAddress('https://cloud.debian.org/x.qcow2', 'image').hostname, 'cloud.debian.org');
    assert.equal(checkDownloadAddress('http://127.0.0.1:8080/x.qcow2', 'image').port, '8080');
    assert.throws(() => checkDownloadAddress('http://mirror.example/x.qcow2', 'image'), /plain http to another machine; only https/);
    assert.throws(() => checkDownloadAddress('file:///etc/passwd', 'image'), /is not an https address/);
    assert.throws(() => checkDownloadAddress('not a url', 'checksum list'), /checksum list "not a url" is not a valid URL/);
  });

  test('the file name is the decoded last part of the path', () => {
    assert.equal(fileNameInAddress('https://h/a/b/disk%20one.qcow2?x=1'), 'disk one.qcow2');
  });
});

describe('host image catalog', () => {
  test('missing file: the built-in catalog; invalid file: a clear error; duplicates of built-ins ignored and named', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'vlm-host-catalog-'));
    try {
      const builtIn = await loadImageCatalog(directory, () => undefined);
      assert.ok(builtIn.images.some((image) => image.name === 'vlm-tiny'));

      await writeFile(join(directory, 'image-catalog.json'), '{"images": [{"name": "x"}]}');
      await assert.rejects(
        loadImageCatalog(directory, () => undefined),
        (error: unknown) => {
          assert.ok(error instanceof HostCatalogError);
          assert.match(
            error.message,
            /image-catalog\.json does not match the image catalog schema: \/images\/0 must have required property 'title'/,
          );
          return true;
        },
      );
      await writeFile(join(directory, 'image-catalog.json'), '{"images": [');
      await assert.rejects(
        loadImageCatalog(directory, () => undefined),
        /is not JSON/,
      );

      const tiny = builtIn.images.find((image) => image.name === 'vlm-tiny');
      const own = { ...tiny, name: 'own-image', title: 'Own' };
      await writeFile(join(directory, 'image-catalog.json'), JSON.stringify({ images: [{ ...tiny, title: 'Impostor' }, own] }));
      const logged: string[] = [];
      const merged = await loadImageCatalog(directory, (line) => logged.push(line));
      assert.equal(merged.images.find((image) => image.name === 'vlm-tiny')?.title, tiny?.title);
      assert.ok(merged.images.some((image) => image.name === 'own-image'));
      assert.match(logged.join('\n'), /vlm-tiny is a built-in image; the built-in entry is used/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
