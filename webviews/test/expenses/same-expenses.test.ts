// The check that lets the Expenses panel skip drawing a second, identical copy of the entries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpenseEntry } from '@vlm/schemas';
import { sameExpenses } from '../../src/expenses/model/same-expenses';

const entry: ExpenseEntry = {
  id: 'e1',
  date: '2026-03-01',
  amountMinor: 1250,
  currency: 'EUR',
  category: 'hosting',
  note: 'vps',
  link: { kind: 'lab', id: 'web' },
  recurrence: 'monthly',
};

describe('sameExpenses', () => {
  it('finds equal copies the same, as a message copies them', () => {
    assert.equal(sameExpenses([entry, { ...entry, id: 'e2' }], structuredClone([entry, { ...entry, id: 'e2' }])), true);
    assert.equal(sameExpenses([], []), true);
  });

  it('finds any changed field, a missing or added entry, and another order different', () => {
    const second = { ...entry, id: 'e2' };
    const changes: ExpenseEntry[] = [
      { ...entry, amountMinor: 1251 },
      { ...entry, date: '2026-03-02' },
      { ...entry, currency: 'USD' },
      { ...entry, category: 'cloud' },
      { ...entry, note: '' },
      { ...entry, link: { kind: 'vm', id: 'web' } },
      { ...entry, link: { kind: 'lab', id: 'db' } },
    ];
    for (const changed of changes) assert.equal(sameExpenses([entry], [changed]), false, JSON.stringify(changed));
    const { recurrence: _recurrence, ...once } = entry;
    assert.equal(sameExpenses([entry], [once]), false);
    const { link: _link, ...unlinked } = entry;
    assert.equal(sameExpenses([unlinked], [entry]), false);
    assert.equal(sameExpenses([entry], [entry, second]), false);
    assert.equal(sameExpenses([entry, second], [second, entry]), false);
  });
});
