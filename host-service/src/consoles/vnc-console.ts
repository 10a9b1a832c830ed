// VNC displays of running VMs as a console source: vlm-host connects to the display's port on
// 127.0.0.1 (libvirt makes it listen there, see domain-xml.ts) and relays the RFB bytes as they
// are. The client speaks RFB itself (noVNC in the extension's panel), so the display never needs
// a port beyond the host's loopback, and local and SSH hosts work alike.
import { connect, type Socket } from 'node:net';
import type { ConsoleSource, ConsoleSourceEvents } from './console-source';
import { descendants, parseXml } from '../libvirt/xml-parse';

/** The TCP port of a domain's VNC display, from its live XML; undefined when it has none (yet). */
export function vncDisplayPort(liveXml: string): number | undefined {
  const graphics = descendants(parseXml(liveXml), 'graphics').find((item) => item.attributes.type === 'vnc');
  const port = Number(graphics?.attributes.port);
  // autoport displays of a stopped VM say port='-1'.
  return graphics && Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}

class VncConsoleSource implements ConsoleSource {
  readonly kind = 'vnc' as const;
  private closed = false;

  constructor(
    private readonly vm: string,
    private readonly socket: Socket,
  ) {}

  start(events: ConsoleSourceEvents): void {
    this.socket.on('data', (chunk: Buffer) => events.data(chunk));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      if (!this.closed) events.end(`The graphical console of ${this.vm} ended (the VM stopped or its display closed the connection).`);
    });
    this.socket.resume();
  }

  write(bytes: Buffer, signal: AbortSignal): Promise<number> {
    if (this.closed || this.socket.destroyed) return Promise.reject(new Error(`The graphical console of ${this.vm} is closed.`));
    // Once in the socket's buffer the bytes go out in order; the deadline cannot take them back.
    return new Promise((resolve, reject) => {
      const aborted = () => resolve(0);
      signal.addEventListener('abort', aborted, { once: true });
      this.socket.write(bytes, (error) => {
        signal.removeEventListener('abort', aborted);
        if (error) reject(error);
        else resolve(bytes.length);
      });
    });
  }

  bufferedBytes(): number {
    return this.socket.writableLength;
  }

  resize(): void {
    // RFB negotiates the screen size itself; there is no window size to pass on.
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }
}

/** Connects to the VNC display on 127.0.0.1:`port`; rejects with why when nothing answers there. */
export function openVncConsole(vm: string, port: number): Promise<ConsoleSource> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('error', (error) => {
      socket.destroy();
      reject(new Error(`The VNC display of ${vm} on 127.0.0.1:${port} did not answer: ${error.message}`));
    });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      // Paused until start(), so no byte arrives before the manager listens.
      socket.pause();
      resolve(new VncConsoleSource(vm, socket));
    });
  });
}
