// A running VM's tooltip with its live figures (CPU, memory, disk and network rates), read from
// the host when the tooltip opens. Plain data, no vscode: labs-tree.ts asks, this says what shows.
import type { VmMetrics } from '@vlm/schemas/src/host-protocol';
import { metricsFields } from '@vlm/schemas/src/metrics-text';

/** The row's tooltip followed by the VM's figures, or a line saying why there are none. */
export function tooltipWithMetrics(tooltip: string, metrics: VmMetrics | undefined | Error): string {
  if (metrics instanceof Error) return `${tooltip}\n\nMetrics unavailable: ${metrics.message}`;
  const sample = metrics?.latest;
  if (!sample) return `${tooltip}\n\nNo metrics: the host did not see it running.`;
  const lines = metricsFields(sample).map(([label, value]) => `${label}: ${value}`);
  if (sample.memorySource === 'none') lines.push('Memory use unknown: the guest has no balloon driver stats.');
  return `${tooltip}\n\n${lines.join('\n')}`;
}
