// A new user opens the Virtual Labs view. The extension starts the vlm-host it ships for the host
// "local", which here finds no D-Bus bus for libvirt and ends: no host is connected, so the view
// shows its welcome, which says so, with the service's own last line beside the view's title.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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

test('the Virtual Labs view says why no host is connected, in dark and light themes', async () => {
  const { page } = session;
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  const welcome = view.locator('.welcome-view-content');
  await welcome.getByText('No host is connected').waitFor({ timeout: 60_000 });
  const description = (await view.locator('.pane-header .description').textContent()) ?? '';
  assert.match(description, /D-Bus/, "the service's words beside the title");
  assert.ok(await welcome.getByRole('button', { name: 'Add Host' }).isVisible());
  await session.screenshot('01-view-no-host-dark');

  await page.mouse.move(700, 500);
  await session.setTheme('light');
  await welcome.getByText('No host is connected').waitFor();
  await session.screenshot('01-view-no-host-light');
});
