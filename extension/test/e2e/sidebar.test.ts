// A new user opens the Virtual Labs view: it lists this machine as the host "local" and says
// it is not connected (no host service runs in this test).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

let session: VsCodeSession;
let workspace: string;

before(async () => {
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
});

after(async () => {
  await session?.close();
  removeFolder(workspace);
});

test('the Virtual Labs view shows the local host and its connection state, in dark and light themes', async () => {
  const { page } = session;
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  const localHost = view.locator('.monaco-list-row', { hasText: 'local' });
  await localHost.waitFor();
  assert.equal(await localHost.locator('.label-description').textContent(), 'not connected');
  await session.screenshot('01-view-local-host-dark');

  // The tooltip says why, in words a user can act on.
  await session.hoverUntil(localHost, 'The host service is not running: there is no socket at');
  await session.screenshot('01-view-local-host-tooltip-dark');

  await page.mouse.move(700, 500);
  await session.setTheme('light');
  await localHost.waitFor();
  await session.screenshot('01-view-local-host-light');
});
