// A new user opens the Virtual Labs view: it lists this machine as the host "local". The
// extension starts the vlm-host it ships, which here finds no D-Bus bus for libvirt and ends, so
// the host shows as not connected, with the reason.
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

test('the Virtual Labs view shows the local host and its connection state, in dark and light themes', async () => {
  const { page } = session;
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  const localHost = view.locator('.monaco-list-row', { hasText: 'local' });
  await localHost.waitFor();
  await localHost.locator('.label-description', { hasText: /^not connected$/ }).waitFor({ timeout: 60_000 });
  await session.screenshot('01-view-local-host-dark');

  // The tooltip says why, in words a user can act on.
  await session.hoverUntil(localHost, 'before it listened on');
  await session.screenshot('01-view-local-host-tooltip-dark');

  await page.mouse.move(700, 500);
  await session.setTheme('light');
  await localHost.waitFor();
  await session.screenshot('01-view-local-host-light');
});
