// The Expenses panel's model: money in minor units per currency, changes with undo that keep
// other windows' changes, and the chart's series (monthly recurrences, stacking by category).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExpenseEntry, ExpenseFields } from '@vlm/schemas';
import { addDays, firstOfMonth } from '../../src/expenses/model/calendar-dates';
import { applyExpenseChange, applyUndo, ExpenseChangeError, UndoHistory } from '../../src/expenses/model/expense-changes';
import { mainCurrency, occurrences, spendSeries, stacked, totalsByCurrency } from '../../src/expenses/model/expense-aggregation';
import { currencyProblem, displayAmount, formatAmount, parseAmount } from '../../src/expenses/model/money';

const fields = (overrides: Partial<ExpenseFields> = {}): ExpenseFields => ({
  date: '2026-03-14',
  amountMinor: 1250,
  currency: 'EUR',
  category: 'hosting',
  note: '',
  ...overrides,
});
let counter = 0;
const newId = () => {
  counter += 1;
  return `e${counter}`;
};

describe('money', () => {
  test('amounts are parsed exactly into minor units of the currency', () => {
    assert.deepEqual(parseAmount('12.34', 'EUR'), { minor: 1234 });
    assert.deepEqual(parseAmount('0.1', 'EUR'), { minor: 10 });
    assert.deepEqual(parseAmount('-5', 'EUR'), { minor: -500 });
    assert.deepEqual(parseAmount('1250', 'JPY'), { minor: 1250 });
    assert.deepEqual(parseAmount('1.234', 'BHD'), { minor: 1234 });
    // 0.1 + 0.2 is not 0.3 in floats; here nothing is a float.
    assert.deepEqual(parseAmount('90071992547409.91', 'EUR'), { minor: 9007199254740991 });
  });

  test('bad amounts say what is allowed', () => {
    assert.match((parseAmount('12.345', 'EUR') as { problem: string }).problem, /has 3 decimals; EUR has 2/);
    assert.match((parseAmount('12.5', 'JPY') as { problem: string }).problem, /has 1 decimals; JPY has 0/);
    assert.match((parseAmount('1,234.50', 'EUR') as { problem: string }).problem, /is not an amount/);
    assert.match((parseAmount('1e3', 'EUR') as { problem: string }).problem, /is not an amount/);
    assert.match((parseAmount('NaN', 'EUR') as { problem: string }).problem, /is not an amount/);
    assert.match((parseAmount('99999999999999999', 'EUR') as { problem: string }).problem, /too large/);
  });

  test('currencies are checked against the ISO 4217 list', () => {
    assert.equal(currencyProblem('EUR'), undefined);
    assert.match(currencyProblem('XYZ') ?? '', /XYZ is not an ISO 4217 currency code in use/);
    assert.match(currencyProblem('eur') ?? '', /use three capital letters/);
  });

  test('amounts are formatted back exactly', () => {
    assert.equal(formatAmount(-5, 'EUR'), '-0.05');
    assert.equal(formatAmount(1250, 'JPY'), '1250');
    assert.equal(formatAmount(9007199254740991, 'EUR'), '90071992547409.91');
    assert.equal(displayAmount(1250, 'EUR', 'en-US'), '€12.50');
  });
});

describe('changes and undo', () => {
  test('add, edit, delete and import each undo, keeping what another window added meanwhile', () => {
    const entries: ExpenseEntry[] = [];
    const history = new UndoHistory();
    history.push(applyExpenseChange(entries, { type: 'add', fields: fields() }, newId));
    const id = entries[0]?.id as string;
    history.push(applyExpenseChange(entries, { type: 'edit', id, fields: fields({ amountMinor: 999 }) }, newId));
    entries.push({ ...fields({ note: 'other window' }), id: 'other' });
    history.push(applyExpenseChange(entries, { type: 'delete', id }, newId));
    history.push(applyExpenseChange(entries, { type: 'import', rows: [fields(), fields({ currency: 'USD' })] }, newId));
    assert.equal(entries.length, 3);
    applyUndo(entries, history.pop() as never);
    assert.deepEqual(
      entries.map((entry) => entry.id),
      ['other'],
    );
    applyUndo(entries, history.pop() as never);
    assert.deepEqual(
      entries.map((entry) => [entry.id, entry.amountMinor]),
      [
        [id, 999],
        ['other', 1250],
      ],
    );
    applyUndo(entries, history.pop() as never);
    assert.equal(entries[0]?.amountMinor, 1250);
    applyUndo(entries, history.pop() as never);
    assert.deepEqual(
      entries.map((entry) => entry.id),
      ['other'],
    );
    assert.equal(history.canUndo, false);
  });

  test('a bad change changes nothing and says which field', () => {
    const entries: ExpenseEntry[] = [{ ...fields(), id: 'a' }];
    const before = structuredClone(entries);
    assert.throws(
      () => applyExpenseChange(entries, { type: 'add', fields: fields({ currency: 'ABC' }) }, newId),
      /currency: ABC is not an ISO 4217/,
    );
    assert.throws(
      () => applyExpenseChange(entries, { type: 'add', fields: fields({ date: '2026-02-29' }) }, newId),
      /date: 2026-02-29 is not a day/,
    );
    assert.throws(() => applyExpenseChange(entries, { type: 'edit', id: 'gone', fields: fields() }, newId), ExpenseChangeError);
    assert.throws(() => applyExpenseChange(entries, { type: 'delete', id: 'gone' }, newId), /no longer exists/);
    assert.throws(
      () => applyExpenseChange(entries, { type: 'import', rows: [fields(), fields({ amountMinor: 0.5 })] }, newId),
      /Row 2 was not imported, nor any other: amount: 0.5 is not a whole number/,
    );
    assert.deepEqual(entries, before);
  });

  test('the history keeps its last 100 steps', () => {
    const history = new UndoHistory();
    for (let step = 0; step < 150; step += 1) history.push({ type: 'remove', ids: [String(step)] });
    let count = 0;
    while (history.pop()) count += 1;
    assert.equal(count, 100);
  });
});

describe('aggregation', () => {
  const entries: ExpenseEntry[] = [
    { ...fields({ date: '2026-01-31', amountMinor: 1000, category: 'hosting', recurrence: 'monthly' }), id: 'vps' },
    { ...fields({ date: '2026-02-10', amountMinor: 250, category: 'domains' }), id: 'dns' },
    { ...fields({ date: '2026-02-11', amountMinor: 700, currency: 'USD', category: 'hosting' }), id: 'usd' },
    { ...fields({ date: '2026-03-01', amountMinor: -100, category: 'hosting', note: 'refund' }), id: 'refund' },
  ];

  test('totals stay per currency', () => {
    assert.deepEqual(
      [...totalsByCurrency(entries)],
      [
        ['EUR', 1150n],
        ['USD', 700n],
      ],
    );
    assert.deepEqual(
      [
        ...totalsByCurrency([
          { ...fields({ amountMinor: Number.MAX_SAFE_INTEGER }), id: 'a' },
          { ...fields({ amountMinor: 2 }), id: 'b' },
        ]),
      ],
      [['EUR', 9007199254740993n]],
    );
    assert.equal(mainCurrency(entries), 'EUR');
  });

  test('a monthly expense on the 31st falls on the last day of shorter months', () => {
    const dates = occurrences([entries[0] as ExpenseEntry], '2026-01-01', '2026-05-30').map((entry) => entry.date);
    assert.deepEqual(dates, ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    assert.equal(occurrences([{ ...(entries[0] as ExpenseEntry), date: '0001-01-01' }], '2026-05-01', '2026-05-31').length, 1);
  });

  test('monthly series stack by category, one currency, every month present', () => {
    const series = spendSeries(entries, { currency: 'EUR', granularity: 'monthly', from: '2025-12-01', through: '2026-03-31' });
    assert.deepEqual(series.buckets, ['2025-12', '2026-01', '2026-02', '2026-03']);
    assert.deepEqual(series.categories, ['domains', 'hosting']);
    assert.deepEqual(series.values, [
      [0, 0, 250, 0],
      [0, 1000, 1000, 900],
    ]);
    assert.deepEqual(stacked(series.values), [
      [0, 0, 250, 0],
      [0, 1000, 1250, 900],
    ]);
  });

  test('daily series cover each day of the range', () => {
    const series = spendSeries(entries, { currency: 'EUR', granularity: 'daily', from: '2026-02-09', through: '2026-02-11' });
    assert.deepEqual(series.buckets, ['2026-02-09', '2026-02-10', '2026-02-11']);
    assert.deepEqual(series.values, [[0, 250, 0]]);
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(firstOfMonth('2026-03-14', -3), '2025-12-01');
  });
});
