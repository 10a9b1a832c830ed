// The Expenses panel with 10,000 expenses in code-server and Chromium: from pressing Enter on
// "Virtual Labs: Open Expenses" to the frame after the chart was drawn, read from the panel's own
// performance mark; anchor: the same panel opened on an empty store in the same session. Each open
// is split at the panel script's start: before it, VS Code creates the webview and loads the
// bundle (the anchor pays it too); after it, our part: the script, the extension's read and post,
// the check and the chart. Then typing a filter: from the input event to the rows built (the
// panel's measure) and to the next frame; anchor: clearing the filter in the same page. Medians,
// ratios and the load average, since the machine's load moves every figure.
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

/** The wall-clock time of the panel's mark `name` (0 while there is none). */
const markTime = (name: string) =>
  `(() => { const mark = performance.getEntriesByName('${name}')[0]; return mark ? performance.timeOrigin + mark.startTime : 0; })()`;

/** The panel's frame once its script has marked the first render, and that mark's wall-clock time. */
async function firstRender(session: VsCodeSession, timeoutMs = 60_000): Promise<{ frame: Frame; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of session.page.frames()) {
      if (frame.isDetached()) continue;
      const at = await frame.evaluate(markTime('expenses:first-render')).catch(() => 0);
      if (typeof at === 'number' && at > 0) return { frame, at };
    }
    if (Date.now() > deadline) throw new Error('The Expenses panel did not draw its first data.');
    await session.page.waitForTimeout(20);
  }
}

interface Opening {
  frame: Frame;
  /** Enter to the frame after the chart was drawn. */
  elapsed: number;
  /** Enter to the panel script's start: VS Code's webview and the bundle's load. */
  toScript: number;
  /** The panel script's start to the frame after the chart: our part. */
  ours: number;
}

/** Opens the panel from the Command Palette and times it. */
async function openPanel(session: VsCodeSession): Promise<Opening> {
  const { page } = session;
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input[type="text"]');
  await input.fill('>Virtual Labs: Open Expenses');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Open Expenses' }).waitFor();
  const started = Date.now();
  await page.keyboard.press('Enter');
  const { frame, at } = await firstRender(session);
  const scriptStart = (await frame.evaluate(markTime('expenses:script-start'))) as number;
  return { frame, elapsed: at - started, toScript: scriptStart - started, ours: at - scriptStart };
}

async function closePanel(session: VsCodeSession): Promise<void> {
  await session.runCommand('View: Close All Editors');
  await session.page.locator('.tab', { hasText: 'Expenses' }).waitFor({ state: 'detached' });
}

/** Types `text` in the table's filter: from its input event to the rows built, and to the next frame. */
async function filterDraw(frame: Frame, text: string): Promise<{ built: number; drawn: number }> {
  await frame.evaluate(`(() => {
    performance.clearMeasures('expenses:table');
    delete window.benchFrame;
    document.addEventListener('input', () => {
      const start = performance.now();
      requestAnimationFrame(() => setTimeout(() => { window.benchFrame = performance.now() - start; }));
    }, { capture: true, once: true });
  })()`);
  await frame.locator('#table-filter input').fill(text);
  await frame.waitForFunction(`performance.getEntriesByName('expenses:table').length > 0 && window.benchFrame !== undefined`);
  return (await frame.evaluate(
    `({ built: performance.getEntriesByName('expenses:table').at(-1).duration, drawn: window.benchFrame })`,
  )) as { built: number; drawn: number };
}

const load = () => `load average ${loadavg()[0]?.toFixed(2)}`;

/** One line: a figure beside its anchor, their ratio, medians. */
function report(title: string, figure: number[], anchor: number[], labels: [string, string], digits = 0): void {
  const [value, base] = [median(figure), median(anchor)];
  console.log(
    `${title}: ${labels[0]} ${value.toFixed(digits)} ms, ${labels[1]} ${base.toFixed(digits)} ms (anchor), ratio ${(value / base).toFixed(2)}x, median of ${figure.length}, ${load()}`,
  );
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
    const empty: Opening[] = [];
    const full: Opening[] = [];
    const filtered: Array<{ built: number; drawn: number }> = [];
    const unfiltered: Array<{ built: number; drawn: number }> = [];
    for (let round = 0; round < rounds; round += 1) {
      await fill(0);
      empty.push(await openPanel(session));
      await closePanel(session);
      await fill(10_000);
      const opening = await openPanel(session);
      full.push(opening);
      filtered.push(await filterDraw(opening.frame, 'category 1'));
      unfiltered.push(await filterDraw(opening.frame, ''));
      await closePanel(session);
    }
    const labels: [string, string] = ['10,000 expenses', 'empty store'];
    const pick = (openings: Opening[], key: 'elapsed' | 'toScript' | 'ours') => openings.map((opening) => opening[key]);
    report('Expenses panel, Enter to first chart drawn (target < 300 ms)', pick(full, 'elapsed'), pick(empty, 'elapsed'), labels);
    report(
      '  of which VS Code: Enter to the panel script start (webview, bundle load)',
      pick(full, 'toScript'),
      pick(empty, 'toScript'),
      labels,
    );
    report('  of which ours: panel script start to first chart drawn', pick(full, 'ours'), pick(empty, 'ours'), labels);
    const pickFilter = (draws: Array<{ built: number; drawn: number }>, key: 'built' | 'drawn') => draws.map((draw) => draw[key]);
    const filterLabels: [string, string] = ['typing a filter', 'clearing it'];
    report(
      'Expenses table, 10,000 expenses, input to next frame drawn (target < 50 ms)',
      pickFilter(filtered, 'drawn'),
      pickFilter(unfiltered, 'drawn'),
      filterLabels,
      1,
    );
    report('  of which input to rows built', pickFilter(filtered, 'built'), pickFilter(unfiltered, 'built'), filterLabels, 1);
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
