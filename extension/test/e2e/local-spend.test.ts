// Local labs' computed spend as a user meets it: a lab runs on a vlm-host (libvirt's test
// driver), the user points the extension at that host, sets the cost model, opens Expenses and
// finds read-only rows for the VM's running time, marked as computed, in the totals and the
// chart; dark and light. Any CSP violation in the webview fails it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { LabsApplyRequest } from '@vlm/schemas/src/host-protocol';
import { startHostFixture, type HostFixture } from '../../../host-service/test/support/host-fixture';
import { pointLocalHostAt } from './local-host-setting';
import { panelFrame, watchCspConsole } from './webview-frames';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

const labName = 'spend-e2e';
let fixture: HostFixture;
let session: VsCodeSession;
let workspace: string;
const violations: string[] = [];

before(async () => {
  fixture = await startHostFixture({ name: 'e2e-local-spend' });
  await fixture.client.sendRequest(LabsApplyRequest.type, {
    lab: { name: labName, vms: [{ name: 'app', vcpu: 2, ram_mb: 256, disk_gb: 1, os_image: 'vlm-tiny' }] },
  });
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
  watchCspConsole(session, violations);
});

after(async () => {
  await session?.close();
  await fixture?.dispose();
  if (workspace) removeFolder(workspace);
});

/** The Expenses panel's frame, once its script has drawn #derived-spend. */
const expensesFrame = (timeoutMs?: number): Promise<Frame> => panelFrame(session, '#derived-spend', 'Expenses', timeoutMs);

/** Waits until the Hosts view lists the lab: the local host is connected to the test's service. */
async function waitForLab(): Promise<void> {
  const { page } = session;
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  const lab = view.locator('.monaco-list-row', { hasText: labName });
  const deadline = Date.now() + 60_000;
  while (!(await lab.isVisible())) {
    if (Date.now() > deadline) {
      await session.screenshot('failed-local-spend-tree');
      throw new Error('The lab did not appear under the local host.');
    }
    const host = view.locator('.monaco-list-row', { hasText: 'local' }).first();
    if ((await host.isVisible()) && (await host.getAttribute('aria-expanded')) === 'false') await host.click();
    await lab.waitFor({ timeout: 2000 }).catch(() => undefined);
  }
}

/** Answers the Set Cost Model input boxes: EUR, 36.00 per vCPU-hour (a cent a second), nothing for RAM and disk. */
async function setCostModel(): Promise<void> {
  await session.runCommand('Virtual Labs: Set Cost Model');
  const input = session.page.locator('.quick-input-widget input[type="text"]');
  for (const [step, value] of [
    ['1/4', 'EUR'],
    ['2/4', '36'],
    ['3/4', '0'],
    ['4/4', '0'],
  ] as const) {
    const title = session.page.locator('.quick-input-widget .quick-input-title', { hasText: `(${step})` });
    await title.waitFor();
    await input.fill(value);
    // Enter is ignored while the box still checks the text typed: press it until the step is done.
    const deadline = Date.now() + 10_000;
    while (await title.isVisible()) {
      if (Date.now() > deadline) throw new Error(`Set Cost Model did not accept "${value}" at step ${step}.`);
      await input.press('Enter');
      await title.waitFor({ state: 'hidden', timeout: 1000 }).catch(() => undefined);
    }
  }
}

test('a running lab VM shows as computed spend in Expenses: read-only rows, totals and the chart', async () => {
  await pointLocalHostAt(session, fixture.socketPath);
  await waitForLab();
  await setCostModel();
  await session.runCommand('Virtual Labs: Open Expenses');
  let frame = await expensesFrame();
  const row = frame.locator('#derived-table vscode-table-row[data-source="local"]').first();
  // The panel refreshes computed spend every 20 s: a cost model saved just after it opened shows then.
  await row.waitFor({ timeout: 45_000 }).catch(async (error: Error) => {
    await session.screenshot('failed-local-spend-rows');
    throw new Error(`${error.message}\nThe panel's computed spend: ${await frame.locator('#derived-spend').textContent()}`);
  });
  assert.match((await row.textContent()) ?? '', new RegExp(`${labName}/app on local: .* running, 2 vCPU, 256 MiB RAM, 1 GiB disk`));
  assert.match((await row.textContent()) ?? '', /computed: local labs/);
  assert.match((await frame.locator('#totals').textContent()) ?? '', /€/);
  const chart = JSON.parse((await frame.locator('#spend-chart').getAttribute('data-chart')) ?? '{}') as { categories: string[] };
  assert.deepEqual(chart.categories, ['Local labs']);
  assert.equal(await frame.locator('#derived-problems li').count(), 0, 'no problem: the host answered and a cost model is set');
  // Read-only: a computed row has no Edit or Delete.
  assert.equal(await row.locator('vscode-button').count(), 0);
  // The computed rows sit below the budgets: in view for the screenshots.
  await row.scrollIntoViewIfNeeded();
  await session.screenshot('32-local-spend-dark');

  await session.page.mouse.move(5, 400);
  await session.setTheme('light');
  frame = await expensesFrame();
  const lightRow = frame.locator('#derived-table vscode-table-row[data-source="local"]').first();
  await lightRow.waitFor();
  await lightRow.scrollIntoViewIfNeeded();
  await session.screenshot('32-local-spend-light');
  assert.deepEqual(violations, [], 'no CSP violation');
});
