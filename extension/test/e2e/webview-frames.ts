// What the dashboard panels' end-to-end tests share: finding a panel's frame (the webview's
// inner iframe, once its script has drawn) and collecting CSP violations from the console and
// from the browser's own reports.
import type { ConsoleMessage, Frame, Locator } from 'playwright-core';
import type { VsCodeSession } from './vscode-session';

/**
 * Chromium logs each violation ("Refused to load…", "Applying inline style violates the following
 * Content Security Policy directive…") from any frame, the webview's nested iframes included.
 */
export function watchCspConsole(session: VsCodeSession, violations: string[]): void {
  session.page.on('console', (message: ConsoleMessage) => {
    const text = message.text();
    if (/Content Security Policy|Refused to /.test(text)) violations.push(`${text} (${message.location().url})`);
  });
}

/**
 * The violations the panel's document has seen since it loaded, from the browser's own reports
 * (buffered, so those before this call count too). The webview writes its page into the iframe
 * itself, so no script of the test can be there first.
 */
export async function reportedViolations(frame: Frame): Promise<string[]> {
  return frame.evaluate(`new Promise((resolve) => {
    const found = [];
    const observer = new ReportingObserver((reports) => found.push(...reports.map((report) => JSON.stringify(report.body))), {
      types: ['csp-violation'],
      buffered: true,
    });
    observer.observe();
    // Buffered reports are delivered in a task of their own.
    setTimeout(() => resolve([...found, ...observer.takeRecords().map((report) => JSON.stringify(report.body))]), 200);
  })`);
}

/** The frame that holds `selector`: a panel's inner iframe once its script has drawn. */
export async function panelFrame(session: VsCodeSession, selector: string, panel: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of session.page.frames()) {
      if (frame.isDetached()) continue;
      if (
        (await frame
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`The ${panel} panel did not appear.`);
    await session.page.waitForTimeout(250);
  }
}

/**
 * Shows the Virtual Labs view and waits for the extension to be active: its status bar item counts
 * the hosts. (With no host connected the view has no rows, only its welcome, so rows cannot tell.)
 */
export async function showHostsView(session: VsCodeSession): Promise<Locator> {
  const { page } = session;
  const hostsView = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  // A click on the tab of the view already shown would hide the side bar.
  if (!(await hostsView.isVisible())) await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  await page.locator('.statusbar-item', { hasText: /^\s*\d+\/\d+\s*$/ }).waitFor({ timeout: 60_000 });
  return hostsView;
}

/**
 * Runs an item of the Hosts view's overflow menu ("More Actions..."), as a user opens a panel;
 * fails after `timeoutMs` if the item does not show.
 */
export async function runHostsMenuItem(session: VsCodeSession, item: string, timeoutMs = 30_000): Promise<void> {
  const { page } = session;
  const hostsView = await showHostsView(session);
  await hostsView.locator('.pane-header').hover();
  // The view's overflow menu: a link without a role, named by its aria-label.
  await hostsView.locator('.pane-header').getByLabel('More Actions...').click();
  // A click while the menu is still opening can be taken as a hover: hover, then Enter runs the item.
  await page.getByRole('menuitem', { name: item }).hover({ timeout: timeoutMs });
  await page.keyboard.press('Enter');
}

/**
 * Opens a panel from the Hosts view's overflow menu and returns what `opened` finds in it. The
 * view's header is redrawn when the host's status arrives, which can close the menu before its
 * item is reached or under the keypress: then the menu is opened again, up to three times in all.
 */
export async function openFromHostsMenu<T>(session: VsCodeSession, item: string, opened: (timeoutMs: number) => Promise<T>): Promise<T> {
  const attempts = 3;
  for (let attempt = 1; ; attempt += 1) {
    const last = attempt === attempts;
    try {
      await runHostsMenuItem(session, item, last ? 30_000 : 10_000);
      return await opened(last ? 60_000 : 20_000);
    } catch (error) {
      if (last) throw error;
      // A menu left open would take the next click.
      await session.page.keyboard.press('Escape');
    }
  }
}
