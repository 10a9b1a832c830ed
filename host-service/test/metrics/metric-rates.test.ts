// The rate and percentage rules on libvirt's counters: normal intervals, counter resets, a VM
// that restarts, and stats that libvirt leaves out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSample, readCounters } from '../../src/metrics/metric-rates';

/** A running two-vCPU guest with a balloon driver, one disk and one NIC. */
function guestStats(overrides: Record<string, number> = {}): Record<string, number> {
  return {
    'state.state': 1,
    'cpu.time': 10e9,
    'vcpu.current': 2,
    'vcpu.maximum': 2,
    'balloon.current': 262144,
    'balloon.usable': 131072,
    'balloon.unused': 100000,
    'balloon.rss': 300000,
    'block.count': 2,
    'block.0.rd.bytes': 1000,
    'block.0.wr.bytes': 2000,
    'block.1.rd.bytes': 500,
    'block.1.wr.bytes': 0,
    'net.count': 1,
    'net.0.rx.bytes': 4000,
    'net.0.tx.bytes': 8000,
    ...overrides,
  };
}

describe('metric rates', () => {
  test('CPU % is guest CPU time over wall time over vCPUs; rates are per second, summed over devices', () => {
    const before = readCounters(guestStats(), 10_000);
    const after = readCounters(
      guestStats({ 'cpu.time': 11e9, 'block.0.rd.bytes': 3000, 'block.1.wr.bytes': 4000, 'net.0.rx.bytes': 6000, 'net.0.tx.bytes': 8000 }),
      12_000,
    );
    const sample = computeSample(before, after);
    // 1 s of CPU over 2 s on 2 vCPUs: 25 %.
    assert.equal(sample.cpuPercent, 25);
    assert.equal(sample.vcpus, 2);
    assert.equal(sample.diskReadBytesPerSecond, 1000);
    assert.equal(sample.diskWriteBytesPerSecond, 2000);
    assert.equal(sample.netRxBytesPerSecond, 1000);
    assert.equal(sample.netTxBytesPerSecond, 0);
    assert.equal(sample.state, 'running');
    assert.equal(sample.at, 12_000);
  });

  test("memory used is the balloon's size less what the guest could free, and says so", () => {
    const sample = computeSample(undefined, readCounters(guestStats(), 0));
    assert.equal(sample.memoryTotalBytes, 262144 * 1024);
    assert.equal(sample.memoryUsedBytes, (262144 - 131072) * 1024);
    assert.equal(sample.memorySource, 'guest');
    const withoutUsable = computeSample(undefined, readCounters(guestStats({ 'balloon.usable': Number.NaN }), 0));
    assert.equal(withoutUsable.memorySource, 'host-rss', 'a usable figure that is no number is not trusted');
  });

  test("without the guest's balloon figures, memory is QEMU's resident size, or unknown", () => {
    const noGuest = guestStats();
    delete noGuest['balloon.usable'];
    delete noGuest['balloon.unused'];
    const rss = computeSample(undefined, readCounters(noGuest, 0));
    assert.equal(rss.memorySource, 'host-rss');
    assert.equal(rss.memoryUsedBytes, 300000 * 1024);
    const none = computeSample(undefined, readCounters({ 'state.state': 1 }, 0));
    assert.equal(none.memorySource, 'none');
    assert.equal(none.memoryUsedBytes, null);
    assert.equal(none.memoryTotalBytes, null);
  });

  test('the first sample has no rates, only levels', () => {
    const sample = computeSample(undefined, readCounters(guestStats(), 0));
    assert.equal(sample.cpuPercent, null);
    assert.equal(sample.diskReadBytesPerSecond, null);
    assert.equal(sample.netTxBytesPerSecond, null);
    assert.notEqual(sample.memoryUsedBytes, null);
  });
});

describe('metric rates when counters reset or are missing', () => {
  test('a counter that went down (the VM restarted) gives no rate, never a negative one', () => {
    const before = readCounters(guestStats(), 0);
    const restarted = readCounters(guestStats({ 'cpu.time': 0.2e9, 'block.0.rd.bytes': 10, 'net.0.rx.bytes': 1 }), 2000);
    const sample = computeSample(before, restarted);
    assert.equal(sample.cpuPercent, null);
    assert.equal(sample.diskReadBytesPerSecond, null);
    assert.equal(sample.netRxBytesPerSecond, null);
    // The next interval after the restart has rates again.
    const next = computeSample(
      restarted,
      readCounters(guestStats({ 'cpu.time': 0.6e9, 'block.0.rd.bytes': 10, 'net.0.rx.bytes': 1 }), 4000),
    );
    assert.equal(next.cpuPercent, 10);
  });

  test('a NIC unplugged between samples gives no network rate for that interval', () => {
    const before = readCounters(guestStats({ 'net.count': 2, 'net.1.rx.bytes': 5000, 'net.1.tx.bytes': 0 }), 0);
    const after = readCounters(guestStats({ 'net.0.rx.bytes': 4100 }), 1000);
    assert.equal(computeSample(before, after).netRxBytesPerSecond, null);
  });

  test('missing fields (the test driver gives only the state) give nulls, not zeros', () => {
    const before = readCounters({ 'state.state': 3 }, 0);
    const sample = computeSample(before, readCounters({ 'state.state': 3 }, 2000));
    assert.equal(sample.state, 'paused');
    for (const field of [
      'cpuPercent',
      'vcpus',
      'diskReadBytesPerSecond',
      'diskWriteBytesPerSecond',
      'netRxBytesPerSecond',
      'netTxBytesPerSecond',
    ] as const) {
      assert.equal(sample[field], null, field);
    }
    assert.equal(computeSample(undefined, readCounters({}, 0)).state, 'no-state');
    assert.equal(computeSample(undefined, readCounters({ 'state.state': 99 }, 0)).state, 'no-state');
  });

  test('CPU % stays within 0-100 when jitter overshoots, and a zero interval gives no rate', () => {
    const before = readCounters(guestStats(), 0);
    assert.equal(computeSample(before, readCounters(guestStats({ 'cpu.time': 10e9 + 2.2e9 }), 1000)).cpuPercent, 100);
    assert.equal(computeSample(before, readCounters(guestStats({ 'cpu.time': 11e9 }), 0)).cpuPercent, null);
  });
});
