// Instance hours × price: what the provider's report tells, and what it cannot (a stopped
// instance's earlier hours, runs before the last start) said as problems and notes, not guessed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { instanceSpend } from '../src/instance-spend';
import { instance } from './in-memory-provider';

const price = { currency: 'USD', micros: 10_400 }; // t3.micro in us-east-1: USD 0.0104 an hour
const now = new Date('2026-11-29T12:00:00Z');

test('a running instance costs its hours of each day of the month, up to now', () => {
  const web = instance('prod', 'us-east-1', 'i-0abc12345678', {
    name: 'web',
    size: 't3.micro',
    startedAt: '2026-10-20T08:00:00Z',
    pricePerHour: price,
  });
  const { lines, problems } = instanceSpend('prod', [web], '2026-11', now);
  assert.deepEqual(problems, []);
  assert.equal(lines.length, 29, 'November 1 to 29');
  assert.deepEqual(lines[0], {
    source: 'cloud',
    date: '2026-11-01',
    amountMinor: 25, // 24 h × 0.0104 = 0.2496, rounded to cents
    currency: 'USD',
    category: 'Cloud',
    note: 'web (i-0abc12345678), t3.micro: 24.00 h × 0.0104 USD/h',
    link: { kind: 'provider', id: 'prod' },
  });
  assert.equal(lines.at(-1)?.date, '2026-11-29');
  assert.equal(lines.at(-1)?.amountMinor, 12, '12 h × 0.0104 = 0.1248');
  assert.match(lines.at(-1)?.note ?? '', /12\.00 h/);
});

test('a closed month is costed whole when the instance has run since before it began; a month not begun costs nothing', () => {
  const db = instance('prod', 'eu-west-1', 'i-0def12345678', {
    startedAt: '2026-09-30T23:00:00Z',
    pricePerHour: { currency: 'EUR', micros: 1_000_000 },
  });
  const { lines } = instanceSpend('prod', [db], '2026-10', now);
  assert.equal(lines.length, 31);
  assert.equal(
    lines.reduce((sum, line) => sum + line.amountMinor, 0),
    31 * 24 * 100,
  );
  assert.deepEqual(instanceSpend('prod', [db], '2026-12', now), { lines: [], problems: [] });
});

test('what the report cannot tell is said, not guessed: runs before the last start, stopped instances, no start time', () => {
  const restarted = instance('prod', 'us-east-1', 'i-0aaa12345678', { startedAt: '2026-11-28T00:00:00Z', pricePerHour: price });
  const stopped = instance('prod', 'us-east-1', 'i-0bbb12345678', { state: 'stopped', providerState: 'stopped', pricePerHour: price });
  const noStart = instance('prod', 'us-east-1', 'i-0ccc12345678', { pricePerHour: price });
  const { lines, problems } = instanceSpend('prod', [restarted, stopped, noStart], '2026-11', now);
  assert.deepEqual(
    lines.map((line) => [line.date, line.amountMinor]),
    [
      ['2026-11-28', 25],
      ['2026-11-29', 12],
    ],
  );
  assert.match(lines[0]?.note ?? '', /started 2026-11-28T00:00:00\.000Z, runs before that are not known/);
  assert.deepEqual(problems, [
    'prod: i-0ccc12345678 ran without telling when they started, so their hours are not known.',
    'prod: i-0bbb12345678 is not running now; hours they ran earlier in 2026-11 are not known (the provider reports only the current state).',
  ]);
});

test('instances without a price, or with one that is not a price, are named and not costed', () => {
  const started = { startedAt: '2026-11-01T00:00:00Z' };
  const many = ['i-01', 'i-02', 'i-03', 'i-04', 'i-05'].map((id) => instance('home', 'pve1', id, { ...started, provider: 'proxmox' }));
  const bad = [
    instance('home', 'pve1', 'negative', { ...started, pricePerHour: { currency: 'USD', micros: -5 } }),
    instance('home', 'pve1', 'fraction', { ...started, pricePerHour: { currency: 'USD', micros: 0.5 } }),
    instance('home', 'pve1', 'unknown', { ...started, pricePerHour: { currency: 'XYZ', micros: 100 } }),
  ];
  const { lines, problems } = instanceSpend('home', [...many, ...bad], '2026-11', now);
  assert.deepEqual(lines, []);
  assert.deepEqual(problems, [
    'negative of home: its price -5 is not a whole number of millionths ≥ 0, so its hours are not costed.',
    'fraction of home: its price 0.5 is not a whole number of millionths ≥ 0, so its hours are not costed.',
    'unknown of home: XYZ is not an ISO 4217 currency code in use, so its hours are not costed.',
    'home: i-01, i-02, i-03 and 2 more ran in 2026-11 but proxmox tells no hourly price for them and settings.hourlyPrices has none for their size (nor "*"), so their hours are not costed.',
  ]);
});

test('a hostile name or size reaches the note without control characters, and bounded', () => {
  const hostile = instance('prod', 'us-east-1', 'i-0eee12345678', {
    name: `evil\u0000\u001b[31m\n<script>${'x'.repeat(500)}`,
    size: 't3.micro\r\n',
    startedAt: '2026-11-29T00:00:00Z',
    pricePerHour: { currency: 'JPY', micros: 1_500_000 },
  });
  const spend = instanceSpend('prod', [hostile], '2026-11', now);
  assert.ok(checkPanelMessage('ExpensesToPanel', { type: 'derivedSpend', ...spend }).ok, 'a valid derivedSpend message');
  const [line] = spend.lines;
  assert.ok(line);
  assert.ok(![...line.note].some((character) => character < ' ' || character === '\u007f'), line.note);
  assert.ok(line.note.length <= 1000);
  assert.equal(line.amountMinor, 18, '12 h × JPY 1.5, and yen have no minor unit');
});
