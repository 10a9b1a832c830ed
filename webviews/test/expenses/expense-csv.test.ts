// CSV import and export: RFC 4180 quoting, the delimiter found or given, bad rows reported by
// row and field with nothing imported, a file too large refused before it is parsed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExpenseEntry } from '@vlm/schemas';
import {
  csvSizeProblem,
  exportExpensesCsv,
  importExpensesCsv,
  maximumCsvBytes,
  parseCsvRecords,
} from '../../src/expenses/model/expense-csv';

const header = 'date,amount,currency,category,note,link_kind,link_id,recurrence';

describe('CSV import', () => {
  test('quoted fields hold delimiters, quotes and line breaks', () => {
    assert.deepEqual(parseCsvRecords('a,"b,c","say ""hi""","two\r\nlines"\r\nx,y,z,w', ','), [
      ['a', 'b,c', 'say "hi"', 'two\r\nlines'],
      ['x', 'y', 'z', 'w'],
    ]);
    assert.throws(() => parseCsvRecords('a,b\n"open,c\nd', ','), /Row 2: a quoted field is never closed/);
  });

  test('a good file is read whole, with the delimiter found from the header', () => {
    const text = '\uFEFFdate;amount;currency;category;note\n2026-03-01;12,50;EUR;hosting;x\n';
    const semicolons = importExpensesCsv(text.replace('12,50', '12.50'));
    assert.deepEqual(semicolons, {
      ok: true,
      rows: [{ date: '2026-03-01', amountMinor: 1250, currency: 'EUR', category: 'hosting', note: 'x' }],
    });
    const tabs = importExpensesCsv('date\tamount\tcurrency\tcategory\n2026-03-01\t1250\tjpy\tfees\n');
    assert.deepEqual(tabs, { ok: true, rows: [{ date: '2026-03-01', amountMinor: 1250, currency: 'JPY', category: 'fees', note: '' }] });
  });

  test('every bad row is reported by row and field, and nothing is imported', () => {
    const text = [
      header,
      '2026-03-01,12.50,EUR,hosting,fine,,,',
      '2026-02-30,12.50,EUR,hosting,,,,',
      '2026-03-01,12.5x,EUR,hosting,,,,',
      '2026-03-01,12.50,XYZ,hosting,,,,',
      '2026-03-01,1.5,JPY,hosting,,,,',
      '2026-03-01,1,EUR,,,host,x,weekly',
      '2026-03-01,1,EUR,hosting',
    ].join('\n');
    const result = importExpensesCsv(text);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.problems.map((problem) => [problem.row, problem.field]),
      [
        [3, 'date'],
        [4, 'amount'],
        [5, 'currency'],
        [6, 'amount'],
        [7, 'category'],
        [7, 'link_kind'],
        [7, 'recurrence'],
        [8, undefined],
      ],
    );
    assert.match(result.problems[0]?.message ?? '', /2026-02-30 is not a day of the calendar/);
    assert.match(result.problems[2]?.message ?? '', /XYZ is not an ISO 4217 currency/);
    assert.match(result.problems[7]?.message ?? '', /has 4 fields; the header has 8/);
  });

  test('the wrong delimiter is named with the right one', () => {
    const result = importExpensesCsv('date;amount;currency;category\n2026-03-01;1;EUR;x\n', ',');
    assert.deepEqual(result, {
      ok: false,
      problems: [{ row: 1, message: 'The columns are separated by ";", not ",": import again with ";" as the delimiter.' }],
    });
    const noHeader = importExpensesCsv('2026-03-01,1,EUR,x\n');
    assert.match(
      noHeader.ok ? '' : (noHeader.problems[0]?.message ?? ''),
      /The header row must name the columns date, amount, currency, category/,
    );
    const unknown = importExpensesCsv('date,amount,currency,category,owner\n');
    assert.match(unknown.ok ? '' : (unknown.problems[0]?.message ?? ''), /Unknown column\(s\) owner/);
  });

  test('a 50 MB file is refused with its size before parsing', () => {
    assert.equal(csvSizeProblem(maximumCsvBytes), undefined);
    assert.equal(csvSizeProblem(50 * 1024 * 1024), 'The file is 50 MB; an expenses CSV may be at most 10 MB. Nothing was imported.');
    const large = `${header}\n${'2026-03-01,1,EUR,x,,,,\n'.repeat(Math.ceil((50 * 1024 * 1024) / 23))}`;
    const started = performance.now();
    const result = importExpensesCsv(large);
    assert.match(result.ok ? '' : (result.problems[0]?.message ?? ''), /^The file is 50 MB/);
    assert.ok(performance.now() - started < 2000, 'refused without parsing');
  });
});

describe('CSV export', () => {
  test('export and import give back the same expenses, with spreadsheet formulas guarded', () => {
    const entries: ExpenseEntry[] = [
      {
        id: 'a',
        date: '2026-03-01',
        amountMinor: -1250,
        currency: 'EUR',
        category: 'hosting, VPS',
        note: 'say "hi"\nnext line',
        recurrence: 'monthly',
      },
      {
        id: 'b',
        date: '2026-03-02',
        amountMinor: 5,
        currency: 'JPY',
        category: '=cmd',
        note: '@SUM(A1)',
        link: { kind: 'vm', id: '+web' },
      },
    ];
    const text = exportExpensesCsv(entries);
    assert.match(
      text,
      /^date,amount,currency,category,note,link_kind,link_id,recurrence\r\n2026-03-01,-12\.50,EUR,"hosting, VPS","say ""hi""\nnext line",,,monthly\r\n/,
    );
    assert.match(text, /,'=cmd,'@SUM\(A1\),vm,'\+web,/);
    const back = importExpensesCsv(text);
    assert.deepEqual(back, { ok: true, rows: entries.map(({ id, ...fields }) => fields) });
  });
});
