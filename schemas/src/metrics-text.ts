// How VM metrics read as text, the same in `vlm vm top`, the tree tooltip and the details panel:
// binary units for sizes, per-second rates, a dash where the host could not know the figure.
import type { VmMetricsSample } from './host-protocol/metrics-messages';

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB"; null → "-". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) return '-';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** Bytes per second: "1.5 KiB/s"; null → "-". */
export function formatRate(bytesPerSecond: number | null): string {
  const text = formatBytes(bytesPerSecond);
  return text === '-' ? text : `${text}/s`;
}

/** 12.345 → "12.3%"; null → "-". */
export function formatPercent(percent: number | null): string {
  return percent === null || !Number.isFinite(percent) ? '-' : `${percent.toFixed(1)}%`;
}

/** "used / total" with where the figure comes from when it is QEMU's view, not the guest's. */
export function formatMemory(sample: Pick<VmMetricsSample, 'memoryUsedBytes' | 'memoryTotalBytes' | 'memorySource'>): string {
  const used = formatBytes(sample.memoryUsedBytes);
  const total = sample.memoryTotalBytes === null ? '' : ` / ${formatBytes(sample.memoryTotalBytes)}`;
  return `${used}${total}${sample.memorySource === 'host-rss' ? ' (host RSS)' : ''}`;
}

/** The figures of one sample as label/value pairs, in the order every view shows them. */
export function metricsFields(sample: VmMetricsSample): Array<[label: string, value: string]> {
  return [
    ['CPU', formatPercent(sample.cpuPercent)],
    ['Memory', formatMemory(sample)],
    ['Disk read', formatRate(sample.diskReadBytesPerSecond)],
    ['Disk write', formatRate(sample.diskWriteBytesPerSecond)],
    ['Net in', formatRate(sample.netRxBytesPerSecond)],
    ['Net out', formatRate(sample.netTxBytesPerSecond)],
  ];
}
