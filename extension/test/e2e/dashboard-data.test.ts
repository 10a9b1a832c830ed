// The dashboard as a whole, as a user meets it: before anything activated the extension, the
// palette offers its commands; Import Dashboard Data... takes an export file (typed into VS Code's
// file dialog) and "Add what is missing"; the Expenses panel shows the entries; a header sorts by
// keyboard, the filter narrows the table, and both are restored after a reload. Any CSP violation fails it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { panelFrame, watchCspConsole } from './webview-frames';
import { VsCodeSession, removeFolder } from './vscode-session';

let session: VsCodeSession;
let workspace: string;
const violations: string[] = [];

before(async () => {
  // No lab file: nothing activates the extension until the user runs one of its commands.
  workspace = mkdtempSync(join(tmpdir(), 'vlm-workspace-'));
  const expense = (id: string, date: string, amountMinor: number, category: string) => ({
    id,
    date,
    amountMinor,
    currency: 'EUR',
    category,
    note: '',
  });
  writeFileSync(
    join(workspace, 'dashboard-export.json'),
    JSON.stringify({
      schema_version: 1,
      expenses: [
        expense('x1', '2026-01-05', 4200, 'hosting'),
        expense('x2', '2026-01-06', 199, 'domains'),
        expense('x3', '2026-01-07', 990, 'backup'),
      ],
    }),
  );
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
  watchCspConsole(session, violations);
});

after(async () => {
  await session?.close();
  removeFolder(workspace);
});

/** The Expenses panel's frame, once its script has drawn #table-filter. */
const expensesFrame = (timeoutMs?: number): Promise<Frame> => panelFrame(session, '#table-filter', 'Expenses', timeoutMs);

async function categories(frame: Frame): Promise<string[]> {
  return frame.locator('#expense-table vscode-table-row[data-id] vscode-table-cell:nth-child(3)').allTextContents();
}

test('the palette offers the dashboard commands before activation; an import shows in the panel; sort and filter by keyboard survive a reload', async () => {
  const { page } = session;
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input[type="text"]').fill('>Virtual Labs: ');
  for (const title of ['Open Expenses', 'Export Dashboard Data...', 'Import Dashboard Data...']) {
    await page.locator('.quick-input-list .label-name', { hasText: title }).first().waitFor({ timeout: 10_000 });
  }
  await page.keyboard.press('Escape');

  await session.runCommand('Virtual Labs: Import Dashboard Data...');
  // VS Code's own file dialog in the browser: a path typed into a quick input.
  const path = page.locator('.quick-input-widget input[type="text"]');
  await path.waitFor();
  await path.fill(join(workspace, 'dashboard-export.json'));
  // The dialog lists the folder's files as the path is typed: Enter before that may pick another row.
  await page.locator('.quick-input-list .label-name', { hasText: 'dashboard-export.json' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page
    .getByRole('button', { name: 'Add what is missing' })
    .click()
    .catch(async (error: unknown) => {
      await session.screenshot('failed-import-question');
      throw error;
    });
  await page.locator('.notifications-toasts', { hasText: 'Added from' }).waitFor();
  await session.screenshot('40-dashboard-imported');

  await session.runCommand('Virtual Labs: Open Expenses');
  let frame = await expensesFrame();
  await frame.locator('vscode-table-row', { hasText: 'backup' }).waitFor();
  assert.deepEqual(await categories(frame), ['backup', 'domains', 'hosting'], 'newest first');

  const amount = frame.locator('#expense-table vscode-table-header-cell', { hasText: 'Amount' });
  await amount.focus();
  await page.keyboard.press('Enter');
  assert.equal(await amount.getAttribute('aria-sort'), 'ascending');
  assert.deepEqual(await categories(frame), ['domains', 'backup', 'hosting']);
  await page.keyboard.press('Enter');
  assert.equal(await amount.getAttribute('aria-sort'), 'descending');

  await frame.locator('#table-filter input').fill('o');
  assert.deepEqual(await categories(frame), ['hosting', 'domains']);
  await session.screenshot('41-expenses-sorted-filtered');

  await session.reloadWindow();
  frame = await expensesFrame(90_000);
  await frame.locator('vscode-table-row', { hasText: 'hosting' }).waitFor();
  assert.equal(await frame.locator('#table-filter').evaluate((field) => (field as unknown as { value: string }).value), 'o');
  assert.equal(
    await frame.locator('#expense-table vscode-table-header-cell', { hasText: 'Amount' }).getAttribute('aria-sort'),
    'descending',
  );
  assert.deepEqual(await categories(frame), ['hosting', 'domains']);
  assert.deepEqual(violations, [], 'no CSP violation');
});
