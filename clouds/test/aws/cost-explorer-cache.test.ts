// When a kept Cost Explorer answer is shown instead of a new call, the lines it gives, and how
// its decimal figures become minor units (exactly, or refused with a reason).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CostExplorerCacheEntry } from '@vlm/schemas';
import { costExplorerCacheProblem } from '@vlm/webviews/src/store/cost-explorer-cache-check';
import { costExplorerLines, isFresh, withEntry } from '../../src/aws/cost-explorer-cache';
import { decimalToMinor } from '../../src/spend-amounts';

const entry = (month: string, fetchedAt: string): CostExplorerCacheEntry => ({
  account: 'prod',
  month,
  fetchedAt,
  amounts: [
    { service: 'Amazon Elastic Compute Cloud - Compute', amountMinor: 1234, currency: 'USD' },
    { service: 'Refund', amountMinor: -200, currency: 'USD' },
  ],
});

test('the current month is asked again after 12 hours; a closed month once, a day after it closed', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  assert.equal(isFresh(entry('2026-11', '2026-11-29T00:00:01Z'), now), true);
  assert.equal(isFresh(entry('2026-11', '2026-11-29T00:00:00Z'), now), false, '12 hours old');
  assert.equal(isFresh(entry('2026-11', '2026-11-29T13:00:00Z'), now), false, 'fetched in the future: proves nothing');
  assert.equal(isFresh(entry('2026-10', '2026-11-02T00:00:00Z'), now), true, 'closed, fetched after it settled: never asked again');
  assert.equal(isFresh(entry('2026-10', '2026-11-01T23:59:59Z'), now), false, 'fetched within a day of its close: asked once more');
  assert.equal(isFresh(entry('2026-10', '2026-10-31T23:00:00Z'), new Date('2026-11-01T01:00:00Z')), false);
});

test('a new answer replaces the kept one of its account and month; repeats are refused by the store check', () => {
  const cache = [entry('2026-10', '2026-11-05T00:00:00Z'), entry('2026-11', '2026-11-28T00:00:00Z')];
  const replaced = withEntry(cache, entry('2026-11', '2026-11-29T00:00:00Z'));
  assert.deepEqual(
    replaced.map((kept) => [kept.month, kept.fetchedAt]),
    [
      ['2026-10', '2026-11-05T00:00:00Z'],
      ['2026-11', '2026-11-29T00:00:00Z'],
    ],
  );
  assert.equal(costExplorerCacheProblem(replaced), undefined);
  assert.equal(
    costExplorerCacheProblem([...replaced, entry('2026-10', '2026-11-06T00:00:00Z')]),
    'costExplorerCache[2] repeats the account prod and month 2026-10',
  );
});

test('lines are dated the last day the answer covers; a negative amount is a credit or refund', () => {
  const open = costExplorerLines(entry('2026-11', '2026-11-29T07:00:00Z'));
  assert.deepEqual(open[0], {
    source: 'costExplorer',
    date: '2026-11-29',
    amountMinor: 1234,
    currency: 'USD',
    category: 'Cloud',
    note: 'Amazon Elastic Compute Cloud - Compute: unblended cost in 2026-11, from AWS Cost Explorer as of 2026-11-29T07:00:00Z',
    link: { kind: 'provider', id: 'prod' },
  });
  assert.match(open[1]?.note ?? '', /\(a credit or refund\)/);
  assert.equal(costExplorerLines(entry('2026-10', '2026-11-05T00:00:00Z'))[0]?.date, '2026-10-31');
});

test('decimal figures become minor units exactly, rounding half away from zero; anything else is refused with why', () => {
  const cases: [unknown, string, number][] = [
    ['12.345', 'USD', 1235],
    ['12.3449999999999999999', 'USD', 1234],
    ['-0.005', 'USD', -1],
    ['0.0000001234', 'USD', 0],
    ['100.5', 'JPY', 101],
    ['1.0005', 'BHD', 1001],
    ['9007199254740.99', 'USD', 900719925474099],
  ];
  for (const [text, currency, minor] of cases) assert.deepEqual(decimalToMinor(text, currency), { minor }, String(text));
  const refused: [unknown, string, RegExp][] = [
    [`0.${'1'.repeat(21)}`, 'USD', /has 21 decimals; at most 20 are read/],
    ['NaN', 'USD', /"NaN" is not a decimal number/],
    ['Infinity', 'USD', /is not a decimal number/],
    ['1e5', 'USD', /is not a decimal number/],
    ['1,000.00', 'USD', /is not a decimal number/],
    [' 1', 'USD', /is not a decimal number/],
    ['', 'USD', /is not a decimal number/],
    ['12345678901234567', 'USD', /is not a decimal number/],
    ['9999999999999999', 'USD', /is too large/],
    [12.5, 'USD', /12\.5 is not decimal text/],
    [undefined, 'USD', /undefined is not decimal text/],
    ['1.00', 'XYZ', /XYZ is not an ISO 4217 currency code in use/],
    ['1.00', 'usd', /"usd" is not a currency code/],
  ];
  for (const [text, currency, problem] of refused) {
    const result = decimalToMinor(text, currency);
    assert.ok('problem' in result && problem.test(result.problem), `${String(text)}: ${JSON.stringify(result)}`);
  }
});
