// The Expenses table's row reuse: what a row shows, how many rows are drawn, which cells a rebind
// writes, and that filtering again makes no new rows. Rows here are plain objects: the rule is the
// same as for the panel's vscode-table-row elements.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExpenseEntry } from '@vlm/schemas';
import { ReusedRows, changedCells, expenseRowContent, rowsToDraw } from '../../src/expenses/model/expense-table-rows';
import { defaultTableView, visibleEntries } from '../../src/expenses/model/expense-table-view';

const entry = (index: number, fields: Partial<ExpenseEntry> = {}): ExpenseEntry => ({
  id: `e${index}`,
  date: `2026-03-${String((index % 28) + 1).padStart(2, '0')}`,
  amountMinor: 100 * index,
  currency: 'EUR',
  category: `category ${index % 3}`,
  note: `note ${index}`,
  ...fields,
});

interface FakeRow {
  made: number;
  shows?: string;
  cells: string[];
  writes: number;
}

function fakeRows() {
  let made = 0;
  return new ReusedRows<FakeRow>(
    () => ({ made: made++, cells: ['', '', '', '', '', ''], writes: 0 }),
    (row, shown, content, previous) => {
      row.shows = shown.id;
      for (const index of changedCells(previous, content)) {
        row.cells[index] = content.cells[index] ?? '';
        row.writes += 1;
      }
    },
  );
}

describe('expense table rows', () => {
  test('a row shows the date, amount, category, note, link and recurrence, as text', () => {
    const content = expenseRowContent(
      entry(1, { note: '<img src=x onerror=alert(1)>', link: { kind: 'lab', id: 'web' }, recurrence: 'monthly' }),
    );
    assert.equal(content.cells.length, 6);
    assert.deepEqual(content.cells.slice(2), ['category 1', '<img src=x onerror=alert(1)>', 'lab: web', 'monthly']);
    assert.match(content.cells[1] ?? '', /1\.00/);
    assert.equal(content.label, `2026-03-02, ${content.cells[1]}, category 1`);
    assert.equal(content.editLabel, 'Edit the expense of 2026-03-02');
    assert.equal(content.deleteLabel, 'Delete the expense of 2026-03-02');
  });

  test('a page of rows, or more to keep the focused row, never more than there are', () => {
    assert.equal(rowsToDraw(10_000, -1, 50), 50);
    assert.equal(rowsToDraw(10_000, 72, 50), 73);
    assert.equal(rowsToDraw(12, -1, 50), 12);
    assert.equal(rowsToDraw(12, 40, 50), 12);
    assert.equal(rowsToDraw(0, -1, 50), 0);
  });

  test('a new row writes every cell; a rebind writes only the cells that changed', () => {
    const first = expenseRowContent(entry(1));
    assert.deepEqual(changedCells(undefined, first), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(changedCells(first, first), []);
    assert.deepEqual(changedCells(first, expenseRowContent(entry(1, { note: 'other' }))), [3]);
  });

  test('filtering again and again rebinds the rows made for the first page and makes none', () => {
    const entries = Array.from({ length: 10_000 }, (_, index) => entry(index));
    const rows = fakeRows();
    const page = (text: string) => visibleEntries(entries, { ...defaultTableView(), filter: { text, currency: '' } }).slice(0, 50);
    const shown = rows.show(page(''));
    assert.equal(rows.made, 50);
    for (const text of ['category 1', 'note 99', 'category', 'nothing matches', '']) {
      const expected = page(text);
      const again = rows.show(expected);
      assert.equal(rows.made, 50, `no new row for "${text}"`);
      assert.deepEqual(
        again.map((row) => row.shows),
        expected.map((shownEntry) => shownEntry.id),
      );
      assert.deepEqual(
        again.map((row) => row.cells),
        expected.map((shownEntry) => expenseRowContent(shownEntry).cells),
      );
      assert.ok(
        again.every((row, index) => row === shown[index]),
        'row i stays the same row',
      );
    }
  });

  test('the same entries again write nothing; more entries than before make only the missing rows', () => {
    const rows = fakeRows();
    const entries = Array.from({ length: 120 }, (_, index) => entry(index));
    const first = rows.show(entries.slice(0, 50));
    const writes = first.reduce((sum, row) => sum + row.writes, 0);
    rows.show(entries.slice(0, 50));
    assert.equal(
      first.reduce((sum, row) => sum + row.writes, 0),
      writes,
    );
    const more = rows.show(entries.slice(50, 100), 50);
    assert.equal(rows.made, 100);
    assert.deepEqual(
      more.map((row) => row.made),
      Array.from({ length: 50 }, (_, index) => 50 + index),
    );
    assert.equal(more[0]?.shows, 'e50');
  });
});
