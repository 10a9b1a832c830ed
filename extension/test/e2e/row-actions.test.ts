// The Hosts view's rows offer only what can work, and say what is going on: a lab on a vlm-host
// (libvirt's test driver, deployed through the host API) beside the driver's own VM, which is in
// no lab. A lab VM's context menu has no Delete VM; the lab's Destroy is in its context menu and
// not among its buttons; a VM paused through libvirt is resumed from its menu, with progress in the
// view; the VM's Markdown tooltip; the status bar item counts the connected hosts and opens the view.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { LabsApplyRequest, VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { type HostFixture, startHostFixture } from '../../../host-service/test/support/host-fixture';
import { pointLocalHostAt } from './local-host-setting';
import { revealVmRow } from './vm-rows';
import { showHostsView } from './webview-frames';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

const labName = 'rows-e2e';

let fixture: HostFixture;
let session: VsCodeSession;
let workspace: string;
let alphaDomain: string;

before(async () => {
  fixture = await startHostFixture({ name: 'e2e-row-actions' });
  const vm = (name: string) => ({ name, vcpu: 1, ram_mb: 256, disk_gb: 1, os_image: 'vlm-tiny' });
  await fixture.client.sendRequest(LabsApplyRequest.type, { lab: { name: labName, vms: [vm('alpha'), vm('beta')] } });
  const { vms } = await fixture.client.sendRequest(VmsListRequest.type, { lab: labName });
  alphaDomain = vms.find((candidate) => candidate.labVm === 'alpha')?.name ?? '';
  assert.ok(alphaDomain, 'the lab VM alpha was deployed');
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
});

after(async () => {
  await session?.close();
  await fixture?.dispose();
  if (workspace) removeFolder(workspace);
});

/** The titles of the row's context menu, which stays open until Escape. */
async function contextMenuOf(row: Locator): Promise<string[]> {
  const { page } = session;
  await row.click({ button: 'right' });
  const items = page.locator('.monaco-menu .action-item:not(.disabled) .action-label[aria-label]');
  await items.first().waitFor();
  return (await items.evaluateAll((labels) => labels.map((label) => label.getAttribute('aria-label') ?? ''))).filter(Boolean);
}

/** Run in the page: sets vlmViewProgress once the Hosts view's own progress bar runs. */
const watchViewProgress = `
  globalThis.vlmViewProgress = false;
  new MutationObserver(() => {
    for (const bar of document.querySelectorAll('.pane .monaco-progress-container.active')) {
      if (bar.closest('.pane')?.querySelector('.pane-header')?.textContent?.includes('Hosts')) globalThis.vlmViewProgress = true;
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['class'], childList: true });
`;

function hostsView(): Locator {
  const { page } = session;
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
}

test('the status bar counts connected hosts; a lab VM offers no Delete VM; Destroy is in the menu, not a button', async () => {
  const { page } = session;
  await pointLocalHostAt(session, fixture.socketPath);
  // Hosts connect when the view shows them.
  await showHostsView(session);
  const status = page.locator('.statusbar-item', { hasText: /^\s*1\/1\s*$/ });
  await status.waitFor({ timeout: 60_000 });
  const alpha = await revealVmRow(session, labName, 'alpha');
  await alpha.locator('.label-description', { hasText: /^running/ }).waitFor({ timeout: 30_000 });

  const vmMenu = await contextMenuOf(alpha);
  assert.ok(vmMenu.includes('Stop VM'), vmMenu.join(', '));
  assert.ok(!vmMenu.includes('Delete VM...'), `a lab's VM offers Delete VM: ${vmMenu.join(', ')}`);
  // SSH is offered exactly when the row shows an SSH port.
  const description = (await alpha.locator('.label-description').textContent()) ?? '';
  assert.equal(vmMenu.includes('Open SSH Terminal'), /ssh 127\.0\.0\.1:\d+/.test(description), description);
  await session.screenshot('40-lab-vm-context-menu');
  await page.keyboard.press('Escape');

  const lab = hostsView().locator('.monaco-list-row', { hasText: labName }).first();
  await lab.hover();
  const buttons = await lab
    .locator('.actions .action-label[aria-label]')
    .evaluateAll((labels) => labels.map((label) => label.getAttribute('aria-label')));
  assert.ok(
    buttons.some((label) => label?.startsWith('Deploy Lab')),
    buttons.join(', '),
  );
  assert.ok(!buttons.some((label) => label?.startsWith('Destroy Lab')), `Destroy is a button: ${buttons.join(', ')}`);
  const labMenu = await contextMenuOf(lab);
  assert.ok(labMenu.includes('Destroy Lab'), labMenu.join(', '));
  assert.ok(labMenu.includes('Open Consoles to All VMs'), 'a VM runs: consoles are offered');
  await session.screenshot('41-lab-context-menu-destroy');
  await page.keyboard.press('Escape');

  // The driver's own VM belongs to no lab: it can be deleted.
  const group = hostsView().locator('.monaco-list-row', { hasText: 'VMs in no lab' });
  if ((await group.getAttribute('aria-expanded')) === 'false') await group.click();
  const loose = hostsView()
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: /^test$/ }) });
  assert.ok((await contextMenuOf(loose)).includes('Delete VM...'));
  await page.keyboard.press('Escape');

  // A click on the status bar item shows the Hosts view, from another view.
  await page.keyboard.press('Control+Shift+E');
  await hostsView().waitFor({ state: 'hidden' });
  await status.click();
  await hostsView().waitFor();
  await session.screenshot('42-status-bar-hosts');
});

test('a paused VM is resumed from its context menu, with progress in the view; its tooltip is Markdown with actions', async () => {
  const { page } = session;
  // The view is shown: the status bar item opened it.
  const alpha = hostsView().locator('.monaco-list-row', { hasText: 'alpha' });
  await fixture.hypervisor.suspend(alphaDomain);
  // Paused behind the host's back (the test driver sends no event): the view's Refresh reads it again.
  await hostsView().hover();
  await hostsView().locator('.pane-header .action-label[aria-label="Refresh"]').click();
  await alpha.locator('.label-description', { hasText: /^paused/ }).waitFor({ timeout: 30_000 });
  const menu = await contextMenuOf(alpha);
  assert.ok(menu.includes('Resume VM') && !menu.includes('Start VM') && !menu.includes('Stop VM'), menu.join(', '));
  await session.screenshot('43-paused-vm-context-menu');
  // The view's own progress bar runs while the host resumes it: watch for it before the click.
  await page.evaluate(watchViewProgress);
  await page.getByRole('menuitem', { name: 'Resume VM', exact: true }).click();
  await alpha.locator('.label-description', { hasText: /^running/ }).waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate('globalThis.vlmViewProgress'), true, 'no progress in the view');
  const state = (await fixture.hypervisor.listDomains()).find((domain) => domain.name === alphaDomain)?.state;
  assert.equal(state, 'running');

  const hover = await session.hoverUntil(alpha, `Lab: ${labName} on local`);
  await hover.locator('a', { hasText: /^Stop$/ }).waitFor();
  // The host's facts join it as it opens: the image from the lab, uptime since the resume started it.
  await hover.getByText('Image: vlm-tiny').waitFor({ timeout: 15_000 });
  assert.match((await hover.textContent()) ?? '', /Up for \d+ (s|min)/);
  await session.screenshot('44-vm-markdown-tooltip');
});
