// The idle rules without a host: idle means low CPU and no console for the whole period; the
// shutdown time moves as that changes; a guest that ignores the request is reported, not forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultIdleCpuPercent,
  type IdleObservation,
  IdleTracker,
  idleSettingsOf,
  type WatchedVm,
} from '../../src/idle-shutdown/idle-tracker';

const minute = 60_000;
const settings = { minutes: 2, cpuPercent: 5 };

function vm(domain: string, up = true): WatchedVm {
  return { domain, lab: 'lab', vm: domain.replace('lab.', ''), settings, up };
}

/** What each domain shows at the next sample; anything not given is idle and consoleless. */
function seen(values: Record<string, Partial<IdleObservation>> = {}): (domain: string) => IdleObservation {
  return (domain) => ({ cpuPercent: 1, openConsoles: 0, ...values[domain] });
}

test('settings come from the lab, with the documented default threshold', () => {
  assert.equal(idleSettingsOf({}), undefined);
  assert.deepEqual(idleSettingsOf({ idle_shutdown_minutes: 30 }), { minutes: 30, cpuPercent: defaultIdleCpuPercent });
  assert.deepEqual(idleSettingsOf({ idle_shutdown_minutes: 1, idle_cpu_percent: 0.5 }), { minutes: 1, cpuPercent: 0.5 });
  assert.equal(defaultIdleCpuPercent, 5);
});

test('an idle VM is asked to power off once the whole period has passed, not before', () => {
  const tracker = new IdleTracker();
  const first = tracker.observe(0, [vm('lab.a')], seen());
  assert.deepEqual(first.changes, [{ domain: 'lab.a', lab: 'lab', vm: 'a', shutdownAtMs: 2 * minute }]);
  assert.equal(tracker.shutdownAtMs('lab.a'), 2 * minute);
  assert.deepEqual(tracker.observe(2 * minute - 1, [vm('lab.a')], seen()).decisions, []);
  const due = tracker.observe(2 * minute, [vm('lab.a')], seen());
  assert.deepEqual(due.decisions, [{ kind: 'shutdown', domain: 'lab.a', lab: 'lab', vm: 'a', idleSinceMs: 0, cpuPercent: 1 }]);
  assert.deepEqual(due.changes, [{ domain: 'lab.a', lab: 'lab', vm: 'a', shutdownAtMs: null }], 'asked: no time left to show');
  assert.deepEqual(tracker.observe(2 * minute + 10, [vm('lab.a')], seen()).decisions, [], 'asked once, not at every sample');
});

test('CPU at or above the threshold, or an open console, restarts the idle period', () => {
  const tracker = new IdleTracker();
  tracker.observe(0, [vm('lab.a'), vm('lab.b')], seen());
  const busy = tracker.observe(minute, [vm('lab.a'), vm('lab.b')], seen({ 'lab.a': { cpuPercent: 5 }, 'lab.b': { openConsoles: 1 } }));
  assert.deepEqual(
    busy.changes.map((change) => [change.domain, change.shutdownAtMs]),
    [
      ['lab.a', null],
      ['lab.b', null],
    ],
  );
  const again = tracker.observe(1.5 * minute, [vm('lab.a'), vm('lab.b')], seen());
  assert.deepEqual(
    again.changes.map((change) => change.shutdownAtMs),
    [3.5 * minute, 3.5 * minute],
  );
  assert.deepEqual(tracker.observe(3 * minute, [vm('lab.a'), vm('lab.b')], seen()).decisions, [], 'the earlier idle minute does not count');
  assert.equal(tracker.observe(3.5 * minute, [vm('lab.a'), vm('lab.b')], seen()).decisions.length, 2);
});

test('a console held open the whole time keeps a VM with no CPU use running', () => {
  const tracker = new IdleTracker();
  for (let at = 0; at <= 10 * minute; at += 10_000) {
    const { decisions, changes } = tracker.observe(at, [vm('lab.a')], seen({ 'lab.a': { cpuPercent: 0, openConsoles: 2 } }));
    assert.deepEqual(decisions, []);
    assert.deepEqual(changes, []);
  }
});

test('no CPU figure yet (the first sample of a VM) is not idle', () => {
  const tracker = new IdleTracker();
  const { changes } = tracker.observe(0, [vm('lab.a')], seen({ 'lab.a': { cpuPercent: undefined } }));
  assert.deepEqual(changes, []);
  assert.equal(tracker.shutdownAtMs('lab.a'), undefined);
});

test('a guest that powers off after the request is forgotten; one that ignores it is reported and asked again later', () => {
  const tracker = new IdleTracker({ shutdownGraceMs: minute });
  tracker.observe(0, [vm('lab.off'), vm('lab.stubborn')], seen());
  assert.equal(tracker.observe(2 * minute, [vm('lab.off'), vm('lab.stubborn')], seen()).decisions.length, 2);
  // lab.off went down; lab.stubborn still runs at the end of the grace period.
  const graceOver = tracker.observe(3 * minute, [vm('lab.off', false), vm('lab.stubborn')], seen());
  assert.deepEqual(graceOver.decisions, [
    { kind: 'ignored', domain: 'lab.stubborn', lab: 'lab', vm: 'stubborn', requestedAtMs: 2 * minute },
  ]);
  assert.deepEqual(graceOver.changes, [], 'the idle period starts again at the next sample');
  const next = tracker.observe(3 * minute + 1, [vm('lab.off', false), vm('lab.stubborn')], seen());
  assert.deepEqual(next.changes, [{ domain: 'lab.stubborn', lab: 'lab', vm: 'stubborn', shutdownAtMs: 5 * minute + 1 }]);
  const askedAgain = tracker.observe(5 * minute + 1, [vm('lab.off', false), vm('lab.stubborn')], seen());
  assert.deepEqual(
    askedAgain.decisions.map((decision) => [decision.kind, decision.domain]),
    [['shutdown', 'lab.stubborn']],
  );
  // A stopped VM that is started again counts from scratch.
  const restarted = tracker.observe(6 * minute, [vm('lab.off')], seen());
  assert.deepEqual(restarted.changes, [{ domain: 'lab.off', lab: 'lab', vm: 'off', shutdownAtMs: 8 * minute }]);
});

test('a VM that leaves the watched set (lab destroyed or setting removed) reports no time left', () => {
  const tracker = new IdleTracker();
  tracker.observe(0, [vm('lab.a')], seen());
  const gone = tracker.observe(minute, [], seen());
  assert.deepEqual(gone.changes, [{ domain: 'lab.a', lab: 'lab', vm: 'a', shutdownAtMs: null }]);
  assert.equal(tracker.shutdownAtMs('lab.a'), undefined);
  assert.deepEqual(tracker.observe(2 * minute, [], seen()).changes, []);
});

test('a changed setting moves the shutdown time at once', () => {
  const tracker = new IdleTracker();
  tracker.observe(0, [vm('lab.a')], seen());
  const longer = { ...vm('lab.a'), settings: { minutes: 10, cpuPercent: 5 } };
  assert.deepEqual(tracker.observe(minute, [longer], seen()).changes, [
    { domain: 'lab.a', lab: 'lab', vm: 'a', shutdownAtMs: 10 * minute },
  ]);
  const stricter = { ...longer, settings: { minutes: 10, cpuPercent: 0.5 } };
  assert.deepEqual(
    tracker.observe(2 * minute, [stricter], seen()).changes.map((change) => change.shutdownAtMs),
    [null],
    '1% is not idle below 0.5%',
  );
});
