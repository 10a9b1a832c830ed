import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { HostInfoRequest, hostProtocolVersion, type HostInfoResult } from '@vlm/schemas/src/host-protocol';
import { describeHostInfo, openHostClient } from '../src/connection';

const info: HostInfoResult = {
  protocolVersion: hostProtocolVersion,
  service: { version: '0.1.0', pid: 4242, startedAt: '2026-11-21T12:00:00Z' },
  hostname: 'lab-box',
  libvirtVersion: '9.0.0',
  hypervisorVersion: '7.2.0',
  driver: 'test',
  cpus: 8,
  memoryBytes: 16 * 1024 ** 3,
  virtualization: 'test',
  warnings: ['KVM is not available: VMs run under software emulation.'],
};

/** A stand-in host service on a Unix socket; `answer` decides what each connection gets. */
async function withService(answer: (socket: Socket) => void, body: (path: string) => Promise<void>): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-host-client-'));
  const path = join(folder, 'vlm-host.sock');
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    answer(socket);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    await body(path);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  }
}

function answerInfo(result: HostInfoResult) {
  return (socket: Socket) => {
    const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    connection.onRequest(HostInfoRequest.type, () => result);
    connection.listen();
  };
}

test('connects and learns who the host is', async () => {
  await withService(answerInfo(info), async (path) => {
    const client = await openHostClient(path);
    assert.equal(client.info.hostname, 'lab-box');
    client.dispose();
    await client.closed;
  });
});

test('a service of another protocol version is refused with what to do', async () => {
  await withService(answerInfo({ ...info, protocolVersion: hostProtocolVersion + 1 }), async (path) => {
    await assert.rejects(openHostClient(path), /speaks protocol version 2; this extension speaks 1\. Update the one that is older\./);
  });
});

test('something that closes instead of answering is not taken for a host service', async () => {
  await withService(
    (socket) => socket.end(),
    async (path) => {
      await assert.rejects(openHostClient(path), /closed the connection instead of answering as a VLM host service/);
    },
  );
});

test('a service that never answers times out', async () => {
  await withService(
    () => undefined,
    async (path) => {
      await assert.rejects(openHostClient(path, 300, 300), /did not answer within 0\.3 s/);
    },
  );
});

test('the tooltip lines say what the host has, and its warnings', () => {
  assert.deepEqual(describeHostInfo(info), [
    'lab-box: 8 CPUs, 16.0 GiB, libvirt 9.0.0 (test driver, test)',
    'KVM is not available: VMs run under software emulation.',
  ]);
});
