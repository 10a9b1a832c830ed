// Small statistics for the libvirt benchmarks: medians and percentiles of milliseconds.

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // The middle value, or the mean of the middle two.
  const middle = sorted.slice((sorted.length - 1) >> 1, (sorted.length >> 1) + 1);
  return middle.reduce((sum, value) => sum + value, 0) / middle.length;
}

export function milliseconds(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** "ours 12.3 ms | anchor 45.6 ms | ratio 0.27x" */
export function besideAnchor(label: string, ours: number, anchorLabel: string, anchor: number): string {
  return `${label.padEnd(34)} ${milliseconds(ours).padStart(10)}   ${anchorLabel.padEnd(34)} ${milliseconds(anchor).padStart(10)}   ratio ${(ours / anchor).toFixed(2)}x`;
}
