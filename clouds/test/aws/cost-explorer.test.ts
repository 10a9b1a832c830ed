// Cost Explorer through the real SDK against the loopback stand-in: every page read, answers kept
// so a second look costs no call, access refused or throttled beyond the SDK's retries falling
// back to instance hours, and hostile figures left out with a reason.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { CostExplorerCacheEntry } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { awsProviderModule, createAwsProvider } from '../../src/aws/aws-provider.js';
import { withEntry } from '../../src/aws/cost-explorer-cache.js';
import type { CloudAccount } from '../../src/cloud-provider.js';
import { type CloudSpendOptions, type CostExplorerCacheStore, cloudSpend } from '../../src/cloud-spend.js';
import { type CostExplorerStandIn, type ServiceCost, startCostExplorerStandIn } from '../stand-ins/cost-explorer-server.js';
import { type AwsWorld, fastFollow, refusedHosts, secretSource, standInSecrets, startAwsWorld } from './aws-fixture.js';

const now = new Date('2026-11-29T12:00:00Z');
const services = (count: number): ServiceCost[] =>
  Array.from({ length: count }, (_, index) => ({ service: `Service ${index + 1}`, amount: `${index + 1}.005`, unit: 'USD' }));

let world: AwsWorld;
let costExplorer: CostExplorerStandIn;
let account: CloudAccount;

before(async () => {
  world = await startAwsWorld({ regions: ['us-east-1'], count: 2, states: ['running'] });
  costExplorer = await startCostExplorerStandIn({ pageSize: 3, costs: { '2026-11': services(7), '2026-10': services(2) } });
  account = {
    id: 'prod',
    provider: 'aws',
    settings: { credentials: 'accessKey', regions: ['us-east-1'], endpoint: world.standIn.url, costExplorerEndpoint: costExplorer.url },
  };
});
after(async () => {
  await costExplorer.close();
  await world.close();
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});
beforeEach(() => {
  costExplorer.requests.length = 0;
  costExplorer.allow();
  costExplorer.loopPages = false;
});

function memoryCache(): CostExplorerCacheStore & { entries: CostExplorerCacheEntry[] } {
  const cache = {
    entries: [] as CostExplorerCacheEntry[],
    read: async () => cache.entries,
    save: async (entry: CostExplorerCacheEntry) => {
      cache.entries = withEntry(cache.entries, entry);
    },
  };
  return cache;
}

function options(cache: CostExplorerCacheStore, overrides: Partial<CloudSpendOptions> = {}): CloudSpendOptions {
  return {
    accounts: [account],
    secrets: secretSource(standInSecrets),
    createProvider: async (chosen, secrets) =>
      createAwsProvider(chosen, awsProviderModule.parseSettings(chosen.settings), secrets, fastFollow),
    cache,
    now,
    ...overrides,
  };
}

test('every page is read, the month asked as Cost Explorer takes it, and the answer kept', async () => {
  const cache = memoryCache();
  const { lines, problems } = await cloudSpend('2026-11', options(cache));
  assert.deepEqual(problems, []);
  assert.equal(costExplorer.requests.length, 3, '7 services, 3 a page');
  assert.deepEqual(costExplorer.requests[0], {
    target: 'AWSInsightsIndexService.GetCostAndUsage',
    body: {
      TimePeriod: { Start: '2026-11-01', End: '2026-11-30' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    },
  });
  assert.deepEqual(
    lines.map((line) => [line.source, line.date, line.amountMinor, line.currency, line.note.split(':')[0]]),
    services(7).map((cost, index) => ['costExplorer', '2026-11-29', (index + 1) * 100 + 1, 'USD', cost.service]),
    'Cost Explorer lines replace the hours × price ones: no cloud line',
  );
  assert.equal(cache.entries.length, 1);
  assert.equal(cache.entries[0]?.fetchedAt, now.toISOString());
});

test('a kept answer costs no call: the current month for 12 hours, a closed month for good', async () => {
  const cache = memoryCache();
  await cloudSpend('2026-11', options(cache));
  await cloudSpend('2026-10', options(cache));
  const asked = costExplorer.requests.length;
  const again = await cloudSpend('2026-11', options(cache, { now: new Date(now.getTime() + 11 * 3_600_000) }));
  await cloudSpend('2026-10', options(cache, { now: new Date('2027-03-01T00:00:00Z') }));
  assert.equal(costExplorer.requests.length, asked, 'no request');
  assert.equal(again.lines.length, 7);
  await cloudSpend('2026-11', options(cache, { now: new Date(now.getTime() + 12 * 3_600_000) }));
  assert.equal(costExplorer.requests.length, asked + 3, 'asked again after 12 hours');
});

test('access refused, or Cost Explorer not enabled: hours × price instead, with the reason', async () => {
  for (const [fault, reason] of [
    [
      'accessDenied',
      /Cost Explorer refused prod \(AccessDeniedException: User: arn:aws:iam::123456789012:user\/vlm-test is not authorized to perform: ce:GetCostAndUsage/,
    ],
    [
      'notEnabled',
      /AccessDeniedException: User not enabled for cost explorer access\): it needs the ce:GetCostAndUsage right, and Cost Explorer enabled/,
    ],
  ] as const) {
    costExplorer.deny(fault);
    const cache = memoryCache();
    const { lines, problems } = await cloudSpend('2026-11', options(cache));
    assert.equal(costExplorer.requests.length, 1, 'an access error is not retried');
    costExplorer.requests.length = 0;
    assert.deepEqual(lines, [], 'EC2 tells no price, so no hours are costed');
    assert.match(problems[0] ?? '', reason);
    assert.match(problems[0] ?? '', /Instance hours × price are shown instead\.$/);
    assert.match(problems[1] ?? '', /^prod: vm-1 \(i-[0-9a-f]+\), vm-2 \(i-[0-9a-f]+\) ran in 2026-11 but aws tells no hourly price/);
    assert.deepEqual(cache.entries, [], 'nothing kept');
  }
});

test('throttling is retried by the SDK; throttled beyond its attempts falls back, and a kept answer is shown', async () => {
  costExplorer.failNext(1, 'throttle');
  const cache = memoryCache();
  const { lines } = await cloudSpend('2026-10', options(cache));
  assert.equal(costExplorer.requests.length, 2, 'one throttled, one answered');
  assert.equal(lines.length, 2);
  costExplorer.requests.length = 0;
  costExplorer.deny('throttle');
  const later = new Date('2026-11-01T06:00:00Z'); // the kept answer was fetched before October had settled
  cache.entries = cache.entries.map((entry) => ({ ...entry, fetchedAt: '2026-10-31T12:00:00.000Z' }));
  const stale = await cloudSpend('2026-10', options(cache, { now: later, costExplorerAttempts: 2 }));
  assert.equal(costExplorer.requests.length, 2, 'the SDK tried twice');
  assert.equal(stale.lines.length, 2, 'the kept answer stands in for the one Cost Explorer could not give');
  assert.match(stale.problems[0] ?? '', /\(ThrottlingException: Rate exceeded\)\. Its answer of 2026-10-31T12:00:00\.000Z is shown\./);
  const none = await cloudSpend('2026-10', options(memoryCache(), { now: later, costExplorerAttempts: 2 }));
  assert.match(none.problems[0] ?? '', /ThrottlingException.*Instance hours × price are shown instead/);
});

test('hostile figures are left out with a reason; a credit stays negative; a control character never reaches a name', async () => {
  costExplorer.costs['2026-09'] = [
    { service: 'Too precise', amount: `1.${'5'.repeat(40)}`, unit: 'USD' },
    { service: 'Credit', amount: '-12.50', unit: 'USD' },
    { service: 'Not a number', amount: 'NaN', unit: 'USD' },
    { service: 'Exponent', amount: '1e308', unit: 'USD' },
    { service: 'Made-up money', amount: '3.00', unit: 'XYZ' },
    { service: 'Evil\u0000\u001b[2J\nname', amount: '0.10', unit: 'EUR' },
  ];
  const cache = memoryCache();
  const { lines, problems } = await cloudSpend('2026-09', options(cache));
  assert.deepEqual(
    lines.map((line) => [line.note.split(': unblended')[0], line.amountMinor, line.currency]),
    [
      ['Credit', -1250, 'USD'],
      ['Evil\ufffd\ufffd[2J\ufffdname', 10, 'EUR'],
    ],
  );
  const message = checkPanelMessage('ExpensesToPanel', { type: 'derivedSpend', lines, problems });
  assert.ok(message.ok, 'what reaches the panel is a valid derivedSpend message');
  assert.deepEqual(problems, [
    `prod: Cost Explorer's figure for Too precise was left out: the amount "1.${'5'.repeat(38)}" has 40 decimals; at most 20 are read.`,
    `prod: Cost Explorer's figure for Not a number was left out: the amount "NaN" is not a decimal number (digits, an optional "-" and ".").`,
    `prod: Cost Explorer's figure for Exponent was left out: the amount "1e308" is not a decimal number (digits, an optional "-" and ".").`,
    `prod: Cost Explorer's figure for Made-up money was left out: XYZ is not an ISO 4217 currency code in use.`,
  ]);
});

test('a wrong secret is refused by the signature check, and costExplorer: false asks nothing', async () => {
  const wrong = await cloudSpend(
    '2026-11',
    options(memoryCache(), { secrets: secretSource({ ...standInSecrets, secretAccessKey: 'not-the-secret' }) }),
  );
  assert.match(wrong.problems[0] ?? '', /InvalidSignatureException: The request signature we calculated does not match/);
  costExplorer.requests.length = 0;
  const off = { ...account, settings: { ...account.settings, costExplorer: false } };
  const { problems } = await cloudSpend('2026-11', options(memoryCache(), { accounts: [off] }));
  assert.equal(costExplorer.requests.length, 0);
  assert.match(problems[0] ?? '', /tells no hourly price/);
});

test('a page token answered again is refused rather than followed forever', async () => {
  costExplorer.loopPages = true;
  const { lines, problems } = await cloudSpend('2026-11', options(memoryCache()));
  assert.equal(costExplorer.requests.length, 2, 'the first page, then the repeated token noticed');
  assert.deepEqual(lines, []);
  assert.match(
    problems[0] ?? '',
    /Cost Explorer's answer for prod was refused: Cost Explorer kept paging \(2 pages, or a token repeated\) for 2026-11\. Instance hours/,
  );
});

test('a month that is not YYYY-MM is refused before anything is asked', async () => {
  for (const month of ['2026-13', '2026-1', '2026-11-01', '../../etc']) {
    await assert.rejects(cloudSpend(month, options(memoryCache())), /is not a month: write YYYY-MM/);
  }
  assert.equal(costExplorer.requests.length, 0);
});
