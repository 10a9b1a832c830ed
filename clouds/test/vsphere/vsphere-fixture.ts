// What the vSphere tests share: a provider for an account on a running simulator, and a check
// that a promise fails with a CloudError of the expected kind.
import assert from 'node:assert/strict';
import { type CloudError, type CloudErrorKind, isCloudError } from '../../src/cloud-errors.js';
import type { CloudProvider, SecretSource } from '../../src/cloud-provider.js';
import { SoapClient } from '../../src/vsphere/soap-client.js';
import { VimClient } from '../../src/vsphere/vim-client.js';
import { vsphereModule } from '../../src/vsphere/vsphere-provider.js';
import type { VsphereSimulator } from '../stand-ins/vsphere-simulator.js';

/** The four VMs of the simulator's default vCenter model. */
export const defaultVmNames = ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1', 'DC0_H0_VM0', 'DC0_H0_VM1'];

export function secretsOf(passwords: { current: string | undefined }): SecretSource {
  return { get: async (_account, key) => (key === 'password' ? passwords.current : undefined) };
}

export function providerFor(
  simulator: Pick<VsphereSimulator, 'url' | 'username' | 'password'>,
  options: { secrets?: SecretSource; settings?: Record<string, unknown> } = {},
): CloudProvider {
  const settings = vsphereModule.parseSettings({ url: simulator.url, username: simulator.username, ...options.settings });
  const secrets = options.secrets ?? secretsOf({ current: simulator.password });
  return vsphereModule.create({ id: 'vcenter-test', provider: 'vsphere', settings: {} }, settings, secrets);
}

export async function rejectsWith(promise: Promise<unknown>, kind: CloudErrorKind, code?: string): Promise<CloudError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isCloudError(error), `expected a CloudError, got ${String(error)}`);
    assert.equal(error.kind, kind, `expected ${kind}, got ${error.kind}: ${error.describe()}`);
    if (code !== undefined) assert.equal(error.details.code, code, error.describe());
    return error;
  }
  assert.fail(`expected a ${kind} CloudError, but it succeeded`);
}

/** A session of the test's own on the simulator, for what a vCenter administrator would do by hand. */
export async function adminSession<T>(simulator: VsphereSimulator, work: (vim: VimClient) => Promise<T>): Promise<T> {
  const vim = new VimClient(new SoapClient({ url: simulator.url }));
  try {
    await vim.retrieveServiceContent();
    await vim.login(simulator.username, simulator.password);
    const result = await work(vim);
    await vim.logout();
    return result;
  } finally {
    await vim.soap.close();
  }
}
