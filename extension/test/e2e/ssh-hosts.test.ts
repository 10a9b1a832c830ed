// A user adds an SSH host from the Command Palette (a destination with shell syntax is refused as
// typed), edits it from the host row's context menu (destination and remote socket), and removes
// it after the confirmation dialog. Each step is checked in the settings file and in the tree.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { waitUntil } from '../../../host-service/local-libvirt/wait-until';
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

/** vlm.hosts is machine-scoped: in code-server (a remote) the user's value lands in the Machine settings. */
function userHosts(): unknown {
  try {
    return JSON.parse(readFileSync(join(session.profile, 'user-data', 'Machine', 'settings.json'), 'utf8'))['vlm.hosts'];
  } catch {
    return undefined; // not written yet, or being written
  }
}

async function settledHosts(expected: unknown, what: string): Promise<void> {
  await waitUntil(what, () => JSON.stringify(userHosts() ?? []) === JSON.stringify(expected), 30_000).catch(async (error) => {
    await session.screenshot(`failed-ssh-hosts-${what.replace(/\W+/g, '-')}`);
    throw new Error(`${(error as Error).message}: vlm.hosts is ${JSON.stringify(userHosts())}`);
  });
}

function input(page: Page): Locator {
  return page.locator('.quick-input-widget input[type="text"]');
}

/** Types into the open input box (replacing what it holds) and presses Enter. */
async function answer(page: Page, title: string, text: string): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor();
  await input(page).fill(text);
  await page.keyboard.press('Enter');
}

function hostRow(page: Page, name: string): Locator {
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  return view.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
}

async function runHostMenuItem(page: Page, row: Locator, item: string): Promise<void> {
  await row.click({ button: 'right' });
  await page.getByRole('menuitem', { name: item, exact: true }).hover();
  await page.keyboard.press('Enter');
}

test('Add Host by keys: a bad destination is refused as typed, the host lands in user settings and in the tree', async () => {
  const { page } = session;
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  await session.runCommand('Virtual Labs: Add Host...');
  await answer(page, 'Add Host (1/3)', 'lab-one');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Add Host (2/3)' }).waitFor();
  await input(page).fill('admin@host; rm -rf /');
  await page.locator('.quick-input-widget', { hasText: 'Use the form user@host or host, with an optional :port.' }).waitFor();
  await session.screenshot('30-ssh-hosts-add-refused');
  await page.keyboard.press('Enter'); // refused: the box stays
  await answer(page, 'Add Host (2/3)', 'admin@127.0.0.1:1');
  await answer(page, 'Add Host (3/3)', '');
  await settledHosts([{ name: 'lab-one', ssh: 'admin@127.0.0.1:1' }], 'the added host');
  // Port 1 refuses at once: the host shows, not connected.
  await hostRow(page, 'lab-one').waitFor({ timeout: 30_000 });
  await session.screenshot('31-ssh-hosts-added');
});

test('Edit Host from the context menu changes the destination and sets the remote socket', async () => {
  const { page } = session;
  await runHostMenuItem(page, hostRow(page, 'lab-one'), 'Edit Host...');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Edit Host lab-one (1/2)' }).waitFor();
  assert.equal(await input(page).inputValue(), 'admin@127.0.0.1:1', 'the box starts from the current destination');
  await answer(page, 'Edit Host lab-one (1/2)', 'root@127.0.0.1:2');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Edit Host lab-one (2/2)' }).waitFor();
  await input(page).fill('relative/path.sock');
  await page.locator('.quick-input-widget', { hasText: 'Give the absolute path of the socket' }).waitFor();
  await answer(page, 'Edit Host lab-one (2/2)', '/srv/vlm/host.sock');
  await settledHosts([{ name: 'lab-one', ssh: 'root@127.0.0.1:2', remoteSocket: '/srv/vlm/host.sock' }], 'the edited host');
  await session.screenshot('32-ssh-hosts-edited');
});

test('Remove Host asks first, then the host leaves the settings and the tree', async () => {
  const { page } = session;
  await runHostMenuItem(page, hostRow(page, 'lab-one'), 'Remove Host...');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.getByText('Remove host "lab-one" (root@127.0.0.1:2)?').waitFor();
  await session.screenshot('33-ssh-hosts-remove-dialog');
  await dialog.getByRole('button', { name: 'Remove Host' }).click();
  await settledHosts([], 'the removed host');
  assert.ok(Array.isArray(userHosts()), 'the setting is still there, now empty');
  await hostRow(page, 'lab-one').waitFor({ state: 'detached', timeout: 30_000 });
  await session.screenshot('34-ssh-hosts-removed');
});
