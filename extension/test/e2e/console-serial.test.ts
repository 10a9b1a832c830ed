// A user opens a VM's serial console from the Virtual Labs view and works in the guest's shell
// in the integrated terminal. The VM is real: a vlm-tiny guest (direct kernel boot under TCG)
// deployed through the host API to a vlm-host on qemu:///system, since the libvirt test driver
// has no consoles. The user points the extension at that host service in the Settings editor.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImagesPullRequest, LabsApplyRequest, LabsDestroyRequest, LabsListRequest, VmsForceStopRequest, VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../../host-service/local-libvirt/libvirt-environment';
import { removePoolOf } from '../../../host-service/test/support/volume-pools';
import { buildHostBundle, connectClient, startHost, type HostProcess } from '../../../host-service/test/api/host-process';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

// libvirtd is shared by every test run on the machine: a lab name no other run uses.
const labName = `console-${randomBytes(3).toString('hex')}`;
let environment: LibvirtTestEnvironment;
let work: string;
let host: HostProcess;
let workspace: string;
let session: VsCodeSession;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'vlm-e2e-console-'));
  // QEMU runs as another user and must reach the disks under the data directory.
  await chmod(work, 0o755);
  environment = await startLibvirtTestEnvironment({ realDaemons: true });
  const bundle = await buildHostBundle(work);
  host = await startHost({ bundle, socketPath: join(work, 'vlm-host.sock'), dataDirectory: join(work, 'data'), busAddress: environment.busAddress, driver: 'qemu' });
  const client = await connectClient(host.socketPath);
  try {
    await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
    await client.sendRequest(LabsApplyRequest.type, {
      lab: { name: labName, vms: [{ name: 'solo', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
    });
  } finally {
    client.close();
  }
  workspace = exampleWorkspace();
  // The DOM renderer keeps the terminal's text in the page, where the test can read it.
  await mkdir(join(workspace, '.vscode'), { recursive: true });
  await writeFile(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'terminal.integrated.gpuAcceleration': 'off' }, null, 2));
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
});

after(async () => {
  await session?.close();
  if (host) {
    // Whatever a failed test left behind on the shared libvirtd goes.
    const client = await connectClient(host.socketPath).catch(() => undefined);
    if (client) {
      const { labs } = await client.sendRequest(LabsListRequest.type, {});
      if (labs.some((lab) => lab.name === labName)) await client.sendRequest(LabsDestroyRequest.type, { name: labName }).catch(() => undefined);
      client.close();
    }
    await host.stop();
  }
  // libvirtd is shared and outlives this run: the data directory's pool goes too.
  if (work) removePoolOf(join(work, 'data'));
  await environment?.stop();
  if (workspace) removeFolder(workspace);
  if (work) await rm(work, { recursive: true, force: true });
});

test('the serial console opens from the VM context menu; the guest shell answers a typed command', { timeout: 600_000 }, async () => {
  const { page } = session;

  // Point the local host at the test's host service, in the Settings editor.
  await page.keyboard.press('Control+Comma');
  const search = page.locator('.settings-editor .settings-header .suggest-input-container');
  await search.waitFor();
  await search.click();
  await page.keyboard.type('vlm.localHost.socket');
  // A machine setting: in code-server it lives in the Remote tab, as on any remote VS Code.
  await page.locator('.settings-editor .settings-tabs-widget .action-label', { hasText: /^Remote/ }).click();
  const socketSetting = page.locator('.settings-editor .setting-item', { hasText: 'Local Host: Socket' }).locator('input').first();
  await socketSetting.waitFor({ timeout: 15_000 }).catch(async (error: Error) => {
    await session.screenshot('failed-console-settings');
    throw error;
  });
  await socketSetting.fill(host.socketPath);
  await page.keyboard.press('Tab');

  // The host connects and shows the deployed lab and its VM.
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  const lab = view.locator('.monaco-list-row', { hasText: labName });
  const vm = view.locator('.monaco-list-row', { hasText: 'solo' });
  const deadline = Date.now() + 60_000;
  // Rows may start collapsed: open the host, then the lab, until the VM shows.
  while (!(await vm.isVisible())) {
    if (Date.now() > deadline) {
      await session.screenshot('failed-console-tree');
      throw new Error('The VM row did not appear in the Virtual Labs view.');
    }
    const localHost = view.locator('.monaco-list-row', { hasText: 'local' }).first();
    if ((await lab.isVisible()) && (await lab.getAttribute('aria-expanded')) === 'false') await lab.click();
    else if ((await localHost.isVisible()) && (await localHost.getAttribute('aria-expanded')) === 'false') await localHost.click();
    await vm.or(lab).first().waitFor({ timeout: 2000 }).catch(() => undefined);
  }
  await vm.click({ button: 'right' });
  const openConsole = page.getByRole('menuitem', { name: 'Open Console', exact: true });
  await openConsole.hover();
  // The menu item under the pointer takes the focus; Enter runs it, as a click does.
  await page.keyboard.press('Enter');

  // A terminal named for the VM, its lab and host opens with the guest's console.
  const title = `solo serial (${labName} on local)`;
  const terminalTab = page.locator('.single-terminal-tab', { hasText: title });
  await terminalTab.waitFor({ timeout: 30_000 });
  const rows = page.locator('.xterm-rows').filter({ visible: true }).first();
  await rows.waitFor({ timeout: 30_000 }).catch(async (error: Error) => {
    await session.screenshot('failed-console-terminal');
    throw error;
  });
  const terminalText = async () => (await rows.innerText()).replace(/\u00a0/g, ' ');
  // The guest may still be booting: Enter until the shell prompts.
  const promptDeadline = Date.now() + 240_000;
  while (!/#\s*$/m.test(await terminalText())) {
    if (Date.now() > promptDeadline) {
      await session.screenshot('failed-console-prompt');
      throw new Error(`No shell prompt on the console; it shows: ${JSON.stringify((await terminalText()).slice(-400))}`);
    }
    // The terminal took the focus when it opened: keys go to the console.
    await page.keyboard.press('Enter');
    await rows.filter({ hasText: '#' }).waitFor({ timeout: 3000 }).catch(() => undefined);
  }
  await session.screenshot('console-01-prompt');

  // The guest computes the answer, so seeing it proves the typing reached the shell.
  await page.keyboard.type('echo console-$((6*7))');
  await page.keyboard.press('Enter');
  // Rows are separate elements: their text, line by line, is what the user reads.
  const answerDeadline = Date.now() + 60_000;
  while (!/^console-42\s*$/m.test(await terminalText())) {
    if (Date.now() > answerDeadline) {
      await session.screenshot('failed-console-command');
      throw new Error(`The guest's answer did not show; the terminal shows: ${JSON.stringify((await terminalText()).slice(-400))}`);
    }
    await rows.filter({ hasText: 'console-42' }).waitFor({ timeout: 2000 }).catch(() => undefined);
  }
  assert.match(await terminalText(), /^console-42\s*$/m);
  await session.screenshot('console-02-command-output');

  // Opening the console again shows the same terminal instead of a second one.
  await vm.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Open Console', exact: true }).hover();
  await page.keyboard.press('Enter');
  await terminalTab.waitFor();
  assert.equal(await page.locator('.terminal-tabs-entry').count(), 0, 'one terminal, so no tab list');
  assert.match(await terminalText(), /^console-42\s*$/m);

  // The VM stops from elsewhere (another user, the CLI): the terminal says so and stays open.
  const client = await connectClient(host.socketPath);
  try {
    const { vms } = await client.sendRequest(VmsListRequest.type, { lab: labName });
    await client.sendRequest(VmsForceStopRequest.type, { vm: vms[0]!.name });
  } finally {
    client.close();
  }
  const endedDeadline = Date.now() + 60_000;
  while (!/\[The console of \S+solo ended[\s\S]*Close this terminal when done\.\]/.test(await terminalText())) {
    if (Date.now() > endedDeadline) {
      await session.screenshot('failed-console-ended');
      throw new Error(`The terminal did not say the console ended; it shows: ${JSON.stringify((await terminalText()).slice(-400))}`);
    }
    await rows.filter({ hasText: 'ended' }).waitFor({ timeout: 2000 }).catch(() => undefined);
  }
  assert.ok(await terminalTab.isVisible(), 'the terminal stays until the user closes it');
  await session.screenshot('console-03-vm-stopped');
});
