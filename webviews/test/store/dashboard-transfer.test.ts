// Export and import of the whole dashboard: a round trip, replace and merge with clashes, and
// files a user (or someone else) might hand the import: too large, another program's JSON, a newer
// version, duplicate ids, a negative budget, an unknown currency, __proto__ keys, deep nesting.
// Through the store too: a refused import changes nothing on disk.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { DashboardData } from '@vlm/schemas';
import { emptySections } from '../../src/store/dashboard-data';
import { DashboardStore } from '../../src/store/dashboard-store';
import {
  applyDashboardImport,
  describeImport,
  exportDashboard,
  maximumImportBytes,
  readDashboardExport,
} from '../../src/store/dashboard-transfer';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function sample(): DashboardData {
  return {
    ...emptySections(),
    schema_version: 2,
    revision: 7,
    expenses: [{ id: 'e1', date: '2026-03-01', amountMinor: 1250, currency: 'EUR', category: 'hosting', note: 'vps' }],
    budgets: [{ id: 'b1', scope: 'category', match: 'hosting', amountMinor: 5000, currency: 'EUR' }],
    exchangeRates: [{ from: 'USD', to: 'EUR', rateMicros: 920_000 }],
    tools: [{ id: 't1', name: 'Grafana', url: 'https://grafana.example', category: 'monitoring', tags: [], notes: '', healthCheck: false }],
    costExplorerCache: [],
  };
}

function problemOf(text: string): string {
  const read = readDashboardExport(text);
  assert.equal(read.ok, false, 'the file is refused');
  return read.ok ? '' : read.problem;
}

describe('dashboard export', () => {
  test('leaves out the revision and the caches, and reads back as the same data', () => {
    const text = exportDashboard(sample());
    const parsed = JSON.parse(text);
    assert.equal(parsed.revision, undefined);
    assert.equal(parsed.costExplorerCache, undefined);
    const read = readDashboardExport(text);
    assert.ok(read.ok);
    const { revision: _revision, costExplorerCache: _cache, ...expected } = sample();
    assert.deepEqual(read.data, expected);
  });

  test('a version 1 file (the store of an older extension) is upgraded on import', () => {
    const read = readDashboardExport(JSON.stringify({ schema_version: 1, revision: 3, expenses: sample().expenses }));
    assert.ok(read.ok);
    assert.equal(read.upgradedFrom, 1);
    assert.deepEqual(read.data.expenses, sample().expenses);
    assert.deepEqual(read.data.budgets, []);
  });
});

describe('dashboard import refuses, saying why', () => {
  test('a file over the size limit, before parsing it', () => {
    const huge = `{"schema_version":2,"expenses":[],"note":"${'x'.repeat(50 * 1024 * 1024)}"}`;
    assert.match(problemOf(huge), /The file is 50 MB; a dashboard export may be at most 10 MB\. Nothing was imported\./);
    assert.equal(maximumImportBytes, 10 * 1024 * 1024);
  });

  test('JSON of another program, and text that is not JSON', () => {
    assert.match(problemOf('{"name":"virtual-lab-manager","version":"0.1.0"}'), /not a dashboard export: it has no valid schema_version/);
    assert.match(problemOf('{"schema_version":2,"labs":[]}'), /not a dashboard export: it has "labs"/);
    assert.match(problemOf('[1,2]'), /no valid schema_version/);
    assert.match(problemOf('{"schema_version": 2,'), /it is not JSON/);
  });

  test('a newer schema_version', () => {
    assert.match(problemOf('{"schema_version":99}'), /schema_version 99, written by a newer Virtual Lab Manager; .*up to 2/);
  });

  test('duplicate ids, a negative budget, an unknown currency', () => {
    const data = sample();
    data.expenses.push({ ...data.expenses[0] } as DashboardData['expenses'][number]);
    assert.match(problemOf(JSON.stringify(data)), /expenses\[1\] repeats the id e1/);
    const negative = sample();
    (negative.budgets[0] as { amountMinor: number }).amountMinor = -1;
    assert.match(problemOf(JSON.stringify(negative)), /budgets\[0\]\.amountMinor must be >= 0/);
    const currency = sample();
    (currency.expenses[0] as { currency: string }).currency = 'XYZ';
    assert.match(problemOf(JSON.stringify(currency)), /expenses\[0\].*XYZ/);
  });

  test('__proto__, constructor and prototype keys anywhere', () => {
    const text = exportDashboard(sample()).replace('"note": "vps"', '"note": "vps", "__proto__": {"polluted": true}');
    assert.match(problemOf(text), /a key "__proto__"/);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    assert.match(problemOf('{"schema_version":2,"constructor":{}}'), /a key "constructor"/);
  });

  test('deeply nested JSON, without a stack overflow', () => {
    const deep = `{"schema_version":2,"expenses":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    assert.match(problemOf(deep), /nests 100001 levels deep; a dashboard file nests at most 16/);
  });
});

describe('applying an import', () => {
  test('merge adds what is missing, skips what is the same, and reports ids taken by a different record', () => {
    const draft = sample();
    const incoming = readDashboardExport(exportDashboard(sample()));
    assert.ok(incoming.ok);
    incoming.data.expenses.push({ id: 'e2', date: '2026-03-02', amountMinor: 99, currency: 'USD', category: 'domains', note: '' });
    (incoming.data.tools[0] as { name: string }).name = 'Grafana Cloud';
    incoming.data.exchangeRates.push({ from: 'GBP', to: 'EUR', rateMicros: 1_170_000 });
    const report = applyDashboardImport(draft, incoming.data, 'merge');
    assert.deepEqual(
      draft.expenses.map((expense) => expense.id),
      ['e1', 'e2'],
    );
    assert.equal(draft.tools[0]?.name, 'Grafana', 'the current record is kept');
    assert.deepEqual(report.clashes, ['tools t1']);
    assert.equal(report.added.expenses, 1);
    assert.equal(report.added.exchangeRates, 1);
    assert.equal(report.unchanged, 3);
    assert.match(
      describeImport(report, 'x.json'),
      /Added from x\.json: 1 expenses, 1 exchangeRates; 3 already there\. 1 record\(s\) .*: tools t1\./,
    );
  });

  test('replace takes the file whole and keeps the revision and the cache of this machine', () => {
    const draft = sample();
    draft.costExplorerCache.push({} as never);
    const report = applyDashboardImport(draft, { ...emptySections(), schema_version: 2 }, 'replace');
    assert.deepEqual(draft.expenses, []);
    assert.equal(draft.revision, 7);
    assert.equal(draft.costExplorerCache.length, 1);
    assert.match(describeImport(report, 'x.json'), /Replaced the dashboard with x\.json: it now holds nothing new\./);
  });

  test('through the store: a merge saved whole; a change refused by the store leaves the file as it was', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'vlm-transfer-'));
    folders.push(directory);
    const store = await DashboardStore.open({ directory });
    await store.update((draft) => Object.assign(draft, sample(), { revision: draft.revision }));
    const before = readFileSync(store.path, 'utf8');
    const read = readDashboardExport(exportDashboard(sample()));
    assert.ok(read.ok);
    // An imported expense that the store's check refuses (a second e1 slipped past a merge) fails the whole update.
    await assert.rejects(
      store.update((draft) => {
        applyDashboardImport(draft, read.data, 'merge');
        draft.expenses.push({ ...(draft.expenses[0] as DashboardData['expenses'][number]) });
      }),
      /Refused to save the dashboard: expenses\[1\] repeats the id e1\. Nothing was saved\./,
    );
    assert.equal(readFileSync(store.path, 'utf8'), before);
    await store.update((draft) => applyDashboardImport(draft, read.data, 'replace'));
    assert.deepEqual((await store.read()).tools, sample().tools);
    await store.close();
  });
});
