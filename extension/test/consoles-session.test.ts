// Console sessions over a real JSON-RPC connection on a socket pair, with a stand-in host that
// records what the client sends and produces console output and endings on demand.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMessageConnection,
  ResponseError,
  SocketMessageReader,
  SocketMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  ConsoleClosedNotification,
  ConsoleOutputNotification,
  ConsolesAckRequest,
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
  consoleWindowBytes,
  consoleWriteMaximumCharacters,
  HostErrorCode,
  VmsListRequest,
  type ConsoleOpenParams,
} from '@vlm/schemas/src/host-protocol';
import { ConsoleSession, findDomainName, type ConsoleKey } from '@vlm/host-client/src/console-session';
import { ConsoleRegistry, consoleKeyText, consoleTitle, endedLine, writeFailedLine } from '../src/consoles/console-registry';

interface StandInHost {
  opened: ConsoleOpenParams[];
  written: string[];
  resized: Array<[number, number]>;
  closed: string[];
  acknowledged: number[];
  /** Output sent right after the open answer's id is chosen, before the answer itself. */
  greeting?: string;
  /** When set, every write is refused with this message. */
  refuseWrites?: string;
  service: MessageConnection;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface StandIn {
  server: Server;
  host: StandInHost;
  client: MessageConnection;
  clientSocket: Socket;
}

/** A stand-in host on a Unix socket in `folder`, and a client connection to it. */
async function startStandIn(folder: string): Promise<StandIn> {
  const path = join(folder, 'host.sock');
  let server: Server | undefined;
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer(resolve);
  });
  server?.listen(path);
  await once(server as Server, 'listening');
  const clientSocket = connect(path);
  const serviceSocket = await accepted;
  const service = createMessageConnection(new SocketMessageReader(serviceSocket), new SocketMessageWriter(serviceSocket));
  const host: StandInHost = { opened: [], written: [], resized: [], closed: [], acknowledged: [], service };
  answerConsoleRequests(host);
  service.listen();
  const client = createMessageConnection(new SocketMessageReader(clientSocket), new SocketMessageWriter(clientSocket));
  client.listen();
  return { server: server as Server, host, client, clientSocket };
}

function answerConsoleRequests(host: StandInHost): void {
  const service = host.service;
  let next = 1;
  service.onRequest(ConsolesOpenRequest.type, async (params) => {
    host.opened.push(params);
    const consoleId = `console-${next++}`;
    if (host.greeting)
      await service.sendNotification(ConsoleOutputNotification.type, { consoleId, data: host.greeting, bytes: host.greeting.length });
    return { consoleId };
  });
  service.onRequest(ConsolesWriteRequest.type, ({ data }) => {
    // As the real host does: the schema's limit, and a console that cannot take input.
    if (data.length > consoleWriteMaximumCharacters) return new ResponseError(HostErrorCode.InvalidParams, 'data is too long');
    if (host.refuseWrites) return new ResponseError(HostErrorCode.InvalidState, host.refuseWrites);
    host.written.push(data);
    return { written: data.length };
  });
  service.onRequest(ConsolesResizeRequest.type, ({ columns, rows }) => {
    host.resized.push([columns, rows]);
    return {};
  });
  service.onRequest(ConsolesCloseRequest.type, ({ consoleId }) => {
    host.closed.push(consoleId);
    return {};
  });
  service.onRequest(ConsolesAckRequest.type, ({ bytes }) => {
    host.acknowledged.push(bytes);
    return {};
  });
  service.onRequest(VmsListRequest.type, ({ lab }) => ({
    vms:
      lab === 'lab-a'
        ? [
            {
              name: 'vlm-lab-a-web',
              uuid: 'u1',
              state: 'running' as const,
              vcpu: 1,
              memoryBytes: 1,
              persistent: true,
              autostart: false,
              lab: 'lab-a',
              labVm: 'web',
            },
          ]
        : [],
  }));
}

/** Registers a fresh stand-in host for each test of the enclosing describe. */
function useStandIn(): StandIn {
  const context = {} as StandIn;
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'vlm-consoles-'));
    Object.assign(context, await startStandIn(folder));
  });
  afterEach(async () => {
    context.client.dispose();
    context.host.service.dispose();
    context.clientSocket.destroy();
    context.server.close();
    await rm(folder, { recursive: true, force: true });
  });
  return context;
}

const key: ConsoleKey = { host: 'local', lab: 'lab-a', vm: 'web', kind: 'serial' };

interface Terminal {
  text: () => string;
  endings: string[];
  writeFailures: string[];
}

function collect(session: ConsoleSession): Terminal {
  let text = '';
  const endings: string[] = [];
  const writeFailures: string[] = [];
  session.attach({
    output: (chunk) => (text += chunk),
    ended: (reason) => endings.push(reason),
    writeFailed: (reason) => writeFailures.push(reason),
  });
  return { text: () => text, endings, writeFailures };
}

describe('console sessions: output and typing', () => {
  const standIn = useStandIn();
  test('finds the domain of a lab VM, and names the VMs a lab has when it is not there', async () => {
    const { client } = standIn;
    assert.equal(await findDomainName(client, 'lab-a', 'web'), 'vlm-lab-a-web');
    await assert.rejects(findDomainName(client, 'lab-a', 'db'), /Lab "lab-a" has no VM "db".*it has web/);
    await assert.rejects(findDomainName(client, 'lab-b', 'web'), /no VMs of lab "lab-b"/);
  });

  test('keeps output that comes before the terminal opens, then streams it; typing reaches the host in order', async () => {
    const { client, host } = standIn;
    host.greeting = 'login: ';
    const session = await ConsoleSession.open(client, { key, domain: 'vlm-lab-a-web', columns: 80, rows: 24 });
    assert.equal(host.opened[0]?.vm, 'vlm-lab-a-web');
    assert.equal(host.opened[0]?.kind, 'serial');
    assert.equal(host.opened[0]?.flowControl, true);
    await host.service.sendNotification(ConsoleOutputNotification.type, { consoleId: 'console-1', data: 'root\r\n', bytes: 6 });
    await waitFor('output kept', () => true);
    const terminal = collect(session);
    await waitFor('both chunks', () => terminal.text() === 'login: root\r\n');
    for (const key of ['l', 's', '\r']) session.write(key);
    await waitFor('three writes', () => host.written.length === 3);
    assert.deepEqual(host.written, ['l', 's', '\r']);
    await waitFor('an acknowledgement of every byte', () => host.acknowledged.at(-1) === 13);
  });

  test('acknowledges a full slice of the window at once while output streams', async () => {
    const { client, host } = standIn;
    const session = await ConsoleSession.open(client, { key, domain: 'vlm-lab-a-web' });
    const terminal = collect(session);
    const chunk = 'x'.repeat(4096);
    const chunks = consoleWindowBytes / 4 / chunk.length;
    for (let index = 0; index < chunks; index += 1) {
      await host.service.sendNotification(ConsoleOutputNotification.type, { consoleId: 'console-1', data: chunk, bytes: chunk.length });
    }
    await waitFor('all output', () => terminal.text().length === chunks * chunk.length);
    await waitFor('one acknowledgement of the slice', () => host.acknowledged.includes(consoleWindowBytes / 4));
  });

  test('a paste larger than one write arrives whole, in writes the host accepts', async () => {
    const { client, host } = standIn;
    const session = await ConsoleSession.open(client, { key, domain: 'vlm-lab-a-web' });
    const terminal = collect(session);
    const paste = Array.from({ length: 3000 }, (_, line) => `${String(line).padStart(5, '0')} ${'p'.repeat(93)}\n`).join('');
    assert.equal(paste.length, 300_000);
    session.write(paste);
    await session.written();
    assert.equal(host.written.join(''), paste);
    assert.ok(host.written.every((piece) => piece.length <= consoleWriteMaximumCharacters));
    assert.deepEqual(terminal.writeFailures, []);
  });

  test('a write the host refuses is reported, and the rest of that paste is not sent', async () => {
    const { client, host } = standIn;
    const session = await ConsoleSession.open(client, { key, domain: 'vlm-lab-a-web' });
    const terminal = collect(session);
    host.refuseWrites = 'The VM is paused: it reads no input.';
    session.write('y'.repeat(2 * consoleWriteMaximumCharacters));
    await session.written();
    assert.deepEqual(host.written, []);
    assert.equal(terminal.writeFailures.length, 1);
    assert.match(
      terminal.writeFailures[0] ?? '',
      /^131072 typed characters did not reach the console: The VM is paused: it reads no input\.$/,
    );
    assert.match(writeFailedLine(terminal.writeFailures[0] ?? ''), /\[131072 typed characters did not reach the console: .*\]/);
  });
});

describe('console sessions: endings, sizes and connections', () => {
  const standIn = useStandIn();
  test('says why a console ended, then ignores typing; closing after that sends nothing', async () => {
    const { client, host } = standIn;
    const session = await ConsoleSession.open(client, { key, domain: 'vlm-lab-a-web' });
    const terminal = collect(session);
    await host.service.sendNotification(ConsoleClosedNotification.type, { consoleId: 'console-1', reason: 'the VM stopped' });
    await waitFor('the ending', () => terminal.endings.length === 1);
    assert.deepEqual(terminal.endings, ['the VM stopped']);
    assert.equal(session.ended, true);
    session.write('ls\r');
    await session.close();
    assert.deepEqual(host.written, []);
    assert.deepEqual(host.closed, []);
    assert.match(endedLine('the VM stopped'), /\[The VM stopped\. Close this terminal when done\.\]/);
    assert.match(endedLine('The console of lab-a-web ended.'), /\[The console of lab-a-web ended\. Close this terminal when done\.\]/);
  });

  test('an ending that comes before the terminal opens is shown when it does', async () => {
    const { client, host } = standIn;
    const session = await ConsoleSession.open(client, { key, domain: 'vlm-lab-a-web' });
    await host.service.sendNotification(ConsoleClosedNotification.type, { consoleId: 'console-1', reason: 'the VM stopped' });
    await waitFor('the session to end', () => session.ended);
    assert.deepEqual(collect(session).endings, ['the VM stopped']);
  });

  test('closing tells the host; resizing passes new sizes once', async () => {
    const { client, host } = standIn;
    const session = await ConsoleSession.open(client, { key: { ...key, kind: 'ssh' }, domain: 'vlm-lab-a-web', columns: 100, rows: 30 });
    assert.equal(host.opened[0]?.kind, 'ssh');
    assert.equal(host.opened[0]?.columns, 100);
    assert.equal(host.opened[0]?.term, 'xterm-256color');
    session.resize(120, 40);
    session.resize(120, 40);
    session.resize(90, 20);
    await waitFor('two resizes', () => host.resized.length === 2);
    await session.close();
    assert.deepEqual(host.resized, [
      [120, 40],
      [90, 20],
    ]);
    assert.deepEqual(host.closed, ['console-1']);
  });

  test('two consoles on one connection each get only their own output', async () => {
    const { client, host } = standIn;
    const first = await ConsoleSession.open(client, { key, domain: 'vlm-lab-a-web' });
    const second = await ConsoleSession.open(client, { key: { ...key, lab: 'lab-b' }, domain: 'vlm-lab-b-web' });
    const one = collect(first);
    const two = collect(second);
    await host.service.sendNotification(ConsoleOutputNotification.type, { consoleId: 'console-2', data: 'B', bytes: 1 });
    await host.service.sendNotification(ConsoleOutputNotification.type, { consoleId: 'console-1', data: 'A', bytes: 1 });
    await waitFor('both outputs', () => one.text() === 'A' && two.text() === 'B');
  });

  test('losing the host connection ends every console with that reason', async () => {
    const { client, clientSocket } = standIn;
    const session = await ConsoleSession.open(client, { key, domain: 'vlm-lab-a-web' });
    const terminal = collect(session);
    clientSocket.destroy();
    await waitFor('the ending', () => terminal.endings.length === 1);
    assert.match(terminal.endings[0] ?? '', /The connection to host "local" was lost/);
  });
});

test('console keys keep hosts, labs, VMs and kinds apart', () => {
  const registry = new ConsoleRegistry<string>();
  const base: ConsoleKey = { host: 'local', lab: 'lab-a', vm: 'web', kind: 'serial' };
  registry.set(base, 'a');
  registry.set({ ...base, lab: 'lab-b' }, 'b');
  registry.set({ ...base, host: 'remote' }, 'c');
  registry.set({ ...base, kind: 'ssh' }, 'd');
  assert.equal(registry.get({ ...base }), 'a');
  assert.equal(registry.get({ ...base, lab: 'lab-b' }), 'b');
  assert.equal(registry.values().length, 4);
  registry.delete(base, 'stale');
  assert.equal(registry.get(base), 'a');
  registry.delete(base, 'a');
  assert.equal(registry.get(base), undefined);
  assert.notEqual(consoleKeyText({ ...base, lab: 'a-b', vm: 'c' }), consoleKeyText({ ...base, lab: 'a', vm: 'b-c' }));
  assert.equal(consoleTitle(base), 'web serial (lab-a on local)');
});
