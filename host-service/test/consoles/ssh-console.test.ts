// SSH consoles against an in-process ssh2 server on 127.0.0.1 (no VM): the pty request carries
// the size and terminal, resize reaches the server as a window change, input and output flow,
// the first host key is pinned and a different one is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type ServerChannel } from 'ssh2';
import { generateSshKeyPair } from '../../src/deploy/service-ssh-key';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { Consoles } from '../../src/consoles/console-manager';
import { waitUntil } from '../../local-libvirt/wait-until';

interface SessionLog {
  pty?: { cols: number; rows: number; term: string };
  windowChanges: Array<{ cols: number; rows: number }>;
  input: string;
  shell?: ServerChannel;
}

/** An SSH server that accepts any public key (or only `allowedKey`, a public key line) and opens a shell that greets and records input. */
async function startServer(hostKey: string, allowedKey?: string): Promise<{ port: number; sessions: SessionLog[]; stop(): Promise<void> }> {
  const allowedBlob = allowedKey === undefined ? undefined : Buffer.from(allowedKey.split(' ')[1] as string, 'base64');
  const sessions: SessionLog[] = [];
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (context) => {
      const allowed = context.method === 'publickey' && (allowedBlob === undefined || context.key.data.equals(allowedBlob));
      return allowed ? context.accept() : context.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const log: SessionLog = { windowChanges: [], input: '' };
        sessions.push(log);
        const session = accept();
        session.on('pty', (acceptPty, _reject, info) => {
          log.pty = { cols: info.cols, rows: info.rows, term: info.term };
          acceptPty?.();
        });
        session.on('window-change', (acceptChange, _reject, info) => {
          log.windowChanges.push({ cols: info.cols, rows: info.rows });
          acceptChange?.();
        });
        session.on('shell', (acceptShell) => {
          const shell = acceptShell();
          log.shell = shell;
          shell.on('data', (chunk: Buffer) => (log.input += chunk.toString('utf8')));
          shell.write('welcome\r\n# ');
        });
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function standInConnection(): MessageConnection & { sent: Array<{ method: string; params: Record<string, unknown> }> } {
  const sent: Array<{ method: string; params: Record<string, unknown> }> = [];
  return {
    sent,
    sendNotification: async (type: { method: string }, params: Record<string, unknown>) => {
      sent.push({ method: type.method, params });
    },
  } as unknown as MessageConnection & { sent: Array<{ method: string; params: Record<string, unknown> }> };
}

const outputOf = (owner: ReturnType<typeof standInConnection>) =>
  owner.sent
    .filter((message) => message.method === 'vlm/consoles/output')
    .map((message) => message.params.data)
    .join('');

describe('SSH consoles against a local ssh2 server', () => {
  let work: string;
  let consoles: Consoles;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vlm-ssh-console-'));
    const clientKey = generateSshKeyPair('vlm-test');
    await writeFile(join(work, 'id_ed25519'), clientKey.privateKey, { mode: 0o600 });
    consoles = new Consoles({ sshKeyPath: join(work, 'id_ed25519'), hostKeysPath: join(work, 'pinned-host-keys.json') });
  });

  after(async () => {
    consoles?.closeAll();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('size, terminal, input, output and resize reach the other side; the host key is pinned', async () => {
    const server = await startServer(generateSshKeyPair('vlm-test').privateKey);
    const owner = standInConnection();
    try {
      const consoleId = await consoles.openSsh(
        { vm: 'vm-a', uuid: 'uuid-a', port: server.port, columns: 101, rows: 33, term: 'vt100' },
        owner,
      );
      await waitUntil('the greeting', () => outputOf(owner).includes('welcome'), 10_000);
      const session = server.sessions[0] as SessionLog;
      assert.deepEqual(session.pty, { cols: 101, rows: 33, term: 'vt100' });
      consoles.resize(consoleId, 140, 45, owner);
      await waitUntil('the window change', () => session.windowChanges.length > 0, 10_000);
      assert.deepEqual(session.windowChanges, [{ cols: 140, rows: 45 }]);
      assert.equal(await consoles.write(consoleId, 'ls\r', owner), 3);
      await waitUntil('the input', () => session.input === 'ls\r', 10_000);
      // The shell exiting ends the console with a reason.
      session.shell?.exit(0);
      session.shell?.end();
      await waitUntil('the closed notification', () => owner.sent.find((message) => message.method === 'vlm/consoles/closed'), 10_000);
      assert.equal(consoles.openCount, 0);
    } finally {
      await server.stop();
    }
  });

  test('a VM whose host key changed since it was pinned is refused, naming both fingerprints', async () => {
    const first = await startServer(generateSshKeyPair('vlm-test').privateKey);
    const owner = standInConnection();
    try {
      const consoleId = await consoles.openSsh({ vm: 'vm-b', uuid: 'uuid-b', port: first.port }, owner);
      consoles.close(consoleId, owner);
    } finally {
      await first.stop();
    }
    const impostor = await startServer(generateSshKeyPair('vlm-test').privateKey);
    try {
      await assert.rejects(
        consoles.openSsh({ vm: 'vm-b', uuid: 'uuid-b', port: impostor.port }, owner),
        /host key of vm-b changed: pinned SHA256:\S+ on .*, now SHA256:\S+\. Refusing/,
      );
      assert.equal(consoles.openCount, 0);
    } finally {
      await impostor.stop();
    }
  });

  test("a VM a lab recorded is opened with that lab's key; the service key does not open it", async () => {
    const labKey = generateSshKeyPair('vlm-lab-web@test');
    await writeFile(join(work, 'lab-key'), labKey.privateKey, { mode: 0o600 });
    const server = await startServer(generateSshKeyPair('vlm-test').privateKey, labKey.publicKey);
    const owner = standInConnection();
    try {
      const withLabKeys = new Consoles({
        sshKeyPath: join(work, 'id_ed25519'),
        hostKeysPath: join(work, 'pins-lab.json'),
        labKeyPath: (domain) => (domain.name === 'web-db' && domain.uuid === 'uuid-d' ? join(work, 'lab-key') : undefined),
      });
      const consoleId = await withLabKeys.openSsh({ vm: 'web-db', uuid: 'uuid-d', port: server.port }, owner);
      withLabKeys.close(consoleId, owner);
      await assert.rejects(
        consoles.openSsh({ vm: 'web-db', uuid: 'uuid-d', port: server.port }, owner),
        /Cannot open an SSH console on web-db .*authentication methods failed/,
      );
    } finally {
      await server.stop();
    }
  });

  test('a missing service key is a clear error', async () => {
    const missing = new Consoles({ sshKeyPath: join(work, 'no-such-key'), hostKeysPath: join(work, 'pins.json') });
    await assert.rejects(
      missing.openSsh({ vm: 'vm-c', uuid: 'uuid-c', port: 1 }, standInConnection()),
      /SSH key .*no-such-key for vm-c cannot be read/,
    );
  });
});
