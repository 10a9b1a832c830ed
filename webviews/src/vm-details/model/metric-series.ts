// The VM details panel's figures as plain data: the samples of the last minutes (older ones and
// duplicates dropped) and, for each of the four charts, the columns uPlot draws. A figure the host
// could not know stays null, so a chart shows a gap or "no data", never a made-up zero.
import type { VmMetricsSample } from '@vlm/schemas';
import { formatBytes, formatMemory, formatPercent, formatRate } from '@vlm/schemas/src/metrics-text';

export interface MetricChartSpec {
  id: string;
  title: string;
  series: Array<{ label: string; pick: (sample: VmMetricsSample) => number | null }>;
  /** How an axis tick or a value reads. */
  format: (value: number | null) => string;
  /** The newest figures as text, when they say more than the series' values. */
  latest?: (sample: VmMetricsSample) => string;
}

export const metricCharts: MetricChartSpec[] = [
  { id: 'cpu', title: 'CPU', series: [{ label: 'CPU', pick: (sample) => sample.cpuPercent }], format: formatPercent },
  {
    id: 'memory',
    title: 'Memory used',
    series: [{ label: 'Used', pick: (sample) => sample.memoryUsedBytes }],
    format: formatBytes,
    // "used / total", and whether it is QEMU's view rather than the guest's.
    latest: formatMemory,
  },
  {
    id: 'disk',
    title: 'Disk',
    series: [
      { label: 'Read', pick: (sample) => sample.diskReadBytesPerSecond },
      { label: 'Write', pick: (sample) => sample.diskWriteBytesPerSecond },
    ],
    format: formatRate,
  },
  {
    id: 'network',
    title: 'Network',
    series: [
      { label: 'In', pick: (sample) => sample.netRxBytesPerSecond },
      { label: 'Out', pick: (sample) => sample.netTxBytesPerSecond },
    ],
    format: formatRate,
  },
];

/** The samples within `windowMs` of the newest, oldest first. */
export class SampleWindow {
  private samples: VmMetricsSample[] = [];

  constructor(private windowMs: number) {}

  get all(): readonly VmMetricsSample[] {
    return this.samples;
  }

  reset(samples: readonly VmMetricsSample[], windowMs: number): void {
    this.windowMs = windowMs;
    this.samples = [];
    for (const sample of samples) this.add(sample);
  }

  /** A sample older than the newest one is a repeat and is dropped. */
  add(sample: VmMetricsSample): boolean {
    const newest = this.samples.at(-1);
    if (newest && sample.at <= newest.at) return false;
    this.samples.push(sample);
    const oldest = sample.at - this.windowMs;
    const first = this.samples.findIndex((kept) => kept.at > oldest);
    if (first > 0) this.samples.splice(0, first);
    return true;
  }
}

export interface ChartColumns {
  /** Seconds since the epoch (uPlot's time axis), then one column per series. */
  columns: [number[], ...Array<Array<number | null>>];
  /** Points with a figure, over all series. */
  points: number;
}

export function chartColumns(chart: MetricChartSpec, samples: readonly VmMetricsSample[]): ChartColumns {
  const times = samples.map((sample) => sample.at / 1000);
  const values = chart.series.map((series) => samples.map((sample) => series.pick(sample)));
  const points = values.reduce((sum, column) => sum + column.filter((value) => value !== null).length, 0);
  return { columns: [times, ...values], points };
}

/** The newest figures of a chart, as text ("Read 1.5 KiB/s, Write -"). */
export function latestText(chart: MetricChartSpec, sample: VmMetricsSample | undefined): string {
  if (!sample) return '-';
  if (chart.latest) return chart.latest(sample);
  return chart.series
    .map((series) => `${chart.series.length > 1 ? `${series.label} ` : ''}${chart.format(series.pick(sample))}`)
    .join(', ');
}
