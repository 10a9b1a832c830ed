// A user edits example labs: hovers a field to read its documentation, sees a duplicate VM
// name reported and fixes it with the quick fix, and finds Deploy (and the cost lens) above the lab's name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { starterLab } from '../../src/starter-lab';
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

test('hovering a field of an example lab shows its documentation', async () => {
  const { page } = session;
  const editor = await session.openFile('three-tier-web.lab.yaml');
  const key = editor.locator('.view-line span', { hasText: /^ram_mb$/ }).first();
  await key.waitFor();
  const hover = await session.hoverUntil(key, 'Memory in MiB');
  assert.match((await hover.textContent()) ?? '', /64 to 4194304/);
  await session.screenshot('02-hover-documentation-dark');
  await page.keyboard.press('Escape');
});

test('a duplicate VM name is reported in the Problems panel and its quick fix removes it', async () => {
  const { page } = session;
  const fileName = 'router.lab.yaml';
  const lines = readFileSync(join(workspace, fileName), 'utf8').split('\n');
  const line = lines.findIndex((text) => text.trim() === '- name: client-left') + 1;
  assert.ok(line > 0, 'router.lab.yaml has no VM named client-left');
  await session.openFile(fileName);

  // Rename client-left to client-right, the name of the next VM, by typing.
  await session.goToLineEnd(line);
  for (let count = 0; count < 'left'.length; count += 1) await page.keyboard.press('Backspace');
  await page.keyboard.type('right');

  await page.keyboard.press('Control+Shift+M');
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: "VM name 'client-right' is already used" });
  await problem.waitFor({ timeout: 60_000 });
  await session.screenshot('03-duplicate-name-problem-dark');

  // The problem sits on the second VM of that name; opening it puts the cursor there.
  await problem.dblclick();
  await page.locator('.editor-instance .monaco-editor.focused').waitFor();
  await page.keyboard.press('Control+.');
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: "Rename to 'client-right-2'" });
  await fix.waitFor();
  await session.screenshot('03-duplicate-name-quick-fix-dark');
  // The preferred fix comes first and is selected: Enter applies it.
  await fix.and(page.locator('.focused')).waitFor();
  await page.keyboard.press('Enter');

  await problem.waitFor({ state: 'detached', timeout: 30_000 });
  const renamedLine = page.locator('.editor-instance .view-line', { hasText: '- name: client-right-2' });
  await renamedLine.waitFor();
  await session.screenshot('03-duplicate-name-fixed-dark');
});

test('Deploy above the lab name says no host is connected, and offers a way on', async () => {
  const { page } = session;
  const editor = await session.openFile('tiny-pair.lab.yaml');
  const deploy = editor.locator('.codelens-decoration a', { hasText: 'Deploy' });
  await deploy.waitFor({ timeout: 30_000 });
  const lensTitles = await editor.locator('.codelens-decoration a').allTextContents();
  assert.deepEqual(
    lensTitles.map((title) => title.trim()),
    ['Deploy', 'Plan', 'Destroy', 'Topology', 'Set a cost model'],
  );
  await deploy.click();
  const notification = page.locator('.notification-toast', { hasText: 'Cannot deploy lab tiny-pair: host "local" is not connected.' });
  await notification.waitFor();
  // The extension starts the vlm-host it ships; here it cannot reach a D-Bus bus for libvirt, so
  // it ends at once, and the notification says so (or that it is still trying).
  assert.match((await notification.textContent()) ?? '', /vlm-host exited with code \d+ before it listened on|still connecting/);
  for (const button of ['Connect Again', 'Add Host...', 'Show Log']) {
    await notification.getByRole('button', { name: button }).waitFor();
  }
  await session.screenshot('04-deploy-without-host-dark');
  await notification.getByRole('button', { name: 'Show Log' }).click();
  const output = page.locator('.part.panel .view-lines', { hasText: 'Cannot deploy lab tiny-pair' });
  await output.waitFor();
});

test('New Lab File writes a commented starter lab that has no problems', async () => {
  const { page } = session;
  await session.runCommand('Virtual Labs: New Lab File');
  const nameInput = page.locator('.quick-input-widget input[type="text"]');
  await page.locator('.quick-input-widget', { hasText: 'New Lab File' }).waitFor();
  assert.equal(await nameInput.inputValue(), 'my-lab');
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: 'my-lab.lab.yaml' }).waitFor();
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-line', { hasText: 'name: my-lab' }).waitFor();
  // An empty Problems panel proves nothing until the server has looked: break the file on
  // purpose, see the problem, undo, and see the panel empty again.
  const line =
    starterLab('my-lab')
      .split('\n')
      .findIndex((text) => text.trim() === 'ram_mb: 128') + 1;
  await session.goToLineEnd(line);
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Control+Shift+M');
  const problems = page.locator('.markers-panel .monaco-list-row', { hasText: 'my-lab.lab.yaml' });
  await problems.first().waitFor({ timeout: 60_000 });
  await page.keyboard.press('Control+1');
  await page.keyboard.press('Control+Z');
  await editor.locator('.view-line', { hasText: 'ram_mb: 128' }).first().waitFor();
  await page.locator('.markers-panel', { hasText: 'No problems have been detected in the workspace.' }).waitFor({ timeout: 60_000 });
  await session.screenshot('06-new-lab-file-dark');
});
