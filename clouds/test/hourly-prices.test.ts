// The hourly prices a user gives per account: read exactly into micros, refused with the field,
// what was wrong and what is allowed, the same from VS Code settings and the CLI's accounts file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccountError, checkAccount } from '../src/account-check.js';
import { parseAccountsDocument } from '../src/accounts-file.js';
import type { CloudInstance } from '../src/cloud-provider.js';
import { parseHourlyPrices, providerSettings, withHourlyPrices } from '../src/hourly-prices.js';
import { ProviderRegistry } from '../src/provider-registry.js';

const where = 'settings.hourlyPrices';

function refusal(value: unknown): AccountError {
  try {
    parseHourlyPrices(value);
  } catch (error) {
    assert.ok(error instanceof AccountError, `an AccountError, not ${String(error)}`);
    return error;
  }
  assert.fail(`${JSON.stringify(value)} was accepted`);
}

test('prices are read exactly into micros, "*" prices any other size', () => {
  const table = parseHourlyPrices({ currency: 'USD', bySize: { 't3.micro': '0.0104', 'e2-small': ' 0.0168 ', '*': '0.02', free: '0' } });
  assert.deepEqual(table, {
    currency: 'USD',
    bySize: new Map([
      ['t3.micro', 10_400],
      ['e2-small', 16_800],
      ['*', 20_000],
      ['free', 0],
    ]),
  });
  assert.equal(parseHourlyPrices(undefined), undefined, 'the setting is optional');
  assert.deepEqual(parseHourlyPrices({ currency: 'JPY', bySize: { '2 vCPU, 4 GiB': '1.5' } })?.bySize.get('2 vCPU, 4 GiB'), 1_500_000);
});

test('a bad price is refused with its field path, what was wrong and what is allowed', () => {
  const price = (text: unknown) => refusal({ currency: 'USD', bySize: { 't3.micro': text } });
  const field = `${where}.bySize["t3.micro"]`;
  const cases: Array<[unknown, RegExp]> = [
    ['-0.01', /is negative: a price is 0 or more/],
    ['1e-3', /is not a price: write digits with an optional "\." and at most 6 decimals/],
    ['0.0000001', /has 7 decimals; a price has at most 6/],
    ['', /is empty/],
    ['Infinity', /is not a price/],
    ['0x10', /is not a price/],
    ['99999999999', /is too large/],
    [0.0104, /is a number: write the price as text, such as "0\.0104", so it is read exactly/],
    [null, /is null: write the price as text/],
  ];
  for (const [text, reason] of cases) {
    const error = price(text);
    assert.equal(error.field, field, String(text));
    assert.ok(error.message.startsWith(field), error.message);
    assert.match(error.message, reason);
  }
});

test('a bad size key, currency or shape is refused', () => {
  const bySize = { '*': '0.02' };
  const control = refusal({ currency: 'USD', bySize: { 'evil\u0000\u001b[31m': '0.01' } });
  assert.equal(control.field, `${where}.bySize["evil\\u0000\\u001b[31m"]`, 'the path shows control characters escaped');
  assert.match(control.message, /holds control characters; a size is 1 to 100 characters without control characters/);
  assert.ok(!control.message.includes('\u0000') && !control.message.includes('\u001b'), 'no raw control characters in the message');
  const long = refusal({ currency: 'USD', bySize: { ['x'.repeat(101)]: '0.01' } });
  assert.match(long.message, /is 101 characters long; a size is 1 to 100 characters/);
  assert.ok(long.field.length < 120, 'the path is cut short');
  assert.match(refusal({ currency: 'USD', bySize: { '': '0.01' } }).message, /the size is empty/);
  for (const currency of ['usd', 'XYZ', 'US\u0000', 'EURO']) {
    const error = refusal({ currency, bySize });
    assert.equal(error.field, `${where}.currency`);
    assert.match(error.message, /an ISO 4217 currency code in use, three capital letters such as "USD"/);
    assert.ok(!error.message.includes('\u0000'), 'no raw control character in the message');
  }
  assert.match(refusal({ bySize }).message, /currency is missing: an ISO 4217 code such as "USD"/);
  assert.match(refusal({ currency: 'USD' }).message, /bySize is missing: an object of sizes/);
  assert.match(refusal({ currency: 'USD', bySize: {} }).message, /bySize is empty/);
  assert.match(refusal({ currency: 'USD', bySize: ['0.01'] }).message, /bySize is an array/);
  assert.match(refusal('0.01').message, /hourlyPrices is "0\.01": an object with currency and bySize/);
  const unknown = refusal({ currency: 'USD', bySize, byRegion: {} });
  assert.equal(unknown.field, `${where}.byRegion`);
  assert.match(unknown.message, /unknown field "byRegion"; allowed: currency, bySize/);
  const many = Object.fromEntries(Array.from({ length: 1001 }, (_, index) => [`size-${index}`, '0.01']));
  assert.match(refusal({ currency: 'USD', bySize: many }).message, /has 1001 sizes; at most 1000/);
});

test('the account check refuses it with the account path, in settings and in the CLI accounts file alike', () => {
  const account = { id: 'prod', provider: 'aws', settings: { hourlyPrices: { currency: 'USD', bySize: { 't3.micro': '1e-3' } } } };
  assert.throws(() => checkAccount(account, 'vlm.cloudAccounts[0]'), {
    name: 'AccountError',
    field: 'vlm.cloudAccounts[0].settings.hourlyPrices.bySize["t3.micro"]',
  });
  assert.throws(() => parseAccountsDocument({ accounts: [account] }, '/tmp/clouds.json'), {
    name: 'AccountsFileError',
    field: 'accounts[0].settings.hourlyPrices.bySize["t3.micro"]',
    message: /^\/tmp\/clouds\.json: accounts\[0\]\.settings\.hourlyPrices\.bySize\["t3\.micro"\] "1e-3" is not a price/,
  });
  const good = { ...account, settings: { regions: ['us-east-1'], hourlyPrices: { currency: 'EUR', bySize: { '*': '0.01' } } } };
  assert.deepEqual(parseAccountsDocument({ accounts: [good] }, '/tmp/clouds.json').accounts[0], good, 'kept as written');
});

test('providers never see the shared setting, so none refuses it as unknown', async () => {
  const seen: Array<Record<string, unknown>> = [];
  const registry = new ProviderRegistry({
    proxmox: async () => ({
      kind: 'proxmox',
      secretKeys: [],
      parseSettings(settings) {
        if (Object.keys(settings).some((name) => name !== 'url')) throw new Error(`unknown ${Object.keys(settings).join()}`);
        seen.push(settings);
        return settings;
      },
      create: (account) => ({ kind: 'proxmox', accountId: account.id }) as never,
    }),
  });
  const settings = { url: 'https://pve.example:8006', hourlyPrices: { currency: 'EUR', bySize: { '*': '0.01' } } };
  await registry.create({ id: 'home', provider: 'proxmox', settings }, { get: async () => undefined });
  assert.deepEqual(seen, [{ url: 'https://pve.example:8006' }]);
  assert.deepEqual(providerSettings(settings), { url: 'https://pve.example:8006' });
});

test('instances get the price of their size, else "*", else none; a provider price is kept', () => {
  const base: CloudInstance = {
    provider: 'aws',
    accountId: 'prod',
    location: 'us-east-1',
    id: 'i-1',
    name: 'a',
    state: 'running',
    providerState: 'running',
    tags: {},
    actions: [],
  };
  const sized = parseHourlyPrices({ currency: 'USD', bySize: { 't3.micro': '0.0104' } });
  const [micro, large, none, propertyName, told] = withHourlyPrices(
    [
      { ...base, size: 't3.micro' },
      { ...base, size: 'm5.large' },
      base,
      { ...base, size: 'constructor' },
      { ...base, size: 't3.micro', pricePerHour: { currency: 'EUR', micros: 5 } },
    ],
    sized,
  );
  assert.deepEqual(micro?.pricePerHour, { currency: 'USD', micros: 10_400 });
  assert.equal(large?.pricePerHour, undefined);
  assert.equal(none?.pricePerHour, undefined);
  assert.equal(propertyName?.pricePerHour, undefined, 'a size named like an object property is not priced');
  assert.deepEqual(told?.pricePerHour, { currency: 'EUR', micros: 5 });
  const fallback = parseHourlyPrices({ currency: 'USD', bySize: { '*': '0.02' } });
  assert.deepEqual(
    withHourlyPrices([{ ...base, size: 'm5.large' }, base], fallback).map((instance) => instance.pricePerHour?.micros),
    [20_000, 20_000],
  );
});
