// The images of the connected hosts reach the language server: an image only a host's catalog has
// is accepted in the editor once that host is connected, and refused before.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLabLanguageService } from '@vlm/language-server';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { type CatalogSource, createCatalogSync } from '../src/catalog-sync';

const labText = 'name: site\nvms:\n  - name: a\n    vcpu: 1\n    ram_mb: 512\n    disk_gb: 4\n    os_image: site-image\n';

function setup() {
  const service = createLabLanguageService();
  let connected: CatalogSource[] = [];
  const sent: string[][] = [];
  const warnings: string[] = [];
  const refresh = createCatalogSync({
    connected: () => connected,
    send: async (catalog) => {
      sent.push(catalog.images.map((image) => image.name));
      service.setCatalog(catalog);
    },
    warn: (message) => warnings.push(message),
  });
  const unknownImages = async () =>
    (await service.validate(TextDocument.create('file:///site.lab.yaml', 'vlm-lab', 1, labText))).filter(
      (diagnostic) => diagnostic.code === 'vlm-unknown-image',
    ).length;
  const connect = (...sources: CatalogSource[]) => {
    connected = sources;
  };
  return { refresh, sent, warnings, unknownImages, connect };
}

const siteHost = (key = 'site 1'): CatalogSource => ({
  key,
  imageNames: async () => ['debian-12', 'ubuntu-24.04', 'vlm-tiny', 'site-image'],
});

describe('catalog sync', () => {
  test("a host's own image is refused until the host is connected, then accepted", async () => {
    const sync = setup();
    await sync.refresh();
    assert.deepEqual(sync.sent, [], 'nothing to send: the server starts with the built-in catalog');
    assert.equal(await sync.unknownImages(), 1);
    sync.connect(siteHost());
    await sync.refresh();
    assert.equal(await sync.unknownImages(), 0);
    assert.deepEqual(sync.sent, [['debian-12', 'ubuntu-24.04', 'vlm-tiny', 'site-image']]);
    sync.connect();
    await sync.refresh();
    assert.equal(await sync.unknownImages(), 1, 'the host left: its images go with it');
  });

  test('the same connections are not read again; a reconnect is', async () => {
    const sync = setup();
    let reads = 0;
    const counted = (key: string): CatalogSource => ({
      key,
      imageNames: async () => {
        reads++;
        return ['site-image'];
      },
    });
    sync.connect(counted('site 1'));
    await Promise.all([sync.refresh(), sync.refresh()]);
    assert.equal(reads, 1);
    sync.connect(counted('site 2'));
    await sync.refresh();
    assert.equal(reads, 2);
    assert.equal(sync.sent.length, 1, 'the same images are not sent again');
  });

  test('a host that cannot list its images leaves the built-in ones, with a warning', async () => {
    const sync = setup();
    sync.connect({ key: 'broken', imageNames: async () => Promise.reject(new Error('connection closed')) }, siteHost());
    await sync.refresh();
    assert.equal(await sync.unknownImages(), 0);
    assert.match(sync.warnings[0] ?? '', /Could not read the images of a host.*connection closed/);
  });
});
