// Instance spend priced from the account's hourlyPrices setting: the EC2 stand-in answers through
// the real SDK, the provider is built by the registry as users get it, and every running
// instance's hours become lines at the price of its type (or "*"), an unpriced type a problem.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import type { CloudAccount } from '../../src/cloud-provider.js';
import { cloudSpend } from '../../src/cloud-spend.js';
import { createProvider } from '../../src/provider-registry.js';
import { type AwsWorld, refusedHosts, secretSource, standInSecrets, startAwsWorld } from './aws-fixture.js';

const now = new Date('2026-11-29T12:00:00Z');
let world: AwsWorld;

before(async () => {
  world = await startAwsWorld({ regions: ['us-east-1'], count: 3, types: ['t3.micro', 'm5.large', 'c5.xlarge'], states: ['running'] });
});
after(async () => {
  await world.close();
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});

function account(bySize: Record<string, string>): CloudAccount {
  return {
    id: 'prod',
    provider: 'aws',
    settings: {
      credentials: 'accessKey',
      regions: ['us-east-1'],
      endpoint: world.standIn.url,
      costExplorer: false,
      hourlyPrices: { currency: 'USD', bySize },
    },
  };
}

function spend(bySize: Record<string, string>) {
  const noCache = { read: async () => [], save: async () => {} };
  return cloudSpend('2026-11', { accounts: [account(bySize)], secrets: secretSource(standInSecrets), createProvider, cache: noCache, now });
}

test('hours are priced by instance type from the setting; a type without a price stays a problem', async () => {
  const { lines, problems } = await spend({ 't3.micro': '0.0104', 'm5.large': '0.096' });
  const micro = lines.filter((line) => line.note.includes('t3.micro'));
  const large = lines.filter((line) => line.note.includes('m5.large'));
  assert.equal(micro.length, 29, 'one line a day from the 1st to the 29th');
  assert.deepEqual(micro[0], {
    source: 'cloud',
    date: '2026-11-01',
    amountMinor: 25,
    currency: 'USD',
    category: 'Cloud',
    note: 'vm-1 (i-00000000000000001), t3.micro: 24.00 h × 0.0104 USD/h',
    link: { kind: 'provider', id: 'prod' },
  });
  assert.equal(micro.at(-1)?.amountMinor, 12, 'the 29th until noon: 12 h × 0.0104 = 0.1248');
  assert.equal(
    micro.reduce((sum, line) => sum + line.amountMinor, 0),
    28 * 25 + 12,
  );
  assert.equal(large[0]?.amountMinor, 230, '24 h × 0.096 = 2.304');
  assert.equal(lines.filter((line) => line.note.includes('c5.xlarge')).length, 0);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /^prod: vm-3 \(i-0+3\) ran in 2026-11 but aws tells no hourly price for them and settings\.hourlyPrices/);
  assert.ok(checkPanelMessage('ExpensesToPanel', { type: 'derivedSpend', lines, problems }).ok, 'a valid derivedSpend message');
});

test('"*" prices every type not listed', async () => {
  const { lines, problems } = await spend({ 't3.micro': '0.0104', '*': '0.2' });
  assert.deepEqual(problems, []);
  const firstDay = lines.filter((line) => line.date === '2026-11-01').map((line) => [line.note.split(':')[0], line.amountMinor]);
  assert.deepEqual(firstDay, [
    ['vm-1 (i-00000000000000001), t3.micro', 25],
    ['vm-2 (i-00000000000000002), m5.large', 480],
    ['vm-3 (i-00000000000000003), c5.xlarge', 480],
  ]);
});
