// One dashboard store update (lock, re-read, check, durable write) against a plain fs.writeFile of
// the same JSON, with 1,000 and 10,000 expenses in the file. Medians, and their ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExpenseEntry } from '@vlm/schemas';
import { DashboardStore } from '../src/store/dashboard-store';

const rounds = Number(process.argv[2] ?? 30);

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function expense(index: number): ExpenseEntry {
  return { id: `e${index}`, date: '2026-03-01', amountMinor: index, currency: 'EUR', category: `c${index % 7}`, note: 'a note' };
}

async function measure(count: number, folder: string): Promise<void> {
  const directory = join(folder, String(count));
  const store = await DashboardStore.open({ directory });
  await store.update((draft) => draft.expenses.push(...Array.from({ length: count }, (_, index) => expense(index))));
  const updates: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    let started = performance.now();
    const { data } = await store.update((draft) => draft.expenses.push(expense(count + round)));
    updates.push(performance.now() - started);
    started = performance.now();
    await writeFile(join(directory, 'plain.json'), `${JSON.stringify(data, null, 2)}\n`);
    plain.push(performance.now() - started);
  }
  const [update, anchor] = [median(updates), median(plain)];
  console.log(
    `${count} expenses: store update ${update.toFixed(2)} ms, plain fs.writeFile ${anchor.toFixed(2)} ms (anchor), ratio ${(update / anchor).toFixed(1)}x, median of ${rounds}`,
  );
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-dashboard-bench-'));
  try {
    for (const count of [1000, 10_000]) await measure(count, folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();
