// The registry: unavailable providers refused clearly, accounts checked field by field before
// the provider's own settings check, and the provider built from the parsed settings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountError } from '../src/account-check';
import { CloudError } from '../src/cloud-errors';
import type { CloudAccount, ProviderModule } from '../src/cloud-provider';
import { ProviderRegistry, providerRegistry } from '../src/provider-registry';
import { inMemoryProvider } from './in-memory-provider';

const noSecrets = { get: async () => undefined };

function fakeModule(created: Array<{ account: CloudAccount; settings: { region: string } }>): ProviderModule<{ region: string }> {
  return {
    kind: 'proxmox',
    secretKeys: ['token'],
    parseSettings(settings) {
      if (typeof settings.region !== 'string') throw new CloudError('invalidInput', 'proxmox', 'settings.region must be a string');
      return { region: settings.region };
    },
    create(account, settings) {
      created.push({ account, settings });
      return inMemoryProvider({ kind: 'proxmox', accountId: account.id, instances: {} });
    },
  };
}

describe('provider registry', () => {
  it('refuses a provider this build does not hold with a CloudError naming it', async () => {
    const registry = new ProviderRegistry({});
    const error = await registry.create({ id: 'home', provider: 'vsphere', settings: {} }, noSecrets).catch((caught: unknown) => caught);
    assert.ok(error instanceof CloudError);
    assert.equal(error.kind, 'invalidInput');
    assert.equal(error.provider, 'vsphere');
    assert.equal(error.describe(), 'vsphere: provider vsphere is not available in this build. This build has no cloud provider yet.');
    assert.equal(registry.isAvailable('vsphere'), false);
  });

  it('builds a provider from the settings its module parsed', async () => {
    const created: Array<{ account: CloudAccount; settings: { region: string } }> = [];
    const registry = new ProviderRegistry({ proxmox: async () => fakeModule(created) as ProviderModule });
    const provider = await registry.create(
      { id: 'lab-1', provider: 'proxmox', label: 'Lab', settings: { region: 'x', extra: 1 } },
      noSecrets,
    );
    assert.equal(provider.accountId, 'lab-1');
    assert.deepEqual(created, [
      { account: { id: 'lab-1', provider: 'proxmox', label: 'Lab', settings: { region: 'x', extra: 1 } }, settings: { region: 'x' } },
    ]);
    assert.deepEqual(registry.available(), ['proxmox']);
    assert.deepEqual(await registry.secretKeysOf('proxmox'), ['token']);
    const other = await registry.create({ id: 'x', provider: 'aws', settings: {} }, noSecrets).catch((caught: unknown) => caught);
    assert.ok(other instanceof CloudError);
    assert.equal(other.details.hint, 'This build has: proxmox.');
  });

  it("passes on the provider's settings error and builds nothing", async () => {
    const created: Array<{ account: CloudAccount; settings: { region: string } }> = [];
    const registry = new ProviderRegistry({ proxmox: async () => fakeModule(created) as ProviderModule });
    await assert.rejects(
      registry.create({ id: 'lab', provider: 'proxmox', settings: { region: 5 } }, noSecrets),
      /settings\.region must be a string/,
    );
    assert.deepEqual(created, []);
  });

  it('refuses a module registered under another kind', async () => {
    const registry = new ProviderRegistry({ aws: async () => fakeModule([]) as ProviderModule });
    await assert.rejects(registry.load('aws'), /the module registered for aws is the proxmox provider/);
  });

  it('checks the account before loading anything, naming the field', async () => {
    let loaded = false;
    const registry = new ProviderRegistry({
      proxmox: async () => {
        loaded = true;
        return fakeModule([]) as ProviderModule;
      },
    });
    const cases: Array<[unknown, RegExp]> = [
      [null, /^account must be an object with id, provider and settings, not null/],
      [{ id: '../etc', provider: 'proxmox', settings: {} }, /^account\.id is "\.\.\/etc": an account id has letters, digits/],
      [{ id: 'a'.repeat(64), provider: 'proxmox', settings: {} }, /^account\.id is "a{64}"/],
      [
        { id: 'ok', provider: 'digitalocean', settings: {} },
        /^account\.provider is "digitalocean": one of aws, proxmox, azure, gcp, vsphere/,
      ],
      [{ id: 'ok', provider: 'proxmox', settings: [] }, /^account\.settings is an array: an object of the provider's settings/],
      [{ id: 'ok', provider: 'proxmox' }, /^account\.settings is missing/],
      [
        { id: 'ok', provider: 'proxmox', settings: {}, password: 'x' },
        /^account has an unknown field "password"; allowed: id, provider, label, settings/,
      ],
      [{ id: 'ok', provider: 'proxmox', settings: {}, label: 'a\u001b[31m' }, /^account\.label is "a\\u001b\[31m": a label is text/],
    ];
    for (const [account, expected] of cases) {
      const error = await registry.create(account, noSecrets).catch((caught: unknown) => caught);
      assert.ok(error instanceof AccountError, `${JSON.stringify(account)} gave ${String(error)}`);
      assert.match(error.message, expected);
    }
    assert.equal(loaded, false);
  });

  it('the built-in table names only kinds of the interface', () => {
    for (const kind of providerRegistry.available()) assert.ok(['aws', 'proxmox', 'azure', 'gcp', 'vsphere'].includes(kind));
  });
});
