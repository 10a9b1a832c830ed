// The sampler's bookkeeping without libvirt: the ring keeps the newest samples in order, history
// is cut to the window, demands set the interval, and bad intervals are refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VmMetricsSample } from '@vlm/schemas/src/host-protocol';
import { MetricsSampler, minimumSampleIntervalMs } from '../../src/metrics/metrics-sampler';
import { SampleHistory } from '../../src/metrics/sample-history';

const sampleAt = (at: number): VmMetricsSample => ({
  at,
  state: 'running',
  cpuPercent: null,
  vcpus: null,
  memoryUsedBytes: null,
  memoryTotalBytes: null,
  memorySource: 'none',
  diskReadBytesPerSecond: null,
  diskWriteBytesPerSecond: null,
  netRxBytesPerSecond: null,
  netTxBytesPerSecond: null,
});

describe('sample history and sampler bookkeeping', () => {
  test('the ring keeps the newest samples, oldest first, and cuts to a time', () => {
    const history = new SampleHistory(3);
    assert.equal(history.newest(), undefined);
    for (const at of [1, 2, 3, 4, 5]) history.push(sampleAt(at));
    assert.deepEqual(
      history.since(0).map((sample) => sample.at),
      [3, 4, 5],
    );
    assert.deepEqual(
      history.since(4).map((sample) => sample.at),
      [4, 5],
    );
    assert.equal(history.newest()?.at, 5);
    assert.throws(() => new SampleHistory(0), /at least one sample/);
  });

  test('history covers the window only; a domain gone for the whole window is forgotten', async () => {
    let now = 0;
    let running = true;
    const source = { activeDomainStats: async () => new Map(running ? [['vm1', { 'state.state': 1 }]] : []) };
    const sampler = new MetricsSampler(source, { historyMs: 10_000, now: () => now });
    for (let at = 0; at <= 20_000; at += 2_000) {
      now = at;
      await sampler.sampleNow();
    }
    assert.deepEqual(
      sampler.history('vm1').map((sample) => sample.at),
      [10_000, 12_000, 14_000, 16_000, 18_000, 20_000],
    );
    running = false;
    now = 22_000;
    await sampler.sampleNow();
    assert.equal(sampler.latest('vm1'), undefined);
    assert.equal(sampler.history('vm1').length, 5, 'still shown while in the window');
    now = 40_000;
    await sampler.sampleNow();
    assert.deepEqual(sampler.history('vm1'), []);
    sampler.close();
  });

  test('demands set the interval (the shortest wins, never under the minimum) and bad ones are refused', async () => {
    const source = { activeDomainStats: async () => new Map<string, Record<string, number>>() };
    const sampler = new MetricsSampler(source);
    const slow = sampler.demand(30_000);
    const fast = sampler.demand(10);
    assert.equal(sampler.intervalMs, minimumSampleIntervalMs);
    fast.dispose();
    assert.equal(sampler.intervalMs, 30_000);
    slow.dispose();
    assert.equal(sampler.intervalMs, undefined);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      assert.throws(() => sampler.demand(bad), /positive number of milliseconds/);
    sampler.close();
  });

  test('samples taken at once share one call', async () => {
    let calls = 0;
    const source = {
      activeDomainStats: async () => {
        calls++;
        return new Map([['vm1', { 'state.state': 1 }]]);
      },
    };
    const sampler = new MetricsSampler(source);
    const [first, second] = await Promise.all([sampler.sampleNow(), sampler.sampleNow()]);
    assert.equal(calls, 1);
    assert.equal(first, second);
    sampler.close();
  });
});
