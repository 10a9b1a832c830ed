// In a folder the user has not trusted, lab files are still checked and explained, but
// nothing that would run a lab on a host is offered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

let session: VsCodeSession;
let workspace: string;

before(async () => {
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'light', trusted: false });
});

after(async () => {
  await session?.close();
  removeFolder(workspace);
});

test('an untrusted folder offers Plan but not Deploy or Destroy, and still explains fields', async () => {
  const { page } = session;
  await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).waitFor();
  const editor = await session.openFile('single-vm.lab.yaml');
  const plan = editor.locator('.codelens-decoration a', { hasText: 'Plan' });
  await plan.waitFor({ timeout: 30_000 });
  const lensTitles = await editor.locator('.codelens-decoration a').allTextContents();
  assert.deepEqual(
    lensTitles.map((title) => title.trim()),
    // Topology and the cost lens only read the file: they stay in Restricted Mode.
    ['Plan', 'Topology', 'Set a cost model'],
  );
  assert.equal(await page.locator('.editor-actions [aria-label^="Deploy Lab"]').count(), 0);

  const key = editor.locator('.view-line span', { hasText: /^ssh_port$/ }).first();
  await session.hoverUntil(key, 'forwarded to the VM');
  await session.screenshot('05-restricted-mode-light');
});
