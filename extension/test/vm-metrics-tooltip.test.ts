// The running VM's tooltip with its figures: a guest with every stat, one with only QEMU's
// view of memory, none at all, and a host that could not answer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VmMetricsSample } from '@vlm/schemas/src/host-protocol';
import { tooltipWithMetrics } from '../src/vm-metrics-tooltip';

const sample: VmMetricsSample = {
  at: 0,
  state: 'running',
  cpuPercent: 12.345,
  vcpus: 2,
  memoryUsedBytes: 96 * 1024 * 1024,
  memoryTotalBytes: 256 * 1024 * 1024,
  memorySource: 'guest',
  diskReadBytesPerSecond: 1536,
  diskWriteBytesPerSecond: 0,
  netRxBytesPerSecond: 3 * 1024 * 1024,
  netTxBytesPerSecond: null,
};

describe('VM metrics in the tree tooltip', () => {
  test('shows CPU, memory, disk and network rates under the row tooltip', () => {
    const text = tooltipWithMetrics('VM web of lab demo: running', { vm: 'demo-web', history: [], latest: sample });
    assert.equal(
      text,
      'VM web of lab demo: running\n\nCPU: 12.3%\nMemory: 96.0 MiB / 256 MiB\nDisk read: 1.5 KiB/s\nDisk write: 0 B/s\nNet in: 3.0 MiB/s\nNet out: -',
    );
  });

  test("says when memory is QEMU's resident size, or unknown", () => {
    assert.match(
      tooltipWithMetrics('t', { vm: 'v', history: [], latest: { ...sample, memorySource: 'host-rss' } }),
      /Memory: .* \(host RSS\)/,
    );
    const none = { ...sample, memorySource: 'none' as const, memoryUsedBytes: null, memoryTotalBytes: null };
    assert.match(tooltipWithMetrics('t', { vm: 'v', history: [], latest: none }), /Memory: -\n[\s\S]*Memory use unknown/);
  });

  test('says why there are no figures: not running, or the host failed', () => {
    assert.match(tooltipWithMetrics('t', { vm: 'v', history: [] }), /No metrics: the host did not see it running/);
    assert.equal(tooltipWithMetrics('t', new Error('Host h is not connected.')), 't\n\nMetrics unavailable: Host h is not connected.');
  });
});
