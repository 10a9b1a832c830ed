// A D-Bus daemon stand-in on a unix socket in a temporary folder, for replies no real daemon sends:
// it accepts the EXTERNAL handshake, names the client ':1.1', and answers each later method call with
// the bytes the test scripts for it. It cannot show a real daemon's checks or routing.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FramedMessage, frameMessages, marshalReply } from './dbus-wire';

export interface ScriptedBus {
  address: string;
  close(): Promise<void>;
}

/**
 * `answer(index, serial, send)` gives the reply to the index-th call after Hello (whose serial is
 * `serial`), or none; `send` writes a reply later.
 */
export async function startScriptedBus(
  answer: (index: number, serial: number, send: (reply: FramedMessage) => void) => FramedMessage | undefined,
): Promise<ScriptedBus> {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-scripted-bus-'));
  const path = join(folder, 'socket');
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // The client's handshake: a NUL and an AUTH line, answered OK; then BEGIN, then messages.
    let expected: 'AUTH' | 'BEGIN' | 'messages' = 'AUTH';
    let pending = Buffer.alloc(0);
    let calls = -1; // Hello is call -1
    const send = (reply: FramedMessage) => {
      if (!socket.destroyed) socket.write(Buffer.concat([reply.header, reply.rest]));
    };
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (expected !== 'messages') {
        const lineEnd = pending.indexOf('\r\n');
        if (lineEnd < 0) return;
        const line = pending.subarray(0, lineEnd).toString('latin1');
        pending = pending.subarray(lineEnd + 2);
        if (expected === 'AUTH' && line.replace(/^\0/, '').startsWith('AUTH ')) {
          socket.write('OK 0123456789abcdef0123456789abcdef\r\n');
          expected = 'BEGIN';
        } else if (expected === 'BEGIN' && line === 'BEGIN') expected = 'messages';
        else return void socket.destroy();
      }
      const messages = frameMessages(pending);
      pending = pending.subarray(messages.reduce((length, message) => length + 16 + message.rest.length, 0));
      for (const { header } of messages) {
        const serial = header.readUInt32LE(8);
        const index = calls++;
        const reply =
          index < 0
            ? marshalReply({ replySerial: serial, destination: ':1.1', sender: 'org.freedesktop.DBus', signature: 's', body: [':1.1'] })
            : answer(index, serial, send);
        if (reply) send(reply);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    address: `unix:path=${path}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
