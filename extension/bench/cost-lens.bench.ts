// The cost lens runs on each pause in typing: its lenses for a lab of 100 and 1,000 VMs, against the
// anchor of parsing the same text as deploy does (yaml's parse with merge keys). Medians, and their ratio.
import { parse } from 'yaml';
import type { CostModel } from '@vlm/schemas';
import { costLenses } from '../src/costs/lab-cost-lenses';

const rounds = Number(process.argv[2] ?? 30);
const model: CostModel = { currency: 'EUR', vcpuHourMicros: 12_500, ramGbHourMicros: 2_000, diskGbMonthMicros: 50_000 };

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function labText(count: number): string {
  const vms = Array.from(
    { length: count },
    (_, index) =>
      `  - name: vm-${index}\n    vcpu: ${1 + (index % 8)}\n    ram_mb: ${1024 * (1 + (index % 4))}\n    disk_gb: 20\n    os_image: debian-12\n`,
  );
  return `name: big-lab\nvms:\n${vms.join('')}`;
}

function time(action: () => unknown): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

for (const count of [100, 1000]) {
  const text = labText(count);
  const lenses: number[] = [];
  const parses: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    lenses.push(time(() => costLenses(text, model, 'en-US')));
    parses.push(time(() => parse(text, { merge: true })));
  }
  const [lens, anchor] = [median(lenses), median(parses)];
  console.log(
    `${count} VMs: cost lenses ${lens.toFixed(2)} ms, deploy's parse alone ${anchor.toFixed(2)} ms (anchor), ratio ${(lens / anchor).toFixed(1)}x, median of ${rounds}`,
  );
}
