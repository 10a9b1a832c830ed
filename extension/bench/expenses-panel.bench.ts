// The Expenses panel with 10,000 expenses in code-server and Chromium: from pressing Enter on
// "Virtual Labs: Open Expenses" to the frame after the first data (the chart) was drawn, read from
// the panel's own performance mark; anchor: the same panel opened on an empty store in the same
// session, which is what VS Code's webview costs before any data. Then typing a filter: the
// panel's measure from the keystroke's filter to the table drawn; anchor: drawing the table
// unfiltered (clearing the filter) in the same page. Medians, and their ratios.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExpenseEntry } from '@vlm/schemas';
import { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { Frame } from 'playwright-core';
import { VsCodeSession, removeFolder } from '../test/e2e/vscode-session';

const rounds = Number(process.argv[2] ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function expense(index: number): ExpenseEntry {
  return {
    id: `e${index}`,
    date: `2026-${String((index % 12) + 1).padStart(2, '0')}-${String((index % 28) + 1).padStart(2, '0')}`,
    amountMinor: (index * 7919) % 100_000,
    currency: index % 3 === 0 ? 'USD' : 'EUR',
    category: `category ${index % 17}`,
    note: `note ${index}`,
  };
}

/** The panel's frame once its script has marked the first render, and that mark's wall-clock time. */
async function firstRender(session: VsCodeSession, timeoutMs = 60_000): Promise<{ frame: Frame; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of session.page.frames()) {
      if (frame.isDetached()) continue;
      const at = await frame
        .evaluate(
          `(() => { const mark = performance.getEntriesByName('expenses:first-render')[0]; return mark ? performance.timeOrigin + mark.startTime : 0; })()`,
        )
        .catch(() => 0);
      if (typeof at === 'number' && at > 0) return { frame, at };
    }
    if (Date.now() > deadline) throw new Error('The Expenses panel did not draw its first data.');
    await session.page.waitForTimeout(20);
  }
}

/** Opens the panel from the Command Palette; milliseconds from Enter to its first drawn data. */
async function openPanel(session: VsCodeSession): Promise<{ frame: Frame; elapsed: number }> {
  const { page } = session;
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input[type="text"]');
  await input.fill('>Virtual Labs: Open Expenses');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Open Expenses' }).waitFor();
  const started = Date.now();
  await page.keyboard.press('Enter');
  const { frame, at } = await firstRender(session);
  return { frame, elapsed: at - started };
}

async function closePanel(session: VsCodeSession): Promise<void> {
  await session.runCommand('View: Close All Editors');
  await session.page.locator('.tab', { hasText: 'Expenses' }).waitFor({ state: 'detached' });
}

/** Types `text` in the table's filter; the panel's measure of that table draw. */
async function filterDraw(frame: Frame, text: string): Promise<number> {
  await frame.evaluate(`performance.clearMeasures('expenses:table')`);
  await frame.locator('#table-filter input').fill(text);
  await frame.waitForFunction(`performance.getEntriesByName('expenses:table').length > 0`);
  return (await frame.evaluate(`performance.getEntriesByName('expenses:table').at(-1).duration`)) as number;
}

async function main(): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'vlm-bench-workspace-'));
  const session = await VsCodeSession.open({ workspace, theme: 'dark' });
  try {
    const directory = join(session.profile, 'user-data', 'User', 'globalStorage', 'vlm.virtual-lab-manager');
    const store = await DashboardStore.open({ directory });
    const fill = (count: number) =>
      store.update((draft) => {
        draft.expenses = Array.from({ length: count }, (_, index) => expense(index));
      });
    // Activation, the first webview and the bundle's first load are not what is measured.
    await openPanel(session);
    await closePanel(session);
    const empty: number[] = [];
    const full: number[] = [];
    const filtered: number[] = [];
    const unfiltered: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      await fill(0);
      empty.push((await openPanel(session)).elapsed);
      await closePanel(session);
      await fill(10_000);
      const { frame, elapsed } = await openPanel(session);
      full.push(elapsed);
      filtered.push(await filterDraw(frame, 'category 1'));
      unfiltered.push(await filterDraw(frame, ''));
      await closePanel(session);
    }
    const [figure, anchor] = [median(full), median(empty)];
    console.log(
      `Expenses panel, Enter to first chart drawn: 10,000 expenses ${figure.toFixed(0)} ms (target < 300 ms), empty store ${anchor.toFixed(0)} ms (anchor), ratio ${(figure / anchor).toFixed(2)}x, median of ${rounds}`,
    );
    const [filter, draw] = [median(filtered), median(unfiltered)];
    console.log(
      `Expenses table, 10,000 expenses, typing a filter to table drawn: ${filter.toFixed(1)} ms (target < 50 ms), clearing the filter (anchor) ${draw.toFixed(1)} ms, ratio ${(filter / draw).toFixed(2)}x, median of ${rounds}`,
    );
    await store.close();
  } finally {
    await session.close();
    removeFolder(workspace);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
