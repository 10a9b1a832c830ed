// The Expenses panel as a user meets it: opened from the Command Palette, an expense added by
// keyboard, the chart's data and pixels change, Delete and Ctrl+Z, the window reloaded and the
// panel restored with its expenses; dark and light. Any CSP violation in the webview fails it.
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

/** The Expenses panel's frame, once its script has drawn #expense-amount. */
const expensesFrame = (timeoutMs?: number): Promise<Frame> => panelFrame(session, '#expense-amount', 'Expenses', timeoutMs);

async function chartData(frame: Frame): Promise<{ totals: number[]; categories: string[]; canvas: string }> {
  return frame.evaluate(() => {
    const page = globalThis as unknown as {
      document: { querySelector(selector: string): { dataset: { chart?: string }; toDataURL(): string } | null };
    };
    const data = JSON.parse(page.document.querySelector('#spend-chart')?.dataset.chart ?? '{"totals":[],"categories":[]}');
    return { ...data, canvas: page.document.querySelector('#spend-chart canvas')?.toDataURL() ?? '' };
  });
}

async function addExpense(frame: Frame, amount: string, category: string): Promise<void> {
  await frame.locator('#expense-amount input').fill(amount);
  await frame.locator('#expense-category input').fill(category);
  await frame.locator('#expense-category input').press('Enter');
  await frame.locator('vscode-table-row', { hasText: category }).first().waitFor();
}

test('add an expense, see the chart change, delete and undo by keyboard, reload and find it restored', async () => {
  const { page } = session;
  // From the sidebar: the Hosts view's title bar.
  const hostsView = await showHostsView(session);
  // With two views in the container, a view's title actions show while its header is hovered.
  await hostsView.locator('.pane-header').hover();
  await hostsView.getByRole('button', { name: 'Open Expenses' }).click();
  let frame = await expensesFrame();
  await frame.locator('#totals', { hasText: 'No expenses yet.' }).waitFor();

  await addExpense(frame, '12.50', 'hosting');
  await frame.locator('#totals', { hasText: '€12.50' }).waitFor();
  const first = await chartData(frame);
  assert.deepEqual(first.categories, ['hosting']);
  assert.equal(first.totals.at(-1), 1250);
  assert.ok(first.canvas.length > 0, 'the chart is drawn on a canvas');

  await addExpense(frame, '7.25', 'domains');
  await frame.locator('#totals', { hasText: '€19.75' }).waitFor();
  const second = await chartData(frame);
  assert.deepEqual(second.categories, ['domains', 'hosting']);
  assert.equal(second.totals.at(-1), 1975);
  assert.notEqual(second.canvas, first.canvas, 'the canvas changed');

  // Keyboard: focus the row, Delete removes it (focus stays on the rows), Ctrl+Z brings it back.
  const domains = frame.locator('vscode-table-row', { hasText: 'domains' });
  await domains.focus();
  await page.keyboard.press('Delete');
  await frame.locator('#totals', { hasText: '€12.50' }).waitFor();
  await page.keyboard.press('Control+z');
  await frame.locator('#totals', { hasText: '€19.75' }).waitFor();
  await session.screenshot('30-expenses-dark');

  // From the Command Palette: the open panel comes to the front, no second one.
  await session.runCommand('Virtual Labs: Open Expenses').catch(async (error: unknown) => {
    await session.screenshot('failed-open-expenses');
    throw error;
  });
  assert.equal(await page.locator('.tab', { hasText: 'Expenses' }).count(), 1);

  await page.mouse.move(5, 400);
  await session.setTheme('light');
  frame = await expensesFrame();
  await frame.locator('vscode-table-row', { hasText: 'domains' }).waitFor();
  await session.screenshot('30-expenses-light');
  violations.push(...(await reportedViolations(frame)));

  await session.reloadWindow();
  frame = await expensesFrame(90_000);
  await frame.locator('vscode-table-row', { hasText: 'hosting' }).waitFor();
  await frame.locator('#totals', { hasText: '€19.75' }).waitFor();
  assert.equal((await chartData(frame)).totals.at(-1), 1975);
  await session.screenshot('31-expenses-restored');
  violations.push(...(await reportedViolations(frame)));

  assert.deepEqual(violations, [], 'no CSP violation');
});
