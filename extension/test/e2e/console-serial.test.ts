// A user opens a VM's serial console from the Virtual Labs view and works in the guest's shell
// in the integrated terminal. The VM is real: a vlm-tiny guest (direct kernel boot under TCG)
// deployed through the host API to a vlm-host on qemu:///system, since the libvirt test driver
// has no consoles. The user points the extension at that host service in the Settings editor.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ImagesPullRequest, LabsApplyRequest, VmsForceStopRequest, VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { domainName } from '../../../host-service/src/deploy/lab-resources';
import { startHostFixture, type HostFixture } from '../../../host-service/test/support/host-fixture';
import { pointLocalHostAt } from './local-host-setting';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';
import { revealVmRow, runVmMenuItem } from './vm-rows';

// libvirtd is shared by every test run on the machine: a lab name no other run uses.
const labName = `console-${randomBytes(3).toString('hex')}`;
let fixture: HostFixture;
let workspace: string;
let session: VsCodeSession;

before(async () => {
  fixture = await startHostFixture({
    name: 'e2e-console',
    driver: 'qemu',
    // QEMU runs as another user and must reach the disks under the data directory.
    folderMode: 0o755,
    // Whatever a failed test left behind on the shared libvirtd goes, with the data directory's pool.
    leftovers: { domains: [domainName(labName, 'solo')] },
  });
  await fixture.client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
  await fixture.client.sendRequest(LabsApplyRequest.type, {
    lab: { name: labName, vms: [{ name: 'solo', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
  });
  workspace = exampleWorkspace();
  // The DOM renderer keeps the terminal's text in the page, where the test can read it.
  await mkdir(join(workspace, '.vscode'), { recursive: true });
  await writeFile(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'terminal.integrated.gpuAcceleration': 'off' }, null, 2));
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
});

after(async () => {
  await session?.close();
  await fixture?.dispose();
  if (workspace) removeFolder(workspace);
});

/** Runs "Open Console" from the VM row's context menu. */
const openConsoleOf = (page: Page, vm: Locator) => runVmMenuItem(page, vm, 'Open Console');

/** The terminal's text as the user reads it, row by row. */
async function terminalText(rows: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: rows are separate elements, and innerText keeps the line breaks between them that the test matches
  return (await rows.innerText()).replace(/\u00a0/g, ' ');
}

/** Waits until the terminal shows `pattern`, doing `meanwhile` between looks; on timeout a screenshot and what it shows. */
async function waitForTerminal(
  rows: Locator,
  pattern: RegExp,
  timeoutMs: number,
  failure: { screenshot: string; message: string },
  meanwhile: () => Promise<unknown>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const read = () =>
    terminalText(rows).catch(async (error: unknown) => {
      // No terminal on screen at all: what the user sees instead is the clue.
      await session.screenshot(failure.screenshot);
      throw error;
    });
  while (!pattern.test(await read())) {
    if (Date.now() > deadline) {
      await session.screenshot(failure.screenshot);
      throw new Error(`${failure.message}${JSON.stringify((await terminalText(rows)).slice(-400))}`);
    }
    await meanwhile();
  }
}

test('the serial console opens from the VM context menu; the guest shell answers a typed command', { timeout: 600_000 }, async () => {
  const { page } = session;
  await pointLocalHostAt(session, fixture.socketPath);
  const vm = await revealVmRow(session, labName, 'solo');
  await openConsoleOf(page, vm);

  // A terminal named for the VM, its lab and host opens with the guest's console.
  const title = `solo serial (${labName} on local)`;
  const terminalTab = page.locator('.single-terminal-tab', { hasText: title });
  await terminalTab.waitFor({ timeout: 30_000 });
  const rows = page.locator('.xterm-rows').filter({ visible: true }).first();
  await rows.waitFor({ timeout: 30_000 }).catch(async (error: Error) => {
    await session.screenshot('failed-console-terminal');
    throw error;
  });
  // The guest may still be booting: Enter until the shell prompts.
  await waitForTerminal(
    rows,
    /#\s*$/m,
    240_000,
    { screenshot: 'failed-console-prompt', message: 'No shell prompt on the console; it shows: ' },
    async () => {
      // The terminal took the focus when it opened: keys go to the console.
      await page.keyboard.press('Enter');
      await rows
        .filter({ hasText: '#' })
        .waitFor({ timeout: 3000 })
        .catch(() => undefined);
    },
  );
  await session.screenshot('console-01-prompt');

  // The guest computes the answer, so seeing it proves the typing reached the shell.
  await page.keyboard.type('echo console-$((6*7))');
  await page.keyboard.press('Enter');
  // Rows are separate elements: their text, line by line, is what the user reads.
  await waitForTerminal(
    rows,
    /^console-42\s*$/m,
    60_000,
    { screenshot: 'failed-console-command', message: "The guest's answer did not show; the terminal shows: " },
    () =>
      rows
        .filter({ hasText: 'console-42' })
        .waitFor({ timeout: 2000 })
        .catch(() => undefined),
  );
  assert.match(await terminalText(rows), /^console-42\s*$/m);
  await session.screenshot('console-02-command-output');

  // Opening the console again shows the same terminal instead of a second one.
  await openConsoleOf(page, vm);
  await terminalTab.waitFor();
  assert.equal(await page.locator('.terminal-tabs-entry').count(), 0, 'one terminal, so no tab list');
  assert.match(await terminalText(rows), /^console-42\s*$/m);

  // The VM stops from elsewhere (another user, the CLI): the terminal says so and stays open.
  const { vms } = await fixture.client.sendRequest(VmsListRequest.type, { lab: labName });
  const [stopping] = vms;
  assert.ok(stopping, `lab ${labName} has its VM`);
  await fixture.client.sendRequest(VmsForceStopRequest.type, { vm: stopping.name });
  await waitForTerminal(
    rows,
    /\[The console of \S+solo ended[\s\S]*Close this terminal when done\.\]/,
    60_000,
    { screenshot: 'failed-console-ended', message: 'The terminal did not say the console ended; it shows: ' },
    () =>
      rows
        .filter({ hasText: 'ended' })
        .waitFor({ timeout: 2000 })
        .catch(() => undefined),
  );
  assert.ok(await terminalTab.isVisible(), 'the terminal stays until the user closes it');
  await session.screenshot('console-03-vm-stopped');
});
