// The extension's side of the Tools panel: each message checked on arrival (a wrong shape or a
// hostile URL is answered with the problem and changes nothing), changes saved with undo, health
// checks against a loopback server on open (at most every 15 minutes) and on demand, and URLs
// opened only after a second check.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ToolFields, ToolsToPanel } from '@vlm/schemas';
import { DashboardStore, dashboardFileName } from '@vlm/webviews/src/store/dashboard-store';
import { ToolsRequests, checkOnOpenIntervalMs } from '../../src/dashboard/tools-requests';

const folders: string[] = [];
const servers: Server[] = [];
after(async () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

function session(now = () => new Date()) {
  const directory = mkdtempSync(join(tmpdir(), 'vlm-tools-'));
  folders.push(directory);
  const warnings: string[] = [];
  const posted: ToolsToPanel[] = [];
  const opened: string[] = [];
  const store = DashboardStore.open({ directory });
  const requests = new ToolsRequests({
    store: () => store,
    openExternal: async (url) => {
      opened.push(url);
      return true;
    },
    post: (message) => posted.push(message),
    warn: (line) => warnings.push(line),
    healthCheck: { timeoutMs: 2000 },
    now,
  });
  return { warnings, posted, opened, requests, file: join(directory, dashboardFileName) };
}

async function loopback(): Promise<{ url: string; requests: () => number }> {
  let count = 0;
  const server = createServer((_request, response) => {
    count++;
    response.writeHead(200).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests: () => count };
}

const fields: ToolFields = {
  name: 'Grafana',
  url: 'https://grafana.example.com/',
  category: 'monitoring',
  tags: ['ops'],
  notes: '',
  healthCheck: false,
};

function toolsOf(answer: ToolsToPanel | undefined) {
  assert.equal(answer?.type, 'tools', JSON.stringify(answer));
  return answer?.type === 'tools' ? answer : { tools: [], canUndo: false, checking: false };
}

describe('Tools panel requests', () => {
  test('add, edit, delete and undo, each saved; open goes to the browser', async () => {
    const { requests, opened } = session();
    assert.deepEqual(toolsOf(await requests.handle({ type: 'ready' })), { type: 'tools', tools: [], canUndo: false, checking: false });
    const added = toolsOf(await requests.handle({ type: 'add', fields: { ...fields, name: '<script>alert(1)</script>' } }));
    const id = added.tools[0]?.id as string;
    assert.equal(added.tools[0]?.name, '<script>alert(1)</script>');
    await requests.handle({ type: 'edit', id, fields });
    assert.equal(toolsOf(await requests.handle({ type: 'delete', id })).tools.length, 0);
    assert.equal(toolsOf(await requests.handle({ type: 'undo' })).tools[0]?.name, 'Grafana');
    assert.equal(await requests.handle({ type: 'open', id }), undefined);
    assert.deepEqual(opened, ['https://grafana.example.com/']);
    assert.equal(toolsOf(await requests.handle({ type: 'undo' })).tools[0]?.name, '<script>alert(1)</script>');
    const last = toolsOf(await requests.handle({ type: 'undo' }));
    assert.deepEqual([last.tools.length, last.canUndo], [0, false]);
    assert.match(JSON.stringify(await requests.handle({ type: 'open', id })), /no longer exists/);
  });

  test('hostile and wrong messages are answered with the problem and change nothing', async () => {
    const { requests, warnings, file, opened } = session();
    await requests.handle({ type: 'add', fields });
    const before = readFileSync(file, 'utf8');
    const hostile = [
      { type: 'add', fields: { ...fields, url: 'javascript:alert(1)' } },
      { type: 'add', fields: { ...fields, url: 'http://user:pass@x' } },
      { type: 'add', fields: { ...fields, url: 'http://example.com/\nx' } },
      { type: 'add', fields: { ...fields, url: `https://example.com/${'a'.repeat(2980)}` } },
      { type: 'add', fields: { ...fields, url: 'HTTP://EXAMPLE.COM:99999/' } },
      { type: 'add', fields: { ...fields, name: 'a\u0085b' } },
      { type: 'open', id: '../../etc/passwd' },
      { type: 'open', url: 'file:///etc/passwd' },
      { type: 'run', command: 'rm -rf /' },
      null,
    ];
    const answers = [];
    for (const message of hostile) answers.push(await requests.handle(message));
    assert.deepEqual(
      answers.map((answer) => answer?.type),
      hostile.map(() => 'error'),
    );
    const text = answers.map((answer) => (answer?.type === 'error' ? answer.message : ''));
    assert.match(text[0] ?? '', /\/fields\/url must match pattern/);
    assert.match(text[1] ?? '', /^The tool was not added: URL: it must not hold a user name or password/);
    assert.doesNotMatch(text[1] ?? '', /pass@/);
    assert.match(text[2] ?? '', /\/fields\/url must match pattern/);
    assert.match(text[3] ?? '', /\/fields\/url must NOT have more than 2048 characters/);
    assert.match(text[5] ?? '', /Name: it contains a control character/);
    assert.match(text[8] ?? '', /\/type must be one of ready, add, edit, delete, undo, checkNow, open/);
    assert.equal(warnings.length, 8, warnings.join('\n'));
    assert.deepEqual(opened, []);
    assert.equal(readFileSync(file, 'utf8'), before);
  });
});

describe('Tools panel health checks', () => {
  test('on open: due tools are checked and the results posted; not again within the interval; Check now checks at once', async () => {
    let clock = new Date('2026-11-29T10:00:00Z');
    const { requests, posted } = session(() => clock);
    const server = await loopback();
    await requests.handle({ type: 'add', fields: { ...fields, url: server.url, healthCheck: true } });
    await requests.handle({ type: 'add', fields: { ...fields, name: 'Off', healthCheck: false } });
    assert.equal(toolsOf(await requests.handle({ type: 'ready' })).checking, true);
    await requests.settled();
    const after = toolsOf(posted.at(-1));
    assert.equal(after.checking, false);
    const checked = after.tools.find((tool) => tool.name === 'Grafana');
    assert.deepEqual([checked?.health?.status, checked?.health?.checkedAt], [200, '2026-11-29T10:00:00.000Z']);
    assert.equal(typeof checked?.health?.latencyMs, 'number');
    assert.equal(after.tools.find((tool) => tool.name === 'Off')?.health, undefined);
    assert.equal(server.requests(), 1);

    clock = new Date(clock.getTime() + checkOnOpenIntervalMs - 1000);
    assert.equal(toolsOf(await requests.handle({ type: 'ready' })).checking, false);
    assert.equal(server.requests(), 1, 'opened again soon: no request');
    assert.equal(toolsOf(await requests.handle({ type: 'checkNow' })).checking, true);
    await requests.settled();
    assert.equal(server.requests(), 2);
    clock = new Date(clock.getTime() + 2000);
    await requests.handle({ type: 'ready' });
    await requests.settled();
    assert.equal(server.requests(), 2, 'the check just made counts');
    clock = new Date(clock.getTime() + checkOnOpenIntervalMs);
    await requests.handle({ type: 'ready' });
    await requests.settled();
    assert.equal(server.requests(), 3);
  });

  test('a tool edited to a new URL while its check ran keeps no stale result', async () => {
    const { requests, posted } = session();
    const moved = 'http://127.0.0.1:9/moved';
    const server = createServer((_request, response) => {
      // The user edits the tool while its check waits for this answer.
      void requests
        .handle({ type: 'edit', id, fields: { ...fields, url: moved, healthCheck: true } })
        .then(() => response.writeHead(200).end());
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const id = toolsOf(await requests.handle({ type: 'add', fields: { ...fields, url, healthCheck: true } })).tools[0]?.id as string;
    await requests.handle({ type: 'checkNow' });
    await requests.settled();
    const [tool] = toolsOf(posted.at(-1)).tools;
    assert.deepEqual([tool?.url, tool?.health], [`${moved}`, undefined]);
  });
});
