// `vlm vm top [LAB]`: the host's live VM metrics as a table that refreshes with every sample in a
// terminal, or one table (or JSON document) after the second sample, when rates exist, for scripts.
import {
  MetricsGetRequest,
  MetricsNotification,
  MetricsSubscribeRequest,
  type MetricsBatch,
  type VmMetricsSample,
} from '@vlm/schemas/src/host-protocol';
import { formatMemory, formatPercent, formatRate } from '@vlm/schemas/src/metrics-text';
import type { CommandHandler, CommandOutput } from '../command-table';
import { printable } from '../diagnostic-report';
import { exitCodes, UsageError } from '../exit-codes';
import { type HostSession, withHost } from '../host-session';
import { textTable } from '../text-table';

interface TopRow {
  lab: string | null;
  vm: string;
  sample: VmMetricsSample;
}

/** The batch's VMs that the command shows: all, or those of LAB. */
function rowsOf(batch: MetricsBatch, lab: string | undefined, labVms: ReadonlySet<string>): TopRow[] {
  return batch.vms
    .filter((vm) => lab === undefined || vm.lab === lab || labVms.has(vm.vm))
    .map((vm) => ({ lab: vm.lab ?? null, vm: vm.vm, sample: vm.sample }))
    .sort((left, right) => (left.lab ?? '').localeCompare(right.lab ?? '') || left.vm.localeCompare(right.vm));
}

export function topTable(rows: readonly TopRow[]): string {
  const cells = rows.map(({ lab, vm, sample }) => [
    lab ?? '-',
    vm,
    sample.state,
    formatPercent(sample.cpuPercent),
    formatMemory(sample),
    `${formatRate(sample.diskReadBytesPerSecond)} / ${formatRate(sample.diskWriteBytesPerSecond)}`,
    `${formatRate(sample.netRxBytesPerSecond)} / ${formatRate(sample.netTxBytesPerSecond)}`,
  ]);
  return textTable(['LAB', 'VM', 'STATE', 'CPU', 'MEMORY', 'DISK READ / WRITE', 'NET IN / OUT'], cells);
}

function noneRunning(lab: string | undefined, session: HostSession): string {
  return lab === undefined ? `No running VMs on ${session.address}.\n` : `No running VMs in lab ${printable(lab)}.\n`;
}

/** Follows the host's samples; resolves with the exit code once `onBatch` says it is done or Ctrl-C. */
async function follow(session: HostSession, onBatch: (batch: MetricsBatch) => boolean): Promise<number> {
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  session.onNotification(MetricsNotification.type, (batch) => {
    if (onBatch(batch)) finish(exitCodes.success);
  });
  const removeInterrupt = session.onInterrupt(() => finish(exitCodes.success));
  try {
    await session.request(MetricsSubscribeRequest.type, { follow: true });
    return await done;
  } finally {
    removeInterrupt();
  }
}

function print(output: CommandOutput, rows: readonly TopRow[], json: boolean, lab: string | undefined, session: HostSession): void {
  if (json) output.stdout(`${JSON.stringify({ vms: rows }, null, 2)}\n`);
  else output.stdout(rows.length === 0 ? noneRunning(lab, session) : topTable(rows));
}

export const vmTop: CommandHandler = async (parsed, output) => {
  if (parsed.operands.length > 1) {
    throw new UsageError(`'vlm vm top' takes at most one lab; got: ${parsed.operands.map(printable).join(' ')}.`, 'vm top');
  }
  const lab = parsed.operands[0];
  const json = parsed.options.has('json');
  // A pipe or a file gets one table, as --once.
  const once = json || parsed.options.has('once') || !process.stdout.isTTY;
  return withHost(parsed, 'vm top', output, async (session) => {
    // Checks the lab exists (and its name) before following, and names its VMs.
    const { vms } = await session.request(MetricsGetRequest.type, lab === undefined ? {} : { lab });
    const labVms = new Set(vms.map((vm) => vm.vm));
    let batches = 0;
    return follow(session, (batch) => {
      batches++;
      const rows = rowsOf(batch, lab, labVms);
      if (once) {
        // The first sample after subscribing may have no rates: the second always has.
        if (batches < 2) return false;
        print(output, rows, json, lab, session);
        return true;
      }
      output.stdout('\x1b[H\x1b[2J');
      print(output, rows, false, lab, session);
      return false;
    });
  });
};
