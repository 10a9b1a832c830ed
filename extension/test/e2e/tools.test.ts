// The Tools panel as a user meets it: opened from the Hosts view's overflow menu, a tool added by
// keyboard pointing at a loopback server this test starts, Check now, its status and latency in
// the list; a tool named like markup shown as text; the filter; dark and light; the window reloaded
// and the panel restored with its tools, filter and selection. Any CSP violation fails it.
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';
import { panelFrame, reportedViolations, openFromHostsMenu, watchCspConsole } from './webview-frames';

let session: VsCodeSession;
let workspace: string;
let server: Server;
let toolUrl: string;
const methods: string[] = [];
const violations: string[] = [];

before(async () => {
  server = createServer((request, response) => {
    methods.push(request.method ?? '');
    response.writeHead(request.url === '/broken' ? 503 : 204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  toolUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
  watchCspConsole(session, violations);
});

after(async () => {
  await session?.close();
  removeFolder(workspace);
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

const toolsFrame = (timeoutMs?: number) => panelFrame(session, '#tool-name', 'Tools', timeoutMs);

async function addTool(frame: Frame, name: string, url: string, tags: string): Promise<void> {
  await frame.locator('#tool-name input').fill(name);
  await frame.locator('#tool-url input').fill(url);
  await frame.locator('#tool-category input').fill('monitoring');
  await frame.locator('#tool-tags input').fill(tags);
  await frame.locator('#tool-tags input').press('Enter');
  await frame.locator('vscode-table-row', { hasText: name }).first().waitFor();
}

test('add a tool, check its health, filter, reload and find it restored', async () => {
  const { page } = session;
  let frame = await openFromHostsMenu(session, 'Open Tools Catalog', toolsFrame).catch(async (error: unknown) => {
    await session.screenshot('failed-tools-open');
    throw error;
  });
  await frame.locator('#summary', { hasText: 'No tools yet.' }).waitFor();

  // Refused in the panel, with the field and the reason; nothing is sent.
  await frame.locator('#tool-name input').fill('Bad');
  await frame.locator('#tool-url input').fill('javascript:alert(1)');
  await frame.locator('#tool-category input').fill('x');
  await frame.locator('#tool-category input').press('Enter');
  await frame.locator('#status', { hasText: 'URL: javascript: links are not allowed' }).waitFor();

  await addTool(frame, 'Grafana', toolUrl, 'ops, metrics');
  assert.deepEqual(
    [await frame.locator('#tool-name input').inputValue(), await frame.locator('#tool-tags input').inputValue()],
    ['', ''],
    'the form is empty for the next tool',
  );
  await addTool(frame, '<img src=x onerror=alert(1)>', `${toolUrl.replace('/health', '/broken')}`, 'ops');
  const markup = frame.locator('vscode-table-row', { hasText: '<img src=x onerror=alert(1)>' });
  assert.equal(await markup.locator('img').count(), 0, 'a name is text, never markup');

  const grafana = frame.locator('vscode-table-row', { hasText: 'Grafana' });
  await grafana.locator('.health', { hasText: 'Not checked yet' }).waitFor();
  // Keyboard: Tab to Check now and press Enter.
  await frame.locator('#check-now').focus();
  await page.keyboard.press('Enter');
  const health = grafana.locator('.health', { hasText: /Up · HTTP 204 · \d+ ms/ });
  await health.waitFor({ timeout: 30_000 });
  assert.ok(methods.includes('HEAD'), `the server saw ${methods.join(', ')}`);
  await frame.locator('vscode-table-row', { hasText: '<img' }).locator('.health', { hasText: 'Down · HTTP 503' }).waitFor();

  await session.screenshot('40-tools-dark-all');
  // Filter by text, select a row by keyboard.
  await frame.locator('#tool-search input').fill('graf');
  await frame.locator('#summary', { hasText: '1 of 2 tools shown.' }).waitFor();
  await grafana.focus();
  await frame.locator('vscode-table-row[aria-selected="true"]', { hasText: 'Grafana' }).waitFor();
  await session.screenshot('40-tools-dark');

  await page.mouse.move(5, 400);
  await session.setTheme('light');
  frame = await toolsFrame();
  await frame.locator('vscode-table-row', { hasText: 'Grafana' }).waitFor();
  await session.screenshot('40-tools-light');
  violations.push(...(await reportedViolations(frame)));

  await session.reloadWindow();
  frame = await toolsFrame(90_000);
  await frame.locator('#summary', { hasText: '1 of 2 tools shown.' }).waitFor();
  assert.equal(await frame.locator('#tool-search input').inputValue(), 'graf');
  const restored = frame.locator('vscode-table-row[aria-selected="true"]', { hasText: 'Grafana' });
  await restored.locator('.health', { hasText: /Up · HTTP 204 · \d+ ms/ }).waitFor();
  await session.screenshot('41-tools-restored');
  violations.push(...(await reportedViolations(frame)));

  assert.deepEqual(violations, [], 'no CSP violation');
});
