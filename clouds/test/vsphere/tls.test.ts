// vCenter over https with a self-signed certificate: trusted through the account's caFile,
// refused without it (there is no switch to skip verification), and a caFile that is not a
// certificate named in the error.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startVsphereSimulator, type VsphereSimulator } from '../stand-ins/vsphere-simulator.js';
import { defaultVmNames, providerFor, rejectsWith } from './vsphere-fixture.js';

describe('vSphere over https against the simulator', () => {
  let simulator: VsphereSimulator;
  let folder: string;
  before(async () => {
    simulator = await startVsphereSimulator({ tls: true });
    folder = await mkdtemp(join(tmpdir(), 'vlm-vsphere-tls-'));
  });
  after(async () => {
    assert.deepEqual(await simulator.stop(), []);
    await rm(folder, { recursive: true, force: true });
  });

  test('with the simulator certificate as caFile, it logs in and lists the VMs', async () => {
    assert.match(simulator.url, /^https:/);
    const provider = providerFor(simulator, { settings: { caFile: simulator.caFile } });
    try {
      const [location] = await provider.listLocations();
      assert.ok(location);
      const { instances } = await provider.listInstances(location.id);
      assert.deepEqual(instances.map((instance) => instance.name).sort(), defaultVmNames);
    } finally {
      provider.dispose();
    }
  });

  test('without a caFile the self-signed certificate is refused as unreachable, with the caFile hint', async () => {
    const provider = providerFor(simulator);
    const error = await rejectsWith(provider.listLocations(), 'unreachable');
    assert.match(error.message, /certificate this machine does not trust/);
    assert.match(error.details.hint ?? '', /caFile/);
    provider.dispose();
  });

  test('a caFile that holds no certificate is named, before any request', async () => {
    const notPem = join(folder, 'not-a-certificate.pem');
    await writeFile(notPem, 'hello\n');
    const provider = providerFor(simulator, { settings: { caFile: notPem } });
    const error = await rejectsWith(provider.listLocations(), 'invalidInput');
    assert.match(error.message, /Setting "caFile" \(.*not-a-certificate\.pem\) could not be used: no PEM certificate/);
    provider.dispose();
    const missing = providerFor(simulator, { settings: { caFile: join(folder, 'missing.pem') } });
    await rejectsWith(missing.listLocations(), 'invalidInput');
    missing.dispose();
  });

  test('plain http is refused for anything but this machine', () => {
    assert.throws(
      () => providerFor({ ...simulator, url: 'http://vcenter.example.com/sdk' }),
      /Setting "url" uses http:, which would send the password unencrypted/,
    );
  });
});
