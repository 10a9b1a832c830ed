// The console manager's bookkeeping with a stand-in source (no VM): flow control pauses and
// resumes the source at the window, acknowledgements are checked, consoles belong to their
// connection, and the client-side acknowledger sends running totals.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ConsoleOutputAcknowledger } from '@vlm/schemas/src/console-flow';
import { consoleWindowBytes } from '@vlm/schemas/src/host-protocol';
import { Consoles } from '../../src/consoles/console-manager';
import type { ConsoleSource, ConsoleSourceEvents } from '../../src/consoles/console-source';
import { SshHostKeys } from '../../src/consoles/ssh-host-keys';

class StandInSource implements ConsoleSource {
  readonly kind = 'serial' as const;
  events: ConsoleSourceEvents | undefined;
  paused = false;
  closed = false;
  written: Buffer[] = [];
  size: [number, number] | undefined;
  start(events: ConsoleSourceEvents): void {
    this.events = events;
  }
  /** Bytes the source takes per write before it stops taking input, like a full pty; all when undefined. */
  accepts: number | undefined;
  async write(bytes: Buffer, signal: AbortSignal): Promise<number> {
    if (this.accepts === undefined) {
      this.written.push(bytes);
      return bytes.length;
    }
    this.written.push(bytes.subarray(0, this.accepts));
    // Stalled: nothing more until the deadline aborts the write.
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return Math.min(this.accepts, bytes.length);
  }
  bufferedBytes(): number {
    return 0;
  }
  resize(columns: number, rows: number): void {
    this.size = [columns, rows];
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(): void {
    this.closed = true;
  }
}

function standInConnection(): MessageConnection & { sent: Array<{ method: string; params: unknown }> } {
  const sent: Array<{ method: string; params: unknown }> = [];
  return {
    sent,
    sendNotification: async (type: { method: string }, params: unknown) => {
      sent.push({ method: type.method, params });
    },
  } as unknown as MessageConnection & { sent: Array<{ method: string; params: unknown }> };
}

/** Lets the console manager send what arrived in the turn before. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const consoles = () => new Consoles({ sshKeyPath: '/nonexistent/id_ed25519', hostKeysPath: '/nonexistent/pins.json', windowBytes: 1000 });

describe('console manager: flow control and ownership', () => {
  test('a flow-controlled console pauses its source a window ahead and resumes at half', async () => {
    const manager = consoles();
    const source = new StandInSource();
    const owner = standInConnection();
    const id = manager.add('vm-1', source, owner, { flowControl: true });
    source.events?.data(Buffer.alloc(600, 'a'));
    assert.equal(source.paused, false);
    await nextTurn();
    source.events?.data(Buffer.alloc(400, 'b'));
    assert.equal(source.paused, true, 'paused with 1000 bytes unacknowledged');
    manager.acknowledge(id, 400, owner);
    assert.equal(source.paused, true, '600 unacknowledged is more than half the window');
    manager.acknowledge(id, 500, owner);
    assert.equal(source.paused, false, 'resumed at 500 unacknowledged');
    await nextTurn();
    const outputs = owner.sent.filter((message) => message.method === 'vlm/consoles/output');
    assert.deepEqual(
      outputs.map((message) => (message.params as { bytes: number }).bytes),
      [600, 400],
    );
  });

  test('without flow control the source is never paused and acknowledgements are harmless', () => {
    const manager = consoles();
    const source = new StandInSource();
    const owner = standInConnection();
    const id = manager.add('vm-1', source, owner);
    for (let index = 0; index < 10; index += 1) source.events?.data(Buffer.alloc(1000));
    assert.equal(source.paused, false);
    manager.acknowledge(id, 5000, owner);
  });

  test('acknowledging more than was sent is an invalid-params error naming the field', () => {
    const manager = consoles();
    const owner = standInConnection();
    const source = new StandInSource();
    const id = manager.add('vm-1', source, owner, { flowControl: true });
    source.events?.data(Buffer.from('hello'));
    assert.throws(
      () => manager.acknowledge(id, 6, owner),
      (error: Error & { code?: number; data?: { field?: string } }) => {
        assert.equal(error.code, -32602);
        assert.equal(error.data?.field, '/bytes');
        return true;
      },
    );
  });

  test('a console belongs to its connection; the source ending sends closed with the reason', () => {
    const manager = consoles();
    const owner = standInConnection();
    const stranger = standInConnection();
    const source = new StandInSource();
    const id = manager.add('vm-1', source, owner);
    assert.throws(() => manager.resize(id, 80, 24, stranger), /no open console/);
    manager.resize(id, 120, 40, owner);
    assert.deepEqual(source.size, [120, 40]);
    source.events?.end('The VM stopped.');
    assert.equal(source.closed, true);
    assert.deepEqual(owner.sent.at(-1), { method: 'vlm/consoles/closed', params: { consoleId: id, reason: 'The VM stopped.' } });
    assert.equal(manager.openCount, 0);
  });

  test('closing a connection closes its consoles, and one that finishes opening afterwards at once', () => {
    const manager = consoles();
    const owner = standInConnection();
    const first = new StandInSource();
    manager.add('vm-1', first, owner);
    manager.closeAllOf(owner);
    assert.equal(first.closed, true);
    const late = new StandInSource();
    assert.throws(() => manager.add('vm-1', late, owner), /disconnected/);
    assert.equal(late.closed, true);
    assert.equal(manager.openCount, 0);
  });
});

describe('console manager: output notifications', () => {
  test('chunks that arrive in one turn go out as one notification, in order, before the console closes', async () => {
    const manager = consoles();
    const source = new StandInSource();
    const owner = standInConnection();
    manager.add('vm-1', source, owner, { flowControl: true });
    // A character split across the chunks (é is c3 a9) arrives whole.
    for (const chunk of [Buffer.from('one '), Buffer.from([0x74, 0x77, 0x6f, 0x20, 0xc3]), Buffer.from([0xa9, 0x20])])
      source.events?.data(chunk);
    await nextTurn();
    source.events?.data(Buffer.from('last'));
    source.events?.end('the shell exited');
    const sent = owner.sent.filter((message) => message.method === 'vlm/consoles/output' || message.method === 'vlm/consoles/closed');
    assert.deepEqual(
      sent.map((message) => [message.method, (message.params as { data?: string }).data, (message.params as { bytes?: number }).bytes]),
      [
        ['vlm/consoles/output', 'one two é ', 11],
        ['vlm/consoles/output', 'last', 4],
        ['vlm/consoles/closed', undefined, undefined],
      ],
    );
  });
});

describe('console manager: writes', () => {
  test('a write the source does not take answers at its deadline, saying why; past the queue limit a write is refused at once', async () => {
    const manager = new Consoles({
      sshKeyPath: '/nonexistent/id_ed25519',
      hostKeysPath: '/nonexistent/pins.json',
      writeDeadlineMs: 300,
      writeQueueBytes: 1000,
    });
    const owner = standInConnection();
    const source = new StandInSource();
    source.accepts = 10;
    const id = manager.add('vm-1', source, owner, { whyStalled: async () => 'VM "vm-1" is paused' });
    const answers = [manager.write(id, 'a'.repeat(400), owner), manager.write(id, 'b'.repeat(400), owner)];
    // 800 wait: 400 more would pass the 1000-byte limit.
    await assert.rejects(
      manager.write(id, 'c'.repeat(400), owner),
      /already has 800 bytes waiting to be written, and at most 1000 may wait: VM "vm-1" is paused\. This write of 400 bytes was refused\./,
    );
    await assert.rejects(
      answers[0] as Promise<number>,
      /^Error: 10 of 400 bytes reached the console of vm-1 within 0\.3 s: VM "vm-1" is paused\. The rest was dropped\.$/,
    );
    // The second waited behind the first and ends at the same deadline, with at most what the source took.
    await assert.rejects(
      answers[1] as Promise<number>,
      /^Error: (0|10) of 400 bytes reached the console of vm-1 within 0\.3 s: VM "vm-1" is paused\./,
    );
    assert.equal(source.written[0]?.toString(), 'a'.repeat(10));
    assert.ok(source.written.slice(1).every((chunk) => chunk.toString() === 'b'.repeat(10)));
    // Nothing waits any more, and a source that takes input again is written to.
    source.accepts = undefined;
    assert.equal(await manager.write(id, 'typed\r', owner), 6);
  });

  test('a write to a console that ends meanwhile says the console is gone, and why', async () => {
    const manager = new Consoles({
      sshKeyPath: '/nonexistent/id_ed25519',
      hostKeysPath: '/nonexistent/pins.json',
      writeDeadlineMs: 60_000,
    });
    const owner = standInConnection();
    const source = new StandInSource();
    source.write = async () => {
      source.events?.end('The console of vm-1 ended (the VM stopped or its pty closed).');
      throw new Error('EIO');
    };
    const id = manager.add('vm-1', source, owner);
    await assert.rejects(
      manager.write(id, 'x', owner),
      /^Error: The console of vm-1 is gone: The console of vm-1 ended \(the VM stopped or its pty closed\)\.$/,
    );
  });
});

describe('console output acknowledgements and pinned host keys', () => {
  test('the client acknowledger sends running totals every quarter window and on flush', () => {
    const totals: number[] = [];
    const acknowledger = new ConsoleOutputAcknowledger((total) => totals.push(total));
    const quarter = consoleWindowBytes / 4;
    acknowledger.processed(quarter - 1);
    assert.deepEqual(totals, []);
    acknowledger.processed(1);
    assert.deepEqual(totals, [quarter]);
    acknowledger.processed(10);
    acknowledger.flush();
    acknowledger.flush();
    assert.deepEqual(totals, [quarter, quarter + 10]);
    assert.throws(() => acknowledger.processed(-1), /whole number/);
  });

  test('pinned SSH host keys survive a reload of the file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'vlm-host-keys-'));
    try {
      const path = join(directory, 'ssh', 'pinned-host-keys.json');
      await new SshHostKeys(path).pin('uuid-1', { vm: 'vm-1', fingerprint: 'SHA256:abc', pinnedAt: '2026-01-01T00:00:00.000Z' });
      assert.deepEqual(await new SshHostKeys(path).get('uuid-1'), {
        vm: 'vm-1',
        fingerprint: 'SHA256:abc',
        pinnedAt: '2026-01-01T00:00:00.000Z',
      });
      assert.equal(await new SshHostKeys(path).get('uuid-2'), undefined);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
