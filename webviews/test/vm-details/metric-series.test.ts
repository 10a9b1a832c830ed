// The VM details charts' data: a 10-minute window, repeats dropped, null figures kept as gaps
// (and counted as no points), and the latest figures in the shared text format.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VmMetricsSample } from '@vlm/schemas';
import { SampleWindow, chartColumns, latestText, metricCharts } from '../../src/vm-details/model/metric-series';

function sample(at: number, cpuPercent: number | null, read: number | null = null): VmMetricsSample {
  return {
    at,
    state: 'running',
    cpuPercent,
    vcpus: 1,
    memoryUsedBytes: null,
    memoryTotalBytes: null,
    memorySource: 'none',
    diskReadBytesPerSecond: read,
    diskWriteBytesPerSecond: null,
    netRxBytesPerSecond: null,
    netTxBytesPerSecond: null,
  };
}

const chart = (id: string) => metricCharts.find((candidate) => candidate.id === id) ?? assert.fail(id);

describe('VM details chart data', () => {
  test('keeps the samples within the window of the newest, dropping repeats', () => {
    const window = new SampleWindow(10_000);
    window.reset([sample(1000, 1), sample(5000, 2)], 10_000);
    assert.equal(window.add(sample(5000, 3)), false);
    assert.equal(window.add(sample(12_000, 4)), true);
    assert.deepEqual(
      window.all.map((kept) => kept.at),
      [5000, 12_000],
    );
  });

  test('null figures stay gaps and do not count as points', () => {
    const samples = [sample(1000, null), sample(2000, 12.5, 2048), sample(3000, 20)];
    assert.deepEqual(chartColumns(chart('cpu'), samples), {
      columns: [
        [1, 2, 3],
        [null, 12.5, 20],
      ],
      points: 2,
    });
    assert.equal(chartColumns(chart('disk'), samples).points, 1);
    assert.equal(chartColumns(chart('network'), samples).points, 0);
  });

  test('latest figures read as the tooltip and vm top read them', () => {
    assert.equal(latestText(chart('cpu'), sample(1, 12.345)), '12.3%');
    assert.equal(latestText(chart('disk'), sample(1, 1, 1536)), 'Read 1.5 KiB/s, Write -');
    assert.equal(latestText(chart('memory'), undefined), '-');
    const memory = {
      ...sample(1, 1),
      memoryUsedBytes: 268 * 1024 * 1024,
      memoryTotalBytes: 128 * 1024 * 1024,
      memorySource: 'host-rss' as const,
    };
    assert.equal(latestText(chart('memory'), memory), '268 MiB / 128 MiB (host RSS)');
  });
});
