// The cloud spend source over the real dashboard store: Cost Explorer's answer is kept in
// dashboard.json, so another window (a second store on the same file) asks nothing again; no
// secret reaches the file; and a file holding two answers for one account and month is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { awsProviderModule, createAwsProvider } from '@vlm/clouds/src/aws/aws-provider';
import type { CloudAccount } from '@vlm/clouds/src/cloud-provider';
import { DashboardStore, dashboardFileName } from '@vlm/webviews/src/store/dashboard-store';
import { type AwsWorld, fastFollow, refusedHosts, secretSource, standInSecrets, startAwsWorld } from '../../../clouds/test/aws/aws-fixture';
import { type CostExplorerStandIn, startCostExplorerStandIn } from '../../../clouds/test/stand-ins/cost-explorer-server';
import { cloudSpendSource } from '../../src/dashboard/cloud-spend-source';

const directory = mkdtempSync(join(tmpdir(), 'vlm-cloud-spend-'));
let world: AwsWorld;
let costExplorer: CostExplorerStandIn;
let account: CloudAccount;

before(async () => {
  world = await startAwsWorld({ regions: ['us-east-1'], count: 1 });
  costExplorer = await startCostExplorerStandIn({
    costs: { '2026-10': [{ service: 'Amazon Elastic Compute Cloud - Compute', amount: '41.2399999', unit: 'USD' }] },
  });
  account = {
    id: 'prod',
    provider: 'aws',
    settings: { credentials: 'accessKey', regions: ['us-east-1'], endpoint: world.standIn.url, costExplorerEndpoint: costExplorer.url },
  };
});
after(async () => {
  await costExplorer.close();
  await world.close();
  rmSync(directory, { recursive: true, force: true });
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});

function windowSource() {
  const store = DashboardStore.open({ directory });
  return cloudSpendSource({
    accounts: () => [account],
    secrets: secretSource(standInSecrets),
    store: () => store,
    createProvider: async (chosen, secrets) =>
      createAwsProvider(chosen, awsProviderModule.parseSettings(chosen.settings), secrets, fastFollow),
    now: () => new Date('2026-11-29T12:00:00Z'),
  });
}

test("Cost Explorer's answer is kept in dashboard.json: another window shows it without a call, and no secret is written", async () => {
  const first = await windowSource().linesFor('2026-10');
  assert.equal(costExplorer.requests.length, 1);
  assert.deepEqual(
    first.lines.map((line) => [line.source, line.date, line.amountMinor, line.link]),
    [['costExplorer', '2026-10-31', 4124, { kind: 'provider', id: 'prod' }]],
  );
  const second = await windowSource().linesFor('2026-10');
  assert.equal(costExplorer.requests.length, 1, 'the second window made no request');
  assert.deepEqual(second, first);
  const text = readFileSync(join(directory, dashboardFileName), 'utf8');
  assert.deepEqual(JSON.parse(text).costExplorerCache, [
    {
      account: 'prod',
      month: '2026-10',
      fetchedAt: '2026-11-29T12:00:00.000Z',
      amounts: [{ service: 'Amazon Elastic Compute Cloud - Compute', amountMinor: 4124, currency: 'USD' }],
    },
  ]);
  assert.ok(!text.includes(standInSecrets.secretAccessKey) && !text.includes(standInSecrets.accessKeyId), 'no key in the file');
});

test('one window asking twice at once makes one call', async () => {
  costExplorer.costs['2026-09'] = [{ service: 'AWS Lambda', amount: '0.20', unit: 'USD' }];
  const before = costExplorer.requests.length;
  const source = windowSource();
  const [first, second] = await Promise.all([source.linesFor('2026-09'), source.linesFor('2026-09')]);
  assert.equal(costExplorer.requests.length, before + 1);
  assert.deepEqual(first, second);
  assert.equal(first.lines[0]?.amountMinor, 20);
});

test("the registry's provider prices an account's instance hours from its hourlyPrices setting", async () => {
  const priced: CloudAccount = {
    id: 'priced',
    provider: 'aws',
    settings: {
      credentials: 'accessKey',
      regions: ['us-east-1'],
      endpoint: world.standIn.url,
      costExplorer: false,
      hourlyPrices: { currency: 'USD', bySize: { 't3.micro': '0.0104' } },
    },
  };
  const store = DashboardStore.open({ directory: mkdtempSync(join(directory, 'priced-')) });
  const source = cloudSpendSource({
    accounts: () => [priced],
    secrets: secretSource(standInSecrets),
    store: () => store,
    now: () => new Date('2026-11-29T12:00:00Z'),
  });
  const { lines, problems } = await source.linesFor('2026-11');
  assert.deepEqual(problems, []);
  assert.equal(lines.length, 29, 'one line a day the instance ran');
  assert.deepEqual(
    [lines[0]?.source, lines[0]?.date, lines[0]?.amountMinor, lines[0]?.currency],
    ['cloud', '2026-11-01', 25, 'USD'],
    '24 h × 0.0104 USD',
  );
});

test('a file with two answers for one account and month, or a made-up currency, is refused and left untouched', async () => {
  const path = join(directory, dashboardFileName);
  const data = JSON.parse(readFileSync(path, 'utf8'));
  const [entry] = data.costExplorerCache;
  for (const [cache, problem] of [
    [[entry, entry], /costExplorerCache\[1\] repeats the account prod and month 2026-10/],
    [
      [{ ...entry, amounts: [{ ...entry.amounts[0], currency: 'XYZ' }] }],
      /costExplorerCache\[0\]\.amounts\[0\]\.currency: XYZ is not an ISO 4217/,
    ],
  ] as const) {
    const text = `${JSON.stringify({ ...data, costExplorerCache: cache }, null, 2)}\n`;
    writeFileSync(path, text);
    await assert.rejects(DashboardStore.open({ directory }), problem);
    assert.equal(readFileSync(path, 'utf8'), text, 'left untouched');
  }
});
