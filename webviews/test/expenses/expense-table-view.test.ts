// The Expenses table's sort and filter: each column both ways, text over category, note and link,
// one currency, a restored state that is damaged or hostile (10,000 rows: the benchmark).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExpenseEntry } from '@vlm/schemas';
import { defaultTableView, sortedBy, tableViewOf, visibleEntries } from '../../src/expenses/model/expense-table-view';

const entries: ExpenseEntry[] = [
  { id: 'a', date: '2026-03-01', amountMinor: 1250, currency: 'EUR', category: 'hosting', note: 'VPS in Falkenstein' },
  { id: 'b', date: '2026-03-05', amountMinor: 900, currency: 'USD', category: 'Domains', note: '', link: { kind: 'provider', id: 'aws' } },
  { id: 'c', date: '2026-02-11', amountMinor: 300, currency: 'EUR', category: 'domains', note: 'renewal', recurrence: 'monthly' },
  { id: 'd', date: '2026-03-05', amountMinor: 10, currency: 'EUR', category: 'hosting', note: 'backup', link: { kind: 'lab', id: 'web' } },
];
const ids = (list: ExpenseEntry[]) => list.map((entry) => entry.id);

describe('expense table sort', () => {
  test('newest first by default; ties by id', () => {
    assert.deepEqual(ids(visibleEntries(entries, defaultTableView())), ['d', 'b', 'a', 'c']);
  });

  test('a header turns its direction on a second click; another column starts ascending', () => {
    let view = sortedBy(defaultTableView(), 'date');
    assert.deepEqual(view.sort, { column: 'date', direction: 'ascending' });
    assert.deepEqual(ids(visibleEntries(entries, view)), ['c', 'a', 'b', 'd']);
    view = sortedBy(view, 'category');
    assert.deepEqual(view.sort, { column: 'category', direction: 'ascending' });
    // Case-insensitive, then by date: "domains" (Feb) before "Domains" (Mar).
    assert.deepEqual(ids(visibleEntries(entries, view)), ['c', 'b', 'a', 'd']);
    view = sortedBy(view, 'category');
    assert.deepEqual(ids(visibleEntries(entries, view)), ['a', 'd', 'c', 'b']);
  });

  test('amounts sort within each currency, never across', () => {
    assert.deepEqual(ids(visibleEntries(entries, sortedBy(defaultTableView(), 'amount'))), ['d', 'c', 'a', 'b']);
  });

  test('link and recurrence columns', () => {
    assert.deepEqual(ids(visibleEntries(entries, sortedBy(defaultTableView(), 'link'))).slice(2), ['d', 'b']);
    assert.equal(ids(visibleEntries(entries, sortedBy(sortedBy(defaultTableView(), 'recurrence'), 'recurrence')))[0], 'c');
  });
});

describe('expense table filter', () => {
  const filtered = (text: string, currency = '') => ids(visibleEntries(entries, { ...defaultTableView(), filter: { text, currency } }));

  test('text over category, note and link, any case, spaces around ignored', () => {
    assert.deepEqual(filtered('DOMAINS'), ['b', 'c']);
    assert.deepEqual(filtered(' falken '), ['a']);
    assert.deepEqual(filtered('lab: web'), ['d']);
    assert.deepEqual(filtered('aws'), ['b']);
    assert.deepEqual(filtered('nothing like it'), []);
  });

  test('one currency, with text or alone', () => {
    assert.deepEqual(filtered('', 'USD'), ['b']);
    assert.deepEqual(filtered('domains', 'EUR'), ['c']);
  });

  test('the entries given are not reordered', () => {
    const copy = [...entries];
    visibleEntries(copy, sortedBy(defaultTableView(), 'amount'));
    assert.deepEqual(ids(copy), ['a', 'b', 'c', 'd']);
  });
});

describe('a restored table view', () => {
  test('keeps what is valid and falls back on the rest', () => {
    assert.deepEqual(tableViewOf({ sort: { column: 'amount', direction: 'ascending' }, filter: { text: 'x', currency: 'EUR' } }), {
      sort: { column: 'amount', direction: 'ascending' },
      filter: { text: 'x', currency: 'EUR' },
    });
    assert.deepEqual(tableViewOf(undefined), defaultTableView());
    assert.deepEqual(tableViewOf('garbage'), defaultTableView());
    const hostile = tableViewOf({
      sort: { column: '__proto__', direction: 'sideways' },
      filter: { text: 'y'.repeat(10_000), currency: '<img>' },
    });
    assert.deepEqual(hostile.sort, defaultTableView().sort);
    assert.equal(hostile.filter.text.length, 200);
    assert.equal(hostile.filter.currency, '');
  });
});
