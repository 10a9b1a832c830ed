// The running intervals' rules without libvirt: which domains count, what a start reconciles,
// what is kept, and a v1 state file upgraded to v2 with its backup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainSummary } from '../../src/libvirt/hypervisor';
import {
  intervalsOverlapping,
  observeDomain,
  pruneIntervals,
  reconcileAtStart,
  runningIntervalLimit,
} from '../../src/running-time/running-intervals';
import type { HostState } from '../../src/state/state-shape';
import { StateStore } from '../../src/state/state-store';

const madeHere = (domain: DomainSummary) => domain.vlm?.dataDirectory === '/data';

function emptyState(): HostState {
  return { schema_version: 2, event_sequence: 0, labs: {}, allocated_ports: [], running_intervals: [] };
}

function domain(state: DomainSummary['state'], overrides: Partial<DomainSummary> = {}): DomainSummary {
  return {
    uuid: 'u-1',
    name: 'lab.app',
    state,
    vcpu: 2,
    memoryBytes: 2 ** 30,
    persistent: true,
    autostart: false,
    vlm: { lab: 'lab', vm: 'app', dataDirectory: '/data' },
    ...overrides,
  };
}

test('running, paused and suspended count; shut-off, crashed and foreign domains do not', () => {
  const state = emptyState();
  assert.equal(observeDomain(state, 'lab.app', domain('running'), '2026-03-01T00:00:00.000Z', madeHere), true);
  assert.equal(observeDomain(state, 'lab.app', domain('paused'), '2026-03-01T01:00:00.000Z', madeHere), false, 'still running');
  assert.equal(observeDomain(state, 'lab.app', domain('crashed'), '2026-03-01T02:00:00.000Z', madeHere), true);
  assert.equal(observeDomain(state, 'lab.app', domain('shut-off'), '2026-03-01T03:00:00.000Z', madeHere), false);
  const foreign = domain('running', { name: 'other', vlm: { lab: 'lab', vm: 'app', dataDirectory: '/elsewhere' } });
  assert.equal(observeDomain(state, 'other', foreign, '2026-03-01T04:00:00.000Z', madeHere), false);
  assert.equal(observeDomain(state, 'x', domain('running', { name: 'x', vlm: undefined }), '2026-03-01T04:00:00.000Z', madeHere), false);
  assert.deepEqual(
    state.running_intervals.map(({ start, stop }) => [start, stop]),
    [['2026-03-01T00:00:00.000Z', '2026-03-01T02:00:00.000Z']],
  );
});

test('a domain recreated under the same name ends the old interval and opens its own', () => {
  const state = emptyState();
  observeDomain(state, 'lab.app', domain('running'), '2026-03-01T00:00:00.000Z', madeHere);
  observeDomain(state, 'lab.app', domain('running', { uuid: 'u-2' }), '2026-03-01T05:00:00.000Z', madeHere);
  assert.deepEqual(
    state.running_intervals.map(({ uuid, stop }) => [uuid, stop]),
    [
      ['u-1', '2026-03-01T05:00:00.000Z'],
      ['u-2', undefined],
    ],
  );
});

test('at start: a still-running VM continues, a stopped one closes at the last known time, a new one opens now', () => {
  const state = emptyState();
  observeDomain(state, 'lab.app', domain('running'), '2026-03-01T00:00:00.000Z', madeHere);
  observeDomain(state, 'lab.db', domain('running', { name: 'lab.db', uuid: 'u-db' }), '2026-03-01T00:00:00.000Z', madeHere);
  state.running_observed_at = '2026-03-02T00:00:00.000Z';
  const now = '2026-03-03T00:00:00.000Z';
  reconcileAtStart(
    state,
    [domain('running'), domain('shut-off', { name: 'lab.db', uuid: 'u-db' }), domain('running', { name: 'lab.new', uuid: 'u-new' })],
    now,
    madeHere,
  );
  assert.deepEqual(
    state.running_intervals.map(({ domain, start, stop }) => [domain, start, stop]),
    [
      ['lab.app', '2026-03-01T00:00:00.000Z', undefined],
      ['lab.db', '2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      ['lab.new', now, undefined],
    ],
  );
  assert.equal(state.running_observed_at, now);
});

test('closed intervals older than 13 months go, open ones stay, and a flapping VM is capped', () => {
  const state = emptyState();
  const interval = { domain: 'lab.app', uuid: 'u', lab: 'lab', vm: 'app', vcpu: 1, memoryBytes: 1, diskBytes: 0 };
  state.running_intervals.push(
    { ...interval, start: '2024-01-01T00:00:00.000Z', stop: '2025-01-31T23:59:59.999Z' },
    { ...interval, start: '2024-01-01T00:00:00.000Z', stop: '2025-02-01T00:00:00.000Z' },
    { ...interval, domain: 'lab.old', start: '2024-01-01T00:00:00.000Z' },
  );
  pruneIntervals(state, '2026-03-15T00:00:00.000Z');
  assert.deepEqual(
    state.running_intervals.map(({ stop }) => stop),
    ['2025-02-01T00:00:00.000Z', undefined],
  );
  for (let index = 0; index < runningIntervalLimit + 5; index += 1)
    state.running_intervals.push({ ...interval, start: '2026-03-01T00:00:00.000Z', stop: '2026-03-01T00:00:01.000Z' });
  pruneIntervals(state, '2026-03-15T00:00:00.000Z');
  assert.equal(state.running_intervals.length, runningIntervalLimit);
  assert.ok(
    state.running_intervals.some((item) => item.stop === undefined),
    'the open interval is never dropped',
  );
  assert.equal(intervalsOverlapping(state, '2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z').length, 1, 'open: in every later month');
});

test('a v1 state file is upgraded to v2 with no intervals, and the v1 file is kept beside it', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-running-'));
  try {
    const v1 = { schema_version: 1, event_sequence: 7, labs: {}, allocated_ports: [] };
    await writeFile(join(directory, 'state.json'), JSON.stringify(v1));
    const store = await StateStore.open({ dataDirectory: directory });
    assert.deepEqual(store.state, { ...v1, schema_version: 2, running_intervals: [] });
    await store.close();
    assert.deepEqual(JSON.parse(await readFile(join(directory, 'state.json.v1.bak'), 'utf8')), v1);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('an interval with a bad time or a negative size is refused as corrupt', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-running-'));
  try {
    const interval = { domain: 'lab.app', uuid: 'u', lab: 'lab', vm: 'app', vcpu: 1, memoryBytes: 1, diskBytes: 0, start: 'yesterday' };
    for (const bad of [interval, { ...interval, start: '2026-03-01T00:00:00.000Z', vcpu: -1 }]) {
      await writeFile(join(directory, 'state.json'), JSON.stringify({ ...emptyState(), running_intervals: [bad] }));
      await assert.rejects(StateStore.open({ dataDirectory: directory }), /state\.json is corrupt: \/running_intervals\/0/);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
