// Budget alerts as the user meets them: 80% and 100% of spend so far and of the forecast, each
// shown once per budget and month, also when two windows check at the same moment; and the
// Budgets section's messages, checked on arrival, saved, or refused by field.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ExpenseEntry } from '@vlm/schemas';
import type { BudgetNotice } from '@vlm/webviews/src/expenses/model/budget-alerts';
import { DashboardStore, dashboardFileName } from '@vlm/webviews/src/store/dashboard-store';
import { BudgetAlertChecker } from '../../src/dashboard/budget-alerts';
import { BudgetRequests, isBudgetRequest } from '../../src/dashboard/budget-requests';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const directory = mkdtempSync(join(tmpdir(), 'vlm-budgets-'));
  folders.push(directory);
  return directory;
}

const expense = (id: string, date: string, amountMinor: number, overrides: Partial<ExpenseEntry> = {}): ExpenseEntry => ({
  id,
  date,
  amountMinor,
  currency: 'EUR',
  category: 'hosting',
  note: '',
  ...overrides,
});

async function window(directory: string, today: string) {
  const store = await DashboardStore.open({ directory });
  const shown: BudgetNotice[] = [];
  const warnings: string[] = [];
  const checker = new BudgetAlertChecker({
    store: async () => store,
    show: (notice) => shown.push(notice),
    warn: (line) => warnings.push(line),
    now: () => new Date(`${today}T12:00:00`),
  });
  return {
    store,
    shown,
    warnings,
    checker,
    requests: new BudgetRequests({ store: async () => store, warn: (line) => warnings.push(line) }),
  };
}

describe('budget alerts', () => {
  test('80% of spend so far alerts once; 100% alerts again; a new month starts over', async () => {
    const { store, shown, checker, requests } = await window(folder(), '2026-03-03');
    await requests.handle({ type: 'saveBudget', fields: { scope: 'category', match: 'hosting', amountMinor: 10_000, currency: 'EUR' } });
    await store.update((draft) =>
      draft.expenses.push(expense('a', '2026-03-02', 7900), expense('other', '2026-03-02', 9999, { category: 'food' })),
    );
    assert.deepEqual(await checker.check(), []);
    await store.update((draft) => draft.expenses.push(expense('b', '2026-03-03', 100)));
    const [first] = await checker.check();
    assert.deepEqual(first?.alerts, [{ percent: 80, basis: 'actual' }]);
    assert.equal(first?.month, '2026-03');
    assert.match(first?.message ?? '', /^Budget Category hosting, €100\.00 for 2026-03: €80\.00 spent so far, 80% \(past 80%\)\.$/);
    assert.deepEqual(await checker.check(), [], 'shown once');
    await store.update((draft) => draft.expenses.push(expense('c', '2026-03-03', 2000)));
    assert.deepEqual((await checker.check())[0]?.alerts, [{ percent: 100, basis: 'actual' }]);
    assert.equal(shown.length, 2);
    const revision = (await store.read()).revision;
    assert.deepEqual(await checker.check(), []);
    assert.equal((await store.read()).revision, revision, 'a check that finds nothing writes nothing');
    const april = await window(store.path.slice(0, -dashboardFileName.length - 1), '2026-04-02');
    await april.store.update((draft) => draft.expenses.push(expense('d', '2026-04-01', 8000)));
    assert.deepEqual((await april.checker.check())[0]?.alerts, [{ percent: 80, basis: 'actual' }]);
    assert.deepEqual(
      (await april.store.read()).budgetAlerts.map((alert) => alert.month),
      ['2026-04'],
      "March's records are dropped once April alerts",
    );
  });

  test('the forecast alerts from the 7th on, and says what it left out for want of a rate', async () => {
    const { store, checker, requests } = await window(folder(), '2026-03-10');
    await requests.handle({ type: 'saveBudget', fields: { scope: 'all', amountMinor: 30_000, currency: 'EUR' } });
    // 100.00 in 10 days of a 31-day month: 310.00 forecast, past 100% of 300.00.
    await store.update((draft) =>
      draft.expenses.push(expense('a', '2026-03-01', 10_000), expense('u', '2026-03-01', 500, { currency: 'USD' })),
    );
    const [notice] = await checker.check();
    assert.deepEqual(notice?.alerts, [
      { percent: 80, basis: 'forecast' },
      { percent: 100, basis: 'forecast' },
    ]);
    assert.match(
      notice?.message ?? '',
      /Forecast to month end €310\.00, 103% \(past 100%\)\. Not counted, for want of a rate: 5\.00 USD\.$/,
    );
    const early = await window(folder(), '2026-03-06');
    await early.requests.handle({ type: 'saveBudget', fields: { scope: 'all', amountMinor: 30_000, currency: 'EUR' } });
    await early.store.update((draft) => draft.expenses.push(expense('a', '2026-03-01', 10_000)));
    assert.deepEqual(await early.checker.check(), [], 'no forecast alert before the 7th');
  });

  test('two windows checking at the same moment show one alert between them', async () => {
    const directory = folder();
    const setup = await window(directory, '2026-03-03');
    await setup.requests.handle({ type: 'saveBudget', fields: { scope: 'all', amountMinor: 1000, currency: 'EUR' } });
    await setup.store.update((draft) => draft.expenses.push(expense('a', '2026-03-01', 900)));
    await setup.store.close();
    const fixture = join(import.meta.dirname, 'fixtures', 'budget-alert-window.ts');
    const windows = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', fixture, directory, '2026-03-03'], { stdio: 'pipe' }));
    const outputs = windows.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          let text = '';
          child.stdout.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`window exited ${code}: ${text}`))));
        }),
    );
    const ready = (child: (typeof windows)[number]) => new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await Promise.all(windows.map(ready));
    for (const child of windows) child.stdin.write('go\n');
    const shown = (await Promise.all(outputs)).flatMap((text) => JSON.parse(text.split('\n').at(-2) ?? '[]') as string[]);
    assert.equal(shown.length, 1, JSON.stringify(shown));
    const saved = JSON.parse(readFileSync(join(directory, dashboardFileName), 'utf8'));
    assert.equal(saved.budgetAlerts.length, 1);
  });
});

describe('Budgets section requests', () => {
  test('bad budgets and rates are refused by field, and nothing saved is lost', async () => {
    const { store, warnings, requests } = await window(folder(), '2026-03-03');
    const saved = await requests.handle({ type: 'saveBudget', fields: { scope: 'all', amountMinor: 500, currency: 'EUR' } });
    assert.equal(saved.type === 'budgets' && saved.budgets.length, 1);
    assert.equal(saved.type === 'budgets' && saved.focus, saved.type === 'budgets' && saved.budgets[0]?.id);
    const refusals = [
      [{ scope: 'all', amountMinor: -500, currency: 'EUR' }, /amount: a budget cannot be negative \(-5\.00\); give 0 or more/],
      [{ scope: 'category', amountMinor: 500, currency: 'EUR' }, /match: a category budget needs the category it is for/],
      [{ scope: 'all', amountMinor: 500, currency: 'ZZZ' }, /currency: ZZZ is not an ISO 4217 currency code in use/],
    ] as const;
    for (const [fields, problem] of refusals) {
      const answer = await requests.handle({ type: 'saveBudget', fields });
      assert.equal(answer.type, 'error');
      assert.match(answer.type === 'error' ? answer.message : '', problem);
    }
    const fraction = await requests.handle({ type: 'saveBudget', fields: { scope: 'all', amountMinor: 1.5, currency: 'EUR' } });
    assert.match(fraction.type === 'error' ? fraction.message : '', /\/fields\/amountMinor must be integer/);
    const hostile = await requests.handle({
      type: 'saveBudget',
      id: '../../etc',
      fields: { scope: 'all', amountMinor: 1, currency: 'EUR' },
    });
    assert.match(hostile.type === 'error' ? hostile.message : '', /\/id must match pattern/);
    const control = await requests.handle({
      type: 'saveBudget',
      fields: { scope: 'category', match: 'a\u0000b', amountMinor: 1, currency: 'EUR' },
    });
    assert.match(control.type === 'error' ? control.message : '', /\/fields\/match must match pattern/);
    const markup = await requests.handle({
      type: 'saveBudget',
      fields: { scope: 'category', match: '<img src=x onerror=alert(1)>', amountMinor: 1, currency: 'EUR' },
    });
    // Kept as text: the panel sets it with textContent only, never as HTML.
    assert.equal(markup.type === 'budgets' && markup.budgets[1]?.match, '<img src=x onerror=alert(1)>');
    await requests.handle({ type: 'deleteBudget', id: markup.type === 'budgets' ? (markup.budgets[1]?.id ?? '') : '' });
    const sameCurrency = await requests.handle({ type: 'saveRate', rate: { from: 'EUR', to: 'EUR', rateMicros: 1 } });
    assert.match(sameCurrency.type === 'error' ? sameCurrency.message : '', /to: a rate converts between two currencies/);
    assert.equal(warnings.length, 3);
    assert.equal((await store.read()).budgets.length, 1);
    const rate = await requests.handle({ type: 'saveRate', rate: { from: 'USD', to: 'EUR', rateMicros: 920_000 } });
    assert.deepEqual(rate.type === 'budgets' && rate.exchangeRates, [{ from: 'USD', to: 'EUR', rateMicros: 920_000 }]);
    const removed = await requests.handle({ type: 'deleteRate', from: 'USD', to: 'EUR' });
    assert.deepEqual(removed.type === 'budgets' && removed.exchangeRates, []);
  });

  test("deleting a budget forgets its alerts; only the section's messages are routed to it", async () => {
    const { store, checker, requests } = await window(folder(), '2026-03-03');
    const saved = await requests.handle({ type: 'saveBudget', fields: { scope: 'all', amountMinor: 100, currency: 'EUR' } });
    const id = saved.type === 'budgets' ? (saved.budgets[0]?.id ?? '') : '';
    await store.update((draft) => draft.expenses.push(expense('a', '2026-03-01', 100)));
    assert.equal((await checker.check()).length, 1);
    await requests.handle({ type: 'deleteBudget', id });
    assert.deepEqual((await store.read()).budgetAlerts, []);
    assert.equal(isBudgetRequest({ type: 'saveRate' }), true);
    assert.equal(isBudgetRequest({ type: 'add' }), false);
    assert.equal(isBudgetRequest(null), false);
  });
});
