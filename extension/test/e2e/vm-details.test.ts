// The VM details panel as a user meets it: a real vlm-tiny guest (qemu:///system, TCG) deployed on
// a vlm-host; "Show VM Details" on its row; the CPU chart fills with the host's history and then
// its live samples; every chart either draws points or says "No data" (never a made-up line); a
// message of the wrong shape is dropped and a VM name with markup shows as text; dark and light; a
// reload restores the panel; a VM stopped through the host shows it stopped, with no figures.
// Any CSP violation fails it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { ImagesPullRequest, LabsApplyRequest, VmsForceStopRequest, VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { domainName } from '../../../host-service/src/deploy/lab-resources';
import { type HostFixture, startHostFixture } from '../../../host-service/test/support/host-fixture';
import { pointLocalHostAt } from './local-host-setting';
import { revealVmRow, runVmMenuItem } from './vm-rows';
import { panelFrame, reportedViolations, watchCspConsole } from './webview-frames';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

const labName = `details-${randomBytes(3).toString('hex')}`;
let fixture: HostFixture;
let session: VsCodeSession;
let workspace: string;
let domain = '';
const violations: string[] = [];

before(async () => {
  fixture = await startHostFixture({
    name: 'e2e-vm-details',
    driver: 'qemu',
    folderMode: 0o755,
    leftovers: { domains: [domainName(labName, 'solo')] },
  });
  await fixture.client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
  await fixture.client.sendRequest(LabsApplyRequest.type, {
    lab: { name: labName, vms: [{ name: 'solo', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
  });
  domain = (await fixture.client.sendRequest(VmsListRequest.type, { lab: labName })).vms[0]?.name ?? '';
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
  watchCspConsole(session, violations);
});

after(async () => {
  await session?.close();
  await fixture?.dispose();
  if (workspace) removeFolder(workspace);
});

const detailsFrame = (timeoutMs?: number): Promise<Frame> => panelFrame(session, '#chart-cpu', 'VM details', timeoutMs);

interface ChartData {
  samples: number;
  points: number;
}

async function chartData(frame: Frame, id: string): Promise<ChartData> {
  return JSON.parse((await frame.locator(`#chart-${id}`).getAttribute('data-chart')) ?? '{"samples":0,"points":0}') as ChartData;
}

/** Waits until the chart has at least `points` points with figures. */
async function waitForPoints(frame: Frame, id: string, points: number): Promise<ChartData> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const data = await chartData(frame, id);
    if (data.points >= points) return data;
    if (Date.now() > deadline) throw new Error(`The ${id} chart has ${data.points} points, not ${points}.`);
    await frame.page().waitForTimeout(250);
  }
}

test('Show VM Details charts the running guest: history, then live samples', { timeout: 600_000 }, async () => {
  await pointLocalHostAt(session, fixture.socketPath);
  const vm = await revealVmRow(session, labName, 'solo');
  await runVmMenuItem(session.page, vm, 'Show VM Details');
  const frame = await detailsFrame();
  await frame.locator('h1', { hasText: 'VM solo' }).waitFor({ timeout: 30_000 });
  await frame.locator('#vm-state[data-state="running"]').waitFor({ timeout: 60_000 });
  const first = await waitForPoints(frame, 'cpu', 2);
  const later = await waitForPoints(frame, 'cpu', first.points + 2);
  assert.ok(later.samples > first.samples, 'live samples arrive while the panel shows');
  assert.match((await frame.locator('#chart-cpu .chart-value').textContent()) ?? '', /^\d+\.\d%$/);
  // Each chart draws points, or says plainly that it has none.
  for (const id of ['cpu', 'memory', 'disk', 'network']) {
    const data = await chartData(frame, id);
    const empty = (await frame.locator(`#chart-${id} .chart-empty`).textContent()) ?? '';
    assert.equal(empty !== '', data.points === 0, `${id}: "No data" shows exactly when there are no points`);
  }
  // The charts are in the Tab order, each read out by its label.
  await frame.locator('#chart-cpu').focus();
  await session.page.keyboard.press('Tab');
  assert.equal(await frame.evaluate('document.activeElement.id'), 'chart-memory');
  assert.match((await frame.locator('#chart-cpu').getAttribute('aria-label')) ?? '', /^CPU over the last 10 minutes: \d+ points/);
  await session.screenshot('60-vm-details-dark');

  await session.page.mouse.move(5, 400);
  await session.setTheme('light');
  const light = await detailsFrame();
  await waitForPoints(light, 'cpu', 2);
  await session.screenshot('61-vm-details-light');
  violations.push(...(await reportedViolations(light)));
});

test('a reload restores the panel, still live', { timeout: 300_000 }, async () => {
  await session.reloadWindow();
  const frame = await detailsFrame(90_000);
  await frame.locator('h1', { hasText: 'VM solo' }).waitFor({ timeout: 60_000 });
  const restored = await waitForPoints(frame, 'cpu', 2);
  await waitForPoints(frame, 'cpu', restored.points + 1);
  await session.screenshot('62-vm-details-restored');
  violations.push(...(await reportedViolations(frame)));
});

test('a message of the wrong shape is dropped; a name with markup shows as text', { timeout: 120_000 }, async () => {
  const frame = await detailsFrame();
  // Wrong shapes first; the panel handles messages in order, so once the markup name shows, both were seen.
  await frame.evaluate(`window.postMessage({ type: 'problem', message: 'not-dropped-1', extra: true }, '*')`);
  await frame.evaluate(`window.postMessage({ type: 'sample', sample: { at: 1, state: 'running' } }, '*')`);
  const markup = '<img src=x onerror="document.body.dataset.owned=1">';
  await frame.evaluate(
    `window.postMessage({ type: 'vm', host: 'local', vm: ${JSON.stringify(markup)}, domain: '${domain}', intervalMs: 1000, windowMs: 600000, history: [] }, '*')`,
  );
  await frame.locator('h1', { hasText: markup }).waitFor();
  assert.equal(await frame.locator('h1 img').count(), 0);
  assert.equal(await frame.evaluate('document.body.dataset.owned ?? ""'), '');
  assert.doesNotMatch((await frame.locator('#status').textContent()) ?? '', /not-dropped/, 'the wrong-shaped problem was dropped');
});

test('a VM stopped through the host shows stopped, with no figures', { timeout: 300_000 }, async () => {
  // Shown again, the panel reads the real VM's history.
  await session.reloadWindow();
  const frame = await detailsFrame(90_000);
  await frame.locator('#vm-state[data-state="running"]').waitFor({ timeout: 60_000 });
  await fixture.client.sendRequest(VmsForceStopRequest.type, { vm: domain });
  await frame.locator('#vm-state[data-state="stopped"]').waitFor({ timeout: 60_000 });
  assert.equal(await frame.locator('#chart-cpu .chart-value').textContent(), '', 'no stale figure');
  assert.match((await frame.locator('#vm-state').textContent()) ?? '', /not running/);
  await session.screenshot('63-vm-details-stopped');
  violations.push(...(await reportedViolations(frame)));
  assert.deepEqual(violations, [], 'no CSP violation');
});
