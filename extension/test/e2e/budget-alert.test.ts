// A budget alert as a user meets it: a budget set in the Expenses panel, an expense that crosses
// 80% of it, the VS Code notification that says so, its button bringing the panel back with the
// budget focused and charted against this month; dark and light; after a reload the budget is
// back and the alert is not shown again. Any CSP violation fails it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { panelFrame, reportedViolations, showHostsView, watchCspConsole } from './webview-frames';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

let session: VsCodeSession;
let workspace: string;
const violations: string[] = [];

before(async () => {
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
  watchCspConsole(session, violations);
});

after(async () => {
  await session?.close();
  removeFolder(workspace);
});

/** The Expenses panel's frame, once its script has drawn #budget-amount. */
const expensesFrame = (timeoutMs?: number): Promise<Frame> => panelFrame(session, '#budget-amount', 'Expenses', timeoutMs);

interface BudgetChartData {
  budgetId: string;
  budgetMinor: number;
  spentMinor: number;
  actual: number[];
}

async function budgetChart(frame: Frame): Promise<BudgetChartData & { canvas: boolean; focusedRow: string | undefined }> {
  return frame.evaluate(() => {
    const page = globalThis as unknown as {
      document: {
        querySelector(selector: string): { dataset: { chart?: string } } | null;
        activeElement: { localName: string; getAttribute(name: string): string | null } | null;
      };
    };
    const data = JSON.parse(page.document.querySelector('#budget-chart')?.dataset.chart ?? '{}');
    const active = page.document.activeElement;
    return {
      ...data,
      canvas: page.document.querySelector('#budget-chart canvas') !== null,
      focusedRow: active?.localName === 'vscode-table-row' ? (active.getAttribute('data-id') ?? undefined) : undefined,
    };
  });
}

test('set a budget, cross 80% with an expense, see the notification, click it and land on the budget', async () => {
  const { page } = session;
  // Once the extension is active its commands are in the palette.
  await showHostsView(session);
  await session.runCommand('Virtual Labs: Open Expenses');
  let frame = await expensesFrame();
  await frame.locator('#totals', { hasText: 'No expenses yet.' }).waitFor();

  // A negative budget is refused by its field, and nothing is saved.
  await frame.locator('#budget-amount input').fill('-5');
  await frame.locator('#budget-amount input').press('Enter');
  await frame.locator('#budget-status', { hasText: 'amount: a budget cannot be negative (-5.00); give 0 or more' }).waitFor();

  await frame.locator('#budget-amount input').fill('100');
  await frame.locator('#budget-amount input').press('Enter');
  const row = frame.locator('#budget-table vscode-table-row', { hasText: 'All spend' });
  await row.waitFor();
  const budgetId = (await row.getAttribute('data-id')) ?? '';
  assert.match(budgetId, /^[A-Za-z0-9_-]+$/);
  assert.equal((await budgetChart(frame)).spentMinor, 0);

  // 85.00 of a 100.00 budget: past 80%.
  await frame.locator('#expense-amount input').fill('85');
  await frame.locator('#expense-category input').fill('hosting');
  await frame.locator('#expense-category input').press('Enter');
  await frame.locator('#budget-table vscode-table-row', { hasText: '€85.00 (85%)' }).waitFor();
  const notification = page.locator('.notification-toast', {
    hasText: /Budget All spend, €100\.00 for \d{4}-\d{2}: €85\.00 spent so far, 85% \(past 80%\)/,
  });
  await notification.waitFor({ timeout: 30_000 });
  await session.screenshot('40-budget-alert-dark');
  assert.equal(await notification.count(), 1, 'one notification for the budget');

  // Away from the panel, then the notification's button brings it back on the budget.
  await session.runCommand('View: Close All Editors');
  await page.locator('.tab', { hasText: 'Expenses' }).waitFor({ state: 'detached' });
  await notification.getByRole('button', { name: 'Open Budget' }).click();
  frame = await expensesFrame();
  await frame.locator(`#budget-table vscode-table-row[data-id="${budgetId}"]`).waitFor();
  const deadline = Date.now() + 30_000;
  let chart = await budgetChart(frame);
  while (chart.focusedRow !== budgetId && Date.now() < deadline) {
    await page.waitForTimeout(100);
    chart = await budgetChart(frame);
  }
  assert.equal(chart.focusedRow, budgetId, 'the budget of the alert has the focus');
  assert.equal(chart.budgetId, budgetId);
  assert.equal(chart.budgetMinor, 10_000);
  assert.equal(chart.spentMinor, 8500);
  assert.equal(chart.actual.at(-1), 8500);
  assert.ok(chart.canvas, 'the chart is drawn on a canvas');
  await frame.locator('#budget-chart').scrollIntoViewIfNeeded();
  await session.screenshot('41-budget-panel-dark');
  violations.push(...(await reportedViolations(frame)));

  await page.mouse.move(5, 400);
  await session.setTheme('light');
  frame = await expensesFrame();
  await frame.locator('#budget-chart').scrollIntoViewIfNeeded();
  await session.screenshot('41-budget-panel-light');
  violations.push(...(await reportedViolations(frame)));

  // Reloaded, the panel comes back with the budget charted, and the alert is not shown again.
  await session.reloadWindow();
  frame = await expensesFrame(90_000);
  await frame.locator('#budget-table vscode-table-row', { hasText: '€85.00 (85%)' }).waitFor();
  assert.equal((await budgetChart(frame)).budgetId, budgetId);
  assert.equal(await page.locator('.notification-toast', { hasText: 'Budget All spend' }).count(), 0, 'not shown again');
  violations.push(...(await reportedViolations(frame)));

  assert.deepEqual(violations, [], 'no CSP violation');
});
