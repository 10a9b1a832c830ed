// Local spend from running intervals: pro rata prices, UTC days and month boundaries, open
// intervals up to the host's clock, rounding once per line, and intervals a hostile host sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CostModel } from '@vlm/schemas';
import type { RunningInterval } from '@vlm/schemas/src/host-protocol/running-time-messages';
import { localSpendCategory, localSpendLines, secondsPerUtcDay } from '../../src/costs/local-spend';

// 1 vCPU-hour 1.00, 1 GiB RAM-hour 0.50, 1 GiB disk-month 1.00 (a month is 730 hours).
const model: CostModel = { currency: 'EUR', vcpuHourMicros: 1_000_000, ramGbHourMicros: 500_000, diskGbMonthMicros: 1_000_000 };
const now = '2026-11-29T12:00:00.000Z';

function interval(start: string, stop: string | undefined, overrides: Partial<RunningInterval> = {}): RunningInterval {
  return {
    domain: 'lab.app',
    uuid: 'u',
    lab: 'lab',
    vm: 'app',
    vcpu: 1,
    memoryBytes: 2 ** 30,
    diskBytes: 730 * 2 ** 30,
    start,
    ...(stop === undefined ? {} : { stop }),
    ...overrides,
  };
}

test('an hour is priced pro rata: vCPU and RAM by the hour, the disk by its share of a 730-hour month', () => {
  const { lines, problems } = localSpendLines(
    [interval('2026-03-10T08:00:00.000Z', '2026-03-10T09:00:00.000Z')],
    model,
    '2026-03',
    now,
    'local',
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(lines, [
    {
      source: 'local',
      date: '2026-03-10',
      // 1.00 (vCPU) + 0.50 (1 GiB RAM) + 730 GiB × 1.00 × 1/730 (disk) = 2.50
      amountMinor: 250,
      currency: 'EUR',
      category: localSpendCategory,
      note: 'lab/app on local: 1 h 00 min running, 1 vCPU, 1024 MiB RAM, 730 GiB disk',
      link: { kind: 'vm', id: 'lab.app' },
    },
  ]);
});

test('an interval across midnight at the end of a month is split between the two months, to the second', () => {
  const across = [interval('2026-03-31T23:00:00.000Z', '2026-04-01T01:30:00.000Z')];
  const march = localSpendLines(across, model, '2026-03', now, 'local').lines;
  const april = localSpendLines(across, model, '2026-04', now, 'local').lines;
  assert.deepEqual(
    march.map((line) => [line.date, line.amountMinor]),
    [['2026-03-31', 250]],
  );
  assert.deepEqual(
    april.map((line) => [line.date, line.amountMinor]),
    [['2026-04-01', 375]],
  );
  assert.deepEqual(localSpendLines(across, model, '2026-05', now, 'local').lines, [], 'no line in a month it did not touch');
});

test('a whole February is 28 days of 24 hours; the EU clock change on 29 March is still 24 hours in UTC', () => {
  const february = localSpendLines([interval('2026-01-20T00:00:00.000Z', '2026-03-05T00:00:00.000Z')], model, '2026-02', now, 'h');
  assert.equal(february.lines.length, 28);
  assert.ok(february.lines.every((line) => line.amountMinor === 6000 && line.note.includes('24 h 00 min')));
  assert.deepEqual(
    [...secondsPerUtcDay(Date.parse('2026-03-29T00:00:00Z') / 1000, Date.parse('2026-03-30T00:00:00Z') / 1000, 0, 2e9)],
    [['2026-03-29', 86_400]],
  );
});

test('an open interval counts up to the host clock, never into the future; two runs of a day make one line', () => {
  const { lines } = localSpendLines(
    [interval('2026-11-29T08:00:00.000Z', '2026-11-29T09:00:00.000Z'), interval('2026-11-29T10:00:00.000Z', undefined)],
    model,
    '2026-11',
    now,
    'local',
  );
  assert.deepEqual(
    lines.map((line) => [line.date, line.amountMinor, line.note.split(': ')[1]?.split(',')[0]]),
    [['2026-11-29', 750, '3 h 00 min running']],
  );
  const future = localSpendLines([interval('2026-11-29T10:00:00.000Z', '2026-12-31T00:00:00.000Z')], model, '2026-12', now, 'l');
  assert.deepEqual(future.lines, [], 'a stop after the host clock counts up to the clock');
});

test('each line is rounded half up once, in the currency minor unit (JPY has none)', () => {
  // 1 second of 1 vCPU at 1.00/h is 1/3600 of a euro: 0.0277 cents, rounds to 0.
  const tiny = localSpendLines(
    [interval('2026-03-10T08:00:00.000Z', '2026-03-10T08:00:01.000Z', { memoryBytes: 0, diskBytes: 0 })],
    model,
    '2026-03',
    now,
    'l',
  );
  assert.equal(tiny.lines[0]?.amountMinor, 0);
  // 18 seconds: 0.5 cent, rounds up to 1.
  const half = localSpendLines(
    [interval('2026-03-10T08:00:00.000Z', '2026-03-10T08:00:18.000Z', { memoryBytes: 0, diskBytes: 0 })],
    model,
    '2026-03',
    now,
    'l',
  );
  assert.equal(half.lines[0]?.amountMinor, 1);
  const yen = localSpendLines(
    [interval('2026-03-10T08:00:00.000Z', '2026-03-10T09:30:00.000Z', { memoryBytes: 0, diskBytes: 0 })],
    { ...model, currency: 'JPY', vcpuHourMicros: 3_000_000 },
    '2026-03',
    now,
    'l',
  );
  assert.deepEqual(
    yen.lines.map((line) => [line.amountMinor, line.currency]),
    [[5, 'JPY']],
    '4.5 yen rounds to 5',
  );
});

test('intervals a hostile host sends are left out with a reason, and the good ones still count', () => {
  const good = interval('2026-03-10T08:00:00.000Z', '2026-03-10T09:00:00.000Z');
  const bad = [
    interval('2026-03-10T08:00:00.000Z', undefined, { lab: '<img src=x onerror=alert(1)>' }),
    interval('2026-03-10T08:00:00.000Z', undefined, { vcpu: -1 }),
    interval('2026-03-10T08:00:00.000Z', undefined, { memoryBytes: 1e300 }),
    interval('yesterday', undefined),
    interval('2026-03-10T08:00:00.000Z', '2026-03-10T07:00:00.000Z'),
    { ...good, domain: '../../etc/passwd' },
  ];
  const { lines, problems } = localSpendLines([...bad, good], model, '2026-03', now, 'lab-box');
  assert.equal(lines.length, 1);
  assert.deepEqual(
    problems.map((problem) => problem.replace(/^Host lab-box sent running interval \d+, which was left out: /, '')),
    [
      'its lab is not a lab name.',
      'its vcpu is not a whole number of 0 or more.',
      'its memoryBytes is not a whole number of 0 or more.',
      'its start is not an ISO 8601 UTC time.',
      'it stops before it starts.',
      'its domain name is not a libvirt name.',
    ],
  );
  assert.match(localSpendLines([good], model, '2026-03', 'soon', 'h').problems[0] ?? '', /clock that is not an ISO 8601 UTC time/);
});

test('prices too large to show are a problem, not a wrong figure', () => {
  const huge = { ...model, vcpuHourMicros: Number.MAX_SAFE_INTEGER, ramGbHourMicros: Number.MAX_SAFE_INTEGER };
  const { lines, problems } = localSpendLines(
    [interval('2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z', { vcpu: 256, memoryBytes: 2 ** 40 })],
    huge,
    '2026-03',
    now,
    'h',
  );
  assert.deepEqual(lines, []);
  assert.match(problems[0] ?? '', /costs more than can be shown/);
});
