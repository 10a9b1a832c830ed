// The Virtual Labs view's VM rows as a user reaches them in the end-to-end tests: expand the host
// and the lab until the VM shows, then run an item of its context menu.
import type { Locator, Page } from 'playwright-core';
import type { VsCodeSession } from './vscode-session';
import { showHostsView } from './webview-frames';

/** The VM's row in the Virtual Labs view, once shown: the host connects and shows the deployed lab and its VM. */
export async function revealVmRow(session: VsCodeSession, labName: string, vmName: string): Promise<Locator> {
  const view = await showHostsView(session);
  const lab = view.locator('.monaco-list-row', { hasText: labName });
  const vm = view.locator('.monaco-list-row', { hasText: vmName });
  const deadline = Date.now() + 60_000;
  // Rows may start collapsed: open the host, then the lab, until the VM shows.
  while (!(await vm.isVisible())) {
    if (Date.now() > deadline) {
      await session.screenshot('failed-console-tree');
      throw new Error('The VM row did not appear in the Virtual Labs view.');
    }
    const localHost = view.locator('.monaco-list-row', { hasText: 'local' }).first();
    if ((await lab.isVisible()) && (await lab.getAttribute('aria-expanded')) === 'false') await lab.click();
    else if ((await localHost.isVisible()) && (await localHost.getAttribute('aria-expanded')) === 'false') await localHost.click();
    await vm
      .or(lab)
      .first()
      .waitFor({ timeout: 2000 })
      .catch(() => undefined);
  }
  return vm;
}

/** Runs `item` from the VM row's context menu. */
export async function runVmMenuItem(page: Page, vm: Locator, item: string): Promise<void> {
  await vm.click({ button: 'right' });
  await page.getByRole('menuitem', { name: item, exact: true }).hover();
  // The menu item under the pointer takes the focus; Enter runs it, as a click does.
  await page.keyboard.press('Enter');
}
