// Pointing the extension's local host at a test's own vlm-host, as a user does in the Settings
// editor; shared by the end-to-end tests that need a connected host.
import type { VsCodeSession } from './vscode-session';

/** Points the local host at the test's host service, in the Settings editor. */
export async function pointLocalHostAt(session: VsCodeSession, socketPath: string): Promise<void> {
  const { page } = session;
  await page.keyboard.press('Control+Comma');
  const search = page.locator('.settings-editor .settings-header .suggest-input-container');
  await search.waitFor();
  await search.click();
  await page.keyboard.type('vlm.localHost.socket');
  // A machine setting: in code-server it lives in the Remote tab, as on any remote VS Code.
  await page.locator('.settings-editor .settings-tabs-widget .action-label', { hasText: /^Remote/ }).click();
  const socketSetting = page.locator('.settings-editor .setting-item', { hasText: 'Local Host: Socket' }).locator('input').first();
  await socketSetting.waitFor({ timeout: 15_000 }).catch(async (error: Error) => {
    await session.screenshot('failed-local-host-settings');
    throw error;
  });
  await socketSetting.fill(socketPath);
  await page.keyboard.press('Tab');
}
