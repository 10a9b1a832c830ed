// Serial consoles of running VMs. libvirt gives each domain's serial port a pty (its path is in
// the live XML); vlm-host, running on the same host, opens that pty and relays it: output as
// notifications, input through consoles/write. Each console belongs to one client connection.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { ReadStream } from 'node:tty';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ConsoleClosedNotification, ConsoleOutputNotification, HostErrorCode } from '@vlm/schemas/src/host-protocol';
import { hostError } from './host-errors';

const ptyPathPattern = /<serial\s+type=['"]pty['"][^>]*>(?:(?!<\/serial>)[\s\S])*?<source\s+path=['"](\/dev\/pts\/\d+)['"]/;

/** The pty of a domain's serial port, from its live XML; undefined when it has none. */
export function serialPtyPath(liveXml: string): string | undefined {
  return ptyPathPattern.exec(liveXml)?.[1];
}

interface OpenConsole {
  owner: MessageConnection;
  vm: string;
  input: ReadStream;
  output: FileHandle;
  close(reason?: string): void;
}

export class SerialConsoles {
  private readonly consoles = new Map<string, OpenConsole>();

  get openCount(): number {
    return this.consoles.size;
  }

  async open(vm: string, ptyPath: string, owner: MessageConnection): Promise<string> {
    if (!/^\/dev\/pts\/\d+$/.test(ptyPath)) throw new Error(`Refusing to open ${JSON.stringify(ptyPath)} as a console.`);
    // Two opens: libuv switches the reading side to non-blocking, writes stay plain blocking writes.
    // A plain fd, not a FileHandle: the ReadStream takes it over and closes it itself.
    const reading = openSync(ptyPath, constants.O_RDWR | constants.O_NOCTTY);
    let writing: FileHandle;
    try {
      writing = await open(ptyPath, constants.O_WRONLY | constants.O_NOCTTY);
    } catch (error) {
      closeSync(reading);
      throw error;
    }
    const input = new ReadStream(reading);
    // Raw: no echo or line editing on our side of the pty; the guest's shell does its own.
    input.setRawMode(true);
    const consoleId = randomBytes(16).toString('hex');
    const decoder = new StringDecoder('utf8');
    let closed = false;
    const entry: OpenConsole = {
      owner,
      vm,
      input,
      output: writing,
      close: (reason) => {
        if (closed) return;
        closed = true;
        this.consoles.delete(consoleId);
        try {
          input.setRawMode(false);
        } catch {
          // the pty is already gone
        }
        input.destroy();
        void writing.close().catch(() => undefined);
        if (reason !== undefined) {
          void owner.sendNotification(ConsoleClosedNotification.type, { consoleId, reason }).catch(() => undefined);
        }
      },
    };
    input.on('data', (chunk: Buffer) => {
      const data = decoder.write(chunk);
      if (data.length > 0) void owner.sendNotification(ConsoleOutputNotification.type, { consoleId, data }).catch(() => undefined);
    });
    // EIO when QEMU closes the pty: the VM stopped.
    input.on('error', () => entry.close(`The console of ${vm} ended (the VM stopped or its pty closed).`));
    input.on('end', () => entry.close(`The console of ${vm} ended.`));
    this.consoles.set(consoleId, entry);
    return consoleId;
  }

  private owned(consoleId: string, owner: MessageConnection): OpenConsole {
    const entry = this.consoles.get(consoleId);
    if (!entry || entry.owner !== owner) {
      throw hostError(HostErrorCode.NotFound, `There is no open console ${consoleId} on this connection.`, { field: '/consoleId' });
    }
    return entry;
  }

  async write(consoleId: string, data: string, owner: MessageConnection): Promise<number> {
    const entry = this.owned(consoleId, owner);
    const bytes = Buffer.from(data, 'utf8');
    let written = 0;
    while (written < bytes.length) {
      const result = await entry.output.write(bytes, written, bytes.length - written);
      written += result.bytesWritten;
    }
    return written;
  }

  /** Checks the console exists; a serial line has no size to set. */
  resize(consoleId: string, owner: MessageConnection): void {
    this.owned(consoleId, owner);
  }

  close(consoleId: string, owner: MessageConnection): void {
    this.owned(consoleId, owner).close();
  }

  /** Closes every console of a connection that went away. */
  closeAllOf(owner: MessageConnection): void {
    for (const entry of [...this.consoles.values()]) if (entry.owner === owner) entry.close();
  }

  closeAll(): void {
    for (const entry of [...this.consoles.values()]) entry.close();
  }
}
