// The parts of the API server that need no libvirt: the protocol table, the event log's
// sequence numbers, and the size-limited reader's framing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from 'vscode-jsonrpc/node';
import * as protocol from '@vlm/schemas/src/host-protocol';
import { hostProtocolSchema, hostRequestParams } from '@vlm/schemas/src/host-protocol';
import { EventLog } from '../../src/event-log';
import { isHostRequestMethod, paramsError } from '../../src/api/params-validation';
import { requestTooLargeMethod, SizeLimitedMessageReader } from '../../src/api/size-limited-message-reader';
import { StateStore } from '../../src/state/state-store';
import { frame, frameRequest } from '../support/json-rpc-frame';

test('every request namespace is in the params table, with a schema definition', () => {
  const definitions = hostProtocolSchema.definitions as Record<string, unknown>;
  const requestMethods = Object.values(protocol)
    .filter(
      (value): value is { method: string; type: unknown } =>
        typeof value === 'object' && value !== null && 'method' in value && 'type' in value,
    )
    .filter((namespace) => (namespace.type as object).constructor.name.startsWith('RequestType'))
    .map((namespace) => namespace.method)
    .sort();
  assert.deepEqual(requestMethods, Object.keys(hostRequestParams).sort());
  for (const [method, definition] of Object.entries(hostRequestParams)) {
    assert.ok(definitions[definition], `${method}: no definition ${definition}`);
    assert.ok(isHostRequestMethod(method));
  }
  assert.equal(isHostRequestMethod('toString'), false, 'inherited names are not methods');
});

test('params validation accepts good params and names the bad field otherwise', () => {
  assert.equal(paramsError('vlm/vms/start', { vm: 'web-lab-web' }), undefined);
  assert.equal(paramsError('vlm/events/subscribe', {}), undefined);
  const error = paramsError('vlm/consoles/resize', { consoleId: 'a'.repeat(32), columns: 80.5, rows: 24 });
  assert.equal(error?.data?.field, '/columns');
  assert.equal(error?.data?.allowed, 'a whole number from 1 to 1000');
  assert.equal(paramsError('vlm/host/info', { extra: 1 })?.data?.allowed, 'no fields');
});

test('event sequence numbers stay gapless across reservation blocks and never repeat after reopening', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-events-'));
  try {
    const store = await StateStore.open({ dataDirectory: directory });
    const log = await EventLog.create(store, { retained: 100 });
    const seen: number[] = [];
    log.listen((event) => seen.push(event.sequence));
    for (let index = 0; index < 2500; index += 1) log.publish({ type: 'connection-state', connected: index % 2 === 0 });
    // Events past a block wait for the next reservation's write; poll with a deadline.
    const deadline = Date.now() + 10_000;
    while (seen.length < 2500 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, 2500);
    assert.deepEqual(
      seen,
      Array.from({ length: 2500 }, (_, index) => log.firstSequence + index),
    );
    // Only the last 100 are kept: an older resume point is reported incomplete.
    assert.equal(log.since(log.currentSequence - 50).result.complete, true);
    assert.equal(log.since(log.currentSequence - 50).events.length, 50);
    assert.equal(log.since(log.firstSequence).result.complete, false);
    const last = log.currentSequence;
    await store.close();
    const reopened = await StateStore.open({ dataDirectory: directory });
    const next = await EventLog.create(reopened);
    assert.ok(next.firstSequence > last, `${next.firstSequence} should be above ${last}`);
    await reopened.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

async function socketPair(directory: string): Promise<{ client: Socket; server: Socket; close(): void }> {
  const path = join(directory, 'pair.sock');
  const listener = createServer();
  listener.listen(path);
  await once(listener, 'listening');
  const accepted = once(listener, 'connection');
  const client = connect(path);
  const [server] = (await accepted) as [Socket];
  return {
    client,
    server,
    close() {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

test('the reader reassembles split messages and turns an oversized one into a too-large request with its id', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-reader-'));
  const pair = await socketPair(directory);
  try {
    const received: Record<string, unknown>[] = [];
    const reader = new SizeLimitedMessageReader(pair.server, 1000);
    reader.listen((message: Message) => received.push(message as unknown as Record<string, unknown>));
    const small = frameRequest(1, 'vlm/host/info', {});
    const large = frameRequest('big-7', 'vlm/labs/plan', { pad: 'x'.repeat(50_000) });
    const after = frameRequest(2, 'vlm/labs/list', {});
    const stream = Buffer.concat([small, large, after]);
    // Byte-sized to chunk-sized pieces, so headers and bodies split everywhere.
    for (let offset = 0, size = 1; offset < stream.length; offset += size, size = (size * 7) % 4093 || 1) {
      pair.client.write(stream.subarray(offset, offset + size));
    }
    const deadline = Date.now() + 10_000;
    while (received.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(
      received.map((message) => [message.id, message.method]),
      [
        [1, 'vlm/host/info'],
        ['big-7', requestTooLargeMethod],
        [2, 'vlm/labs/list'],
      ],
    );
    assert.deepEqual(received[1]?.params, { bytes: large.length - large.indexOf('\r\n\r\n') - 4, limit: 1000, method: 'vlm/labs/plan' });
  } finally {
    pair.close();
    await rm(directory, { recursive: true, force: true });
  }
});

test('a message that cannot be answered (bad JSON, or oversized with no id) closes the connection with a reason', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'vlm-reader-'));
  try {
    for (const body of [
      '{"jsonrpc": "2.0", "id": 1, "method": ',
      JSON.stringify({ params: { pad: 'x'.repeat(10_000) }, jsonrpc: '2.0', id: 5, method: 'vlm/labs/plan' }),
    ]) {
      const pair = await socketPair(directory);
      try {
        const errors: string[] = [];
        const reader = new SizeLimitedMessageReader(pair.server, 1000);
        reader.onError((error) => errors.push(error.message));
        reader.listen(() => assert.fail('nothing should be delivered'));
        const closed = once(pair.client, 'close');
        pair.client.on('error', () => undefined);
        pair.client.write(frame(body));
        await closed;
        assert.match(errors[0] ?? '', /not valid JSON|with no id in its first bytes/);
        assert.match(errors[0] ?? '', /closing the connection/);
      } finally {
        pair.close();
      }
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
