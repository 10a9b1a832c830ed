// Activation asks nothing and starts no host: the lab file's lenses show, yet no vlm-host has
// started; opening the Virtual Labs view starts it. In the lab file, Ctrl+Shift+Alt+P plans. A
// JSON file naming `vlm-schema:/lab/v1/lab.schema.json` as its `$schema` is checked against the
// lab schema, offline: VS Code resolved the URI through the extension's file system.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

let session: VsCodeSession;
let workspace: string;
let fakeHostFolder: string;
let startedMarker: string;
const previousServer = process.env.VLM_HOST_SERVER;

/** Waits until `check` holds, or fails with `what` after the deadline. */
async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  // A "vlm-host" that notes each start and exits at once: the host stays not connected, and no
  // process is left behind.
  fakeHostFolder = mkdtempSync(join(tmpdir(), 'vlm-e2e-fake-host-'));
  startedMarker = join(fakeHostFolder, 'started');
  const fakeHost = join(fakeHostFolder, 'vlm-host.js');
  writeFileSync(
    fakeHost,
    `require('node:fs').appendFileSync(${JSON.stringify(startedMarker)}, 'started\\n');\nprocess.stderr.write('fake vlm-host: not a real service\\n');\nprocess.exit(1);\n`,
  );
  // code-server, and so the extension, inherit it: the extension would start this for `local`.
  process.env.VLM_HOST_SERVER = fakeHost;
  workspace = exampleWorkspace();
  writeFileSync(
    join(workspace, 'schema-probe.json'),
    `${JSON.stringify({ $schema: 'vlm-schema:/lab/v1/lab.schema.json', name: 5, vms: [] }, null, 2)}\n`,
  );
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
});

after(async () => {
  await session?.close();
  if (previousServer === undefined) delete process.env.VLM_HOST_SERVER;
  else process.env.VLM_HOST_SERVER = previousServer;
  if (workspace) removeFolder(workspace);
  if (fakeHostFolder) removeFolder(fakeHostFolder);
});

test('activation shows lenses but starts no host and asks nothing; the view starts it', async () => {
  const { page } = session;
  const editor = await session.openFile('tiny-pair.lab.yaml');
  // The lenses come from the activated extension.
  await editor.locator('.codelens-decoration a', { hasText: 'Deploy' }).waitFor({ timeout: 60_000 });
  assert.equal(existsSync(startedMarker), false, 'activation started vlm-host');
  assert.equal(await page.locator('.notification-toast').count(), 0, 'activation showed a notification');
  assert.equal(await page.locator('.quick-input-widget:visible').count(), 0, 'activation asked a question');
  await session.screenshot('30-activated-no-host-started-dark');

  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  await until(() => existsSync(startedMarker), 'the view to start the local vlm-host');
  // The fake host exits: the view's welcome says so, and its last words show beside the title.
  await view
    .locator('.welcome-view-content')
    .getByText("this machine's host service stopped before it was ready")
    .waitFor({ timeout: 60_000 });
  await view.locator('.pane-header .description').getByText('fake vlm-host: not a real service').waitFor();
  await session.screenshot('30-view-started-host-dark');
});

test('Ctrl+Shift+Alt+P in a lab file plans it', async () => {
  const { page } = session;
  const editor = await session.openFile('tiny-pair.lab.yaml');
  await editor.locator('.view-lines').click();
  const starts = readFileSync(startedMarker, 'utf8').split('\n').length;
  await page.keyboard.press('Control+Shift+Alt+P');
  // Planning needs the host: the key's action tries it again (the fake host exits) and says so.
  await page.locator('.notification-toast', { hasText: 'Cannot plan lab tiny-pair: host "local" is not connected.' }).waitFor({
    timeout: 60_000,
  });
  assert.ok(readFileSync(startedMarker, 'utf8').split('\n').length > starts, 'Plan did not try to connect the host');
  await session.screenshot('31-plan-key-dark');
  await page.keyboard.press('Escape');
});

test('a JSON file whose $schema is vlm-schema:/lab/v1/lab.schema.json is checked against the lab schema', async () => {
  const { page } = session;
  await session.openFile('schema-probe.json');
  await page.keyboard.press('Control+Shift+M');
  // "name" must be a string: only the lab schema, read through vlm-schema:, says so.
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: /Incorrect type\. Expected "string"/ });
  await problem.waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('.markers-panel .monaco-list-row', { hasText: /Unable to load schema/ }).count(), 0);
  await session.screenshot('32-schema-uri-resolved-dark');
});
