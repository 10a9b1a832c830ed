// The Lab Topology panel as a user meets it: a lab file with four VMs (one named like an <img> tag)
// and two networks, two of its VMs running on a vlm-host (libvirt's test driver); Show Lab
// Topology from the Command Palette; the VMs, buses and labelled links; states from the host, and a
// VM stopped through the host redrawn as stopped; keyboard to a VM and its actions, a click on a
// network for its CIDR and members; an edit typed in the file redrawn; dark and light; a reload
// restores the panel. Any CSP violation fails it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { LabsApplyRequest, VmsForceStopRequest, VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { type HostFixture, startHostFixture } from '../../../host-service/test/support/host-fixture';
import { pointLocalHostAt } from './local-host-setting';
import { panelFrame, reportedViolations, watchCspConsole } from './webview-frames';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

const labName = 'topo-e2e';
const hostile = '<img src=x onerror=alert(1)>';
const labFile = `name: ${labName}
networks:
  - name: front
    cidr: 10.30.1.0/24
  - name: back
    cidr: 10.30.2.0/24
    mode: nat
vms:
  - name: app
    os_image: vlm-tiny
    networks:
      - name: front
        ip: 10.30.1.10
      - back
  - name: db
    os_image: vlm-tiny
    networks: [back]
  - name: web
    os_image: vlm-tiny
    networks: [front]
  - name: "${hostile}"
    networks: [front]
`;

let fixture: HostFixture;
let session: VsCodeSession;
let workspace: string;
const violations: string[] = [];

before(async () => {
  fixture = await startHostFixture({ name: 'e2e-topology' });
  const vm = (name: string) => ({ name, vcpu: 1, ram_mb: 256, disk_gb: 1, os_image: 'vlm-tiny' });
  await fixture.client.sendRequest(LabsApplyRequest.type, { lab: { name: labName, vms: [vm('app'), vm('db')] } });
  workspace = exampleWorkspace();
  writeFileSync(join(workspace, `${labName}.lab.yaml`), labFile);
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
  watchCspConsole(session, violations);
});

after(async () => {
  await session?.close();
  await fixture?.dispose();
  if (workspace) removeFolder(workspace);
});

const topologyFrame = (timeoutMs?: number): Promise<Frame> => panelFrame(session, '#topology', 'Lab Topology', timeoutMs);

const vmNode = (frame: Frame, name: string) => frame.locator('g.vm', { has: frame.locator('title', { hasText: `VM ${name},` }) });

/** Waits until the Hosts view lists the lab: the local host is connected to the test's service. */
async function waitForLab(): Promise<void> {
  const { page } = session;
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  const lab = view.locator('.monaco-list-row', { hasText: labName });
  const deadline = Date.now() + 60_000;
  while (!(await lab.isVisible())) {
    if (Date.now() > deadline) {
      await session.screenshot('failed-topology-tree');
      throw new Error('The lab did not appear under the local host.');
    }
    const host = view.locator('.monaco-list-row', { hasText: 'local' }).first();
    if ((await host.isVisible()) && (await host.getAttribute('aria-expanded')) === 'false') await host.click();
    await lab.waitFor({ timeout: 2000 }).catch(() => undefined);
  }
}

async function checkDrawing(frame: Frame): Promise<void> {
  assert.equal(await frame.locator('g.vm').count(), 4);
  assert.equal(await frame.locator('g.network').count(), 2);
  assert.equal(await frame.locator('g.link').count(), 5);
  await vmNode(frame, 'app').locator('.vm-state', { hasText: 'running' }).waitFor({ timeout: 30_000 });
  assert.equal(await vmNode(frame, 'web').locator('.vm-state').textContent(), 'not deployed');
  assert.ok(
    await frame.locator('.link-label', { hasText: 'nic0 10.30.1.10' }).isVisible(),
    'the link is labelled with its interface and address',
  );
  assert.match((await frame.locator('g.network', { hasText: 'back' }).textContent()) ?? '', /10\.30\.2\.0\/24/);
  // The hostile name is text: no <img> in the drawing, the name drawn as written.
  assert.equal(await frame.locator('#canvas img').count(), 0);
  assert.equal(await vmNode(frame, hostile).locator('.vm-name').textContent(), hostile);
}

test('draw a lab with live state, choose nodes by keyboard and click, edit the file, reload', async () => {
  const { page } = session;
  await pointLocalHostAt(session, fixture.socketPath);
  await waitForLab();
  await session.openFile(`${labName}.lab.yaml`);
  await session.runCommand('Virtual Labs: Show Lab Topology');
  let frame = await topologyFrame();
  await checkDrawing(frame);

  // The host stops db: the drawing follows without a refresh.
  const { vms } = await fixture.client.sendRequest(VmsListRequest.type, { lab: labName });
  const db = vms.find((vm) => vm.labVm === 'db');
  assert.ok(db, 'the host lists db');
  await fixture.client.sendRequest(VmsForceStopRequest.type, { vm: db.name });
  await vmNode(frame, 'db').locator('.vm-state', { hasText: 'stopped' }).waitFor({ timeout: 30_000 });

  // Keyboard: to the first VM, Right to the next, Enter shows its actions.
  await vmNode(frame, 'app').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await frame.locator('#details h2', { hasText: /^VM / }).waitFor();
  assert.ok(await frame.locator('#reveal-vm').isVisible());
  assert.ok(await frame.locator('#open-console').isVisible());
  // A click on the back network: its CIDR and members.
  await frame.locator('g.network', { hasText: 'back' }).locator('.network-name').click();
  await frame.locator('#details h2', { hasText: 'Network back' }).waitFor();
  assert.match((await frame.locator('#details').textContent()) ?? '', /10\.30\.2\.0\/24/);
  assert.deepEqual(await frame.locator('#members li').allTextContents(), ['app', 'db']);
  await session.screenshot('50-topology-dark');
  // The whole drawing: the panel's editor group maximized (focus is in the panel after the click).
  await session.runCommand('View: Toggle Maximize Editor Group');
  await frame.locator('#details h2', { hasText: 'Network back' }).waitFor();
  await session.screenshot('50-topology-dark-whole');
  await session.runCommand('View: Toggle Maximize Editor Group');

  // An edit typed in the file: web joins back too, and the drawing has one link more.
  await page.locator('.tabs-container .tab', { hasText: `${labName}.lab.yaml` }).click();
  await session.goToLineEnd(20);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.type(', back');
  await page.keyboard.press('Control+S');
  // Redrawn as typed: wait for the finished edit, not the first redraw (`, b` names a network "b").
  await frame.locator('#members li', { hasText: 'web' }).waitFor({ timeout: 30_000 });
  assert.equal(await frame.locator('g.link').count(), 6, 'one link more');
  assert.deepEqual(await frame.locator('#members li').allTextContents(), ['app', 'db', 'web'], 'the chosen network shows its new member');

  await page.mouse.move(5, 400);
  await session.setTheme('light');
  frame = await topologyFrame();
  await frame.locator('g.link').nth(5).waitFor();
  await session.screenshot('50-topology-light');
  violations.push(...(await reportedViolations(frame)));

  await session.reloadWindow();
  frame = await topologyFrame(90_000);
  await frame.locator('g.link').nth(5).waitFor({ timeout: 30_000 });
  await frame.locator('#details h2', { hasText: 'Network back' }).waitFor();
  await vmNode(frame, 'app').locator('.vm-state', { hasText: 'running' }).waitFor({ timeout: 60_000 });
  await session.screenshot('51-topology-restored');
  violations.push(...(await reportedViolations(frame)));
  assert.deepEqual(violations, [], 'no CSP violation');
});
