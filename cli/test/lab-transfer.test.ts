// `vlm lab import` and `vlm lab export` as a user runs them: the built `vlm` against a real
// vlm-host on libvirt's test driver, the lab served by an HTTP server on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startHostFixture, type HostFixture } from '../../host-service/test/support/host-fixture';
import { attributeProblems } from '../../host-service/test/terraform/provider-rules';
import { ensureBuilt, repositoryRoot } from './run-vlm';
import { runVlmAsync } from './running-vlm';

const tinyPair = join(repositoryRoot, 'schemas', 'examples', 'tiny-pair.lab.yaml');
// A cloud-config with Terraform template sequences and quotes: they must come back as written.
const hostileCloudInit = '#cloud-config\nruncmd:\n  - echo "$' + '{HOME}" \'%' + "{ if }' $$" + '{x}\n';

let fixture: HostFixture;
let hostArgument: string;
let server: Server;
let base: string;
let folder: string;
const served = new Map<string, string>();
const vlm = (...commandLine: string[]) => runVlmAsync([...commandLine, '--host', hostArgument]);

before(async () => {
  ensureBuilt();
  fixture = await startHostFixture({ name: 'cli-transfer' });
  hostArgument = `unix:${fixture.socketPath}`;
  folder = await mkdtemp(join(tmpdir(), 'vlm-transfer-'));
  server = createServer((request, response) => {
    const body = served.get(request.url ?? '');
    if (body === undefined) response.writeHead(404).end();
    else response.end(body);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await fixture?.dispose();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('vlm lab import', () => {
  it('refuses a lab with errors, non-YAML and a bad scheme before anything reaches the host', async () => {
    served.set('/bad.yaml', 'name: Bad Name\nvms: []\n');
    served.set('/not-yaml', '\u0000\u0001 {{{ [[[ : : :\n');
    for (const [source, message] of [
      [`${base}/bad.yaml`, /fix the lab file first \(nothing was sent to the host\)/],
      [`${base}/not-yaml`, /fix the lab file first/],
      [`${base}/absent`, /answered 404.*Nothing was created/],
      ['file:///etc/passwd', /file: URLs are not allowed/],
    ] as const) {
      const result = await vlm('lab', 'import', '--yes', source);
      assert.equal(result.status, 1, `${source}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message);
    }
    // A huge file: refused by the language service's size limit, before any host request.
    const huge = join(folder, 'huge.lab.yaml');
    await writeFile(huge, `name: huge\ndescription: "${'x'.repeat(5 * 1024 * 1024)}"\nvms: []\n`);
    const refused = await vlm('lab', 'import', '--yes', huge);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /MB/);
    const list = await vlm('lab', 'list', '--json');
    assert.deepEqual(JSON.parse(list.stdout).labs, []);
  });

  it('deploys a lab from a loopback URL, then exports the same lab file back', async () => {
    const lab = parse(await readFile(tinyPair, 'utf8'));
    lab.vms[0].cloud_init = hostileCloudInit;
    served.set('/tiny-pair.lab.yaml', JSON.stringify(lab));
    const imported = await vlm('lab', 'import', '--yes', `${base}/tiny-pair.lab.yaml`);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /Lab tiny-pair is up/);

    const exported = await vlm('lab', 'export', 'tiny-pair');
    assert.equal(exported.status, 0, exported.stderr);
    assert.deepEqual(parse(exported.stdout), lab);
    const file = join(folder, 'tiny-pair.lab.yaml');
    assert.equal((await vlm('lab', 'export', '--output', file, 'tiny-pair')).status, 0);
    assert.deepEqual(parse(await readFile(file, 'utf8')), lab);
    const again = await vlm('lab', 'export', '--output', file, 'tiny-pair');
    assert.equal(again.status, 1);
    assert.match(again.stderr, /exists already/);
  });
});

describe('vlm lab export --format terraform', () => {
  it('writes main.tf.json with the recorded names and ports, lists what the provider cannot say, never overwrites', async () => {
    const result = await vlm('lab', 'export', '--format', 'terraform', '--output', folder, 'tiny-pair');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Wrote .*main\.tf\.json for dmacvicar\/libvirt ~> 0\.9\.7\.$/m);
    assert.match(result.stdout, /Not expressible with the provider/);
    assert.match(result.stdout, /vm alpha: serial console/);
    const document = JSON.parse(await readFile(join(folder, 'main.tf.json'), 'utf8'));
    assert.equal(document.terraform.required_providers.libvirt.version, '~> 0.9.7');
    assert.deepEqual(Object.keys(document.resource.libvirt_domain).sort(), ['vm_alpha', 'vm_beta']);
    assert.equal(document.resource.libvirt_domain.vm_alpha.name, 'tiny-pair.alpha');
    assert.equal(document.resource.libvirt_network.net_lan.name, 'tiny-pair.lan');
    // Template sequences in the cloud-config are escaped for Terraform.
    const userData: string = document.resource.libvirt_cloudinit_disk.cloudinit_alpha.user_data;
    assert.ok(userData.includes('$$' + '{HOME}') && userData.includes('%%' + '{ if }') && userData.includes('$$$' + '{x}'), userData);
    const status = JSON.parse((await vlm('lab', 'status', '--json', 'tiny-pair')).stdout);
    const sshPort = status.resources.ports.find((port: { vm: string; kind: string }) => port.vm === 'alpha' && port.kind === 'ssh').port;
    assert.match(
      document.resource.libvirt_domain.vm_alpha.qemu_commandline.args[1].value,
      new RegExp(`hostfwd=tcp:127\\.0\\.0\\.1:${sshPort}-:22`),
    );

    // Every block the real host exported fits the provider's attribute list at v0.9.7.
    for (const [kind, bodies] of Object.entries(document.resource as Record<string, Record<string, Record<string, unknown>>>))
      for (const body of Object.values(bodies)) assert.deepEqual(attributeProblems(kind, body), []);

    const again = await vlm('lab', 'export', '--format', 'terraform', '--output', folder, 'tiny-pair');
    assert.equal(again.status, 1);
    assert.match(again.stderr, /main\.tf\.json': it exists already/);
    const unknown = await vlm('lab', 'export', '--format', 'terraform', '--output', folder, 'no-such-lab');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /There is no lab named "no-such-lab"/);
    assert.equal((await vlm('lab', 'export', '--format', 'hcl', 'tiny-pair')).status, 2);
  });
});
