// A stand-in VNC display for tests on libvirt's test driver, which runs no QEMU: a TCP server on
// 127.0.0.1 (port 0) that greets each connection with given bytes and keeps what it receives. It
// shows that bytes are relayed, not that RFB works: the real display is in the QEMU tests.
import { createServer, type Server, type Socket } from 'node:net';

/** A display that sends `greeting` to each connection and keeps what it receives. */
export class LoopbackDisplay {
  readonly connections: Socket[] = [];
  received = Buffer.alloc(0);
  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(greeting: Buffer): Promise<LoopbackDisplay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const display = new LoopbackDisplay(server, address.port);
    server.on('connection', (socket) => {
      display.connections.push(socket);
      socket.on('data', (chunk: Buffer) => {
        display.received = Buffer.concat([display.received, chunk]);
      });
      socket.on('error', () => undefined);
      socket.write(greeting);
    });
    return display;
  }

  get openConnections(): number {
    return this.connections.filter((socket) => !socket.destroyed && !socket.readableEnded).length;
  }

  close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
