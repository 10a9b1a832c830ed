// `vlm validate --catalog`: labs checked against a host's image catalog, and catalogs that are
// missing or malformed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runVlm } from './run-vlm';
import { prepareValidateFolder } from './validate-labs';

let folder: string;

before(async () => {
  ({ folder } = await prepareValidateFolder());
});

after(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('vlm validate --catalog', () => {
  const windowsLab = [
    'name: win',
    'vms:',
    '  - name: a',
    '    vcpu: 2',
    '    ram_mb: 4096',
    '    disk_gb: 40',
    '    os_image: windows-2022',
    '',
  ].join('\n');
  const hostCatalog = {
    images: [
      {
        name: 'windows-2022',
        title: 'Windows Server 2022',
        os: 'windows',
        default_user: 'administrator',
        min_ram_mb: 2048,
        min_disk_gb: 32,
        cloud_init: false,
        source: { kind: 'build', script: 'images/windows.sh' },
      },
    ],
  };

  it("accepts an image of the host's catalog that the built-in catalog lacks", () => {
    writeFileSync(join(folder, 'windows.lab.yaml'), windowsLab);
    writeFileSync(join(folder, 'host-catalog.json'), JSON.stringify(hostCatalog));
    const without = runVlm(['validate', 'windows.lab.yaml'], { cwd: folder });
    assert.equal(without.status, 1);
    assert.match(without.lines.join('\n'), /^windows\.lab\.yaml:7:15: error: .*\[vlm-unknown-image\]$/);
    const withCatalog = runVlm(['validate', '--catalog', 'host-catalog.json', 'windows.lab.yaml'], { cwd: folder });
    assert.deepEqual(withCatalog.lines, []);
    assert.equal(withCatalog.status, 0, withCatalog.stderr);
    // The built-in images stay known.
    const builtIn = runVlm(['validate', '--catalog', join(folder, 'host-catalog.json'), 'schemas/examples/tiny-pair.lab.yaml']);
    assert.equal(builtIn.status, 0, builtIn.stdout);
  });

  it('exits 2 and says what is wrong with a catalog that is missing, not JSON or not a catalog', () => {
    writeFileSync(join(folder, 'not-json.json'), '{images');
    writeFileSync(join(folder, 'not-catalog.json'), JSON.stringify({ images: [{ name: 'Bad Name' }] }));
    const cases: Array<[string, RegExp]> = [
      ['missing.json', /^vlm: cannot read the image catalog 'missing\.json': no such file\./],
      ['not-json.json', /^vlm: the image catalog 'not-json\.json' is not JSON: /],
      [
        'not-catalog.json',
        /^vlm: the image catalog 'not-catalog\.json' does not match the image catalog schema: \/images\/0 must have required property 'title'/,
      ],
    ];
    for (const [catalog, message] of cases) {
      const result = runVlm(['validate', '--catalog', catalog, 'valid.lab.yaml'], { cwd: folder });
      assert.equal(result.status, 2, `${catalog}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
  });
});
