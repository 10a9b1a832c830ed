// A user opens a VM's graphical console from the Virtual Labs view: noVNC in a webview panel, over
// the host connection, on a real vlm-tiny guest (qemu:///system, TCG) whose screen shows the
// kernel's messages and a shell on tty1. The user types a command with the keyboard and reads the
// answer on the screen. No OCR here: the answer is read from the guest's own copy of that screen
// (/dev/vcs1, through the serial console), the canvas is checked to have changed, and the
// screenshots are for a person. Dark and light; any CSP violation fails it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Frame } from 'playwright-core';
import { ConsolesCloseRequest, ImagesPullRequest, LabsApplyRequest, VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { domainName } from '../../../host-service/src/deploy/lab-resources';
import { startHostFixture, type HostFixture } from '../../../host-service/test/support/host-fixture';
import { ConsoleClient, runInShell, waitForPrompt } from '../../../host-service/test/consoles/console-guest';
import { pointLocalHostAt } from './local-host-setting';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';
import { revealVmRow, runVmMenuItem } from './vm-rows';
import { panelFrame, reportedViolations, watchCspConsole } from './webview-frames';

const labName = `screen-${randomBytes(3).toString('hex')}`;
let fixture: HostFixture;
let workspace: string;
let session: VsCodeSession;
let serial: ConsoleClient;
const violations: string[] = [];

before(async () => {
  fixture = await startHostFixture({
    name: 'e2e-graphical',
    driver: 'qemu',
    folderMode: 0o755,
    leftovers: { domains: [domainName(labName, 'solo')] },
  });
  await fixture.client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
  await fixture.client.sendRequest(LabsApplyRequest.type, {
    lab: { name: labName, vms: [{ name: 'solo', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
  });
  serial = await ConsoleClient.connect(fixture.socketPath);
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
  watchCspConsole(session, violations);
});

after(async () => {
  serial?.close();
  await session?.close();
  await fixture?.dispose();
  if (workspace) removeFolder(workspace);
});

/** What tty1 shows now, as the guest keeps it (/dev/vcs1: the screen's characters, row after row). */
async function screenText(domain: string): Promise<string> {
  const console = await serial.open({ vm: domain });
  try {
    await waitForPrompt(console, 240_000);
    return await runInShell(console, "tr -s ' ' < /dev/vcs1");
  } finally {
    await serial.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: console.consoleId });
  }
}

const canvasPicture = (frame: Frame) => frame.locator('#screen canvas').screenshot();

/** Types `text` as a user does, holding Shift for the shifted characters. */
async function typeLikeUser(frame: Frame, text: string): Promise<void> {
  const shifted: Record<string, string> = { $: 'Digit4', '(': 'Digit9', ')': 'Digit0', '*': 'Digit8' };
  for (const character of text) {
    const code = shifted[character];
    await frame.page().keyboard.press(code ? `Shift+${code}` : character === ' ' ? 'Space' : character);
  }
}

test('the graphical console shows the guest screen; typed keys reach its shell', { timeout: 900_000 }, async () => {
  const { page } = session;
  const { vms } = await fixture.client.sendRequest(VmsListRequest.type, { lab: labName });
  const domain = vms[0]?.name ?? '';
  await pointLocalHostAt(session, fixture.socketPath);
  const vm = await revealVmRow(session, labName, 'solo');
  await runVmMenuItem(page, vm, 'Open Graphical Console');
  let frame = await panelFrame(session, '#screen', 'graphical console');
  await frame.locator('#status', { hasText: 'Connected to solo.' }).waitFor({ timeout: 60_000 });
  await frame.locator('#screen canvas').waitFor();
  // The guest may still be booting: its shell on tty1 prompts once init has run.
  const booted = await screenText(domain);
  assert.doesNotMatch(booted, /vlm-42/);
  await session.screenshot('50-graphical-console-dark-booted');

  // The screen is in the Tab order; focused, it takes the keys.
  assert.equal(await frame.locator('#screen canvas').getAttribute('tabindex'), '0');
  await frame.locator('#screen canvas').focus();
  const before = await canvasPicture(frame);
  await typeLikeUser(frame, 'echo vlm-$((6*7))');
  await page.keyboard.press('Enter');
  let shown = '';
  const deadline = Date.now() + 60_000;
  while (!/vlm-42/.test(shown)) {
    if (Date.now() > deadline) throw new Error(`The screen did not show vlm-42; tty1 holds ${JSON.stringify(shown.slice(-400))}`);
    shown = await screenText(domain);
  }
  assert.match(shown, /echo vlm-\$\(\(6\*7\)\)/, 'the typed line is on the screen, shifted characters included');
  assert.notDeepEqual(await canvasPicture(frame), before, 'the canvas shows the new lines');
  await session.screenshot('51-graphical-console-dark-typed');

  // Keys on the screen go to the VM: the user clicks the Virtual Labs view before using the Command Palette.
  await page.mouse.click(200, 350);
  await session.setTheme('light');
  frame = await panelFrame(session, '#screen', 'graphical console');
  await frame.locator('#status', { hasText: 'Connected to solo.' }).waitFor();
  await session.screenshot('52-graphical-console-light');
  violations.push(...(await reportedViolations(frame)));

  // Ctrl+Alt+Del by keyboard: busybox init reboots the guest, whose new tty1 no longer holds the answer.
  await frame.locator('#ctrl-alt-del').focus();
  await page.keyboard.press('Enter');
  const rebootDeadline = Date.now() + 240_000;
  while (/vlm-42/.test(await screenText(domain))) {
    if (Date.now() > rebootDeadline) throw new Error('Ctrl+Alt+Del did not reboot the guest.');
  }
  await frame.locator('#status', { hasText: 'Connected to solo.' }).waitFor();
  await session.screenshot('53-graphical-console-light-rebooted');
  assert.deepEqual(violations, [], 'no CSP violation');
});
