// Serial consoles of running VMs. libvirt gives each domain's serial port a pty (its path is in
// the live XML); vlm-host, on the same host, opens that pty and relays it directly. No `virsh
// console` under node-pty: a helper process per console would add a second libvirt connection
// and its own pty pair for nothing, since a serial line carries no window size to the guest
// (resize has nothing to change) and pausing reads on the pty already stops the guest's UART.
import { closeSync, constants, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { ReadStream } from 'node:tty';
import type { ConsoleSource, ConsoleSourceEvents } from './console-source';

/** Retries of a write to a full pty back off from the first delay to the last. */
const firstRetryMs = 5;
const lastRetryMs = 100;

const ptyPathPattern = /<serial\s+type=['"]pty['"][^>]*>(?:(?!<\/serial>)[\s\S])*?<source\s+path=['"](\/dev\/pts\/\d+)['"]/;

/** The pty of a domain's serial port, from its live XML; undefined when it has none. */
export function serialPtyPath(liveXml: string): string | undefined {
  return ptyPathPattern.exec(liveXml)?.[1];
}

class SerialConsoleSource implements ConsoleSource {
  readonly kind = 'serial' as const;
  private closed = false;

  constructor(
    private readonly vm: string,
    private readonly input: ReadStream,
    private readonly output: FileHandle,
    /** The descriptor we opened, when libuv reads through a reopened copy and will not close ours. */
    private readonly leftBehind: number | undefined,
  ) {}

  start(events: ConsoleSourceEvents): void {
    this.input.on('data', (chunk: Buffer) => events.data(chunk));
    // EIO when QEMU closes the pty: the VM stopped.
    this.input.on('error', () => {
      if (!this.closed) events.end(`The console of ${this.vm} ended (the VM stopped or its pty closed).`);
    });
    this.input.on('end', () => {
      if (!this.closed) events.end(`The console of ${this.vm} ended.`);
    });
  }

  async write(bytes: Buffer, signal: AbortSignal): Promise<number> {
    let written = 0;
    let retryMs = firstRetryMs;
    while (written < bytes.length && !signal.aborted) {
      if (this.closed) throw new Error(`The console of ${this.vm} is closed.`);
      try {
        const result = await this.output.write(bytes, written, bytes.length - written);
        written += result.bytesWritten;
        retryMs = firstRetryMs;
      } catch (error) {
        // EIO: QEMU closed the pty (the VM stopped). Anything else but a full pty is as final.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN')
          throw new Error(`The console of ${this.vm} is gone: ${(error as Error).message}.`);
        // The pty is full: the guest is not reading its UART (paused, or busy). Try again soon.
        await delay(retryMs, undefined, { signal }).catch(() => undefined);
        retryMs = Math.min(retryMs * 2, lastRetryMs);
      }
    }
    return written;
  }

  bufferedBytes(): number {
    // Written bytes sit in the pty, which holds a few kilobytes at most.
    return 0;
  }

  resize(): void {
    // A serial line has no window size to pass on.
  }

  pause(): void {
    this.input.pause();
  }

  resume(): void {
    this.input.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.input.setRawMode(false);
    } catch {
      // the pty is already gone
    }
    if (this.leftBehind !== undefined) {
      const descriptor = this.leftBehind;
      // After libuv has let go of its copy; the stream may already be closed (pty gone).
      if (this.input.closed) closeSync(descriptor);
      else this.input.once('close', () => closeSync(descriptor));
    }
    this.input.destroy();
    void this.output.close().catch(() => undefined);
  }
}

export async function openSerialConsole(vm: string, ptyPath: string): Promise<ConsoleSource> {
  if (!/^\/dev\/pts\/\d+$/.test(ptyPath)) throw new Error(`Refusing to open ${JSON.stringify(ptyPath)} as a console.`);
  // Two opens: libuv reads through its own non-blocking copy; writes are non-blocking too, so a
  // guest that does not read (a paused VM) never holds a thread of the pool: a full pty is EAGAIN.
  // A plain fd, not a FileHandle: the ReadStream takes it over and closes it itself.
  const reading = openSync(ptyPath, constants.O_RDWR | constants.O_NOCTTY);
  let writing: FileHandle;
  try {
    writing = await open(ptyPath, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch (error) {
    closeSync(reading);
    throw error;
  }
  const input = new ReadStream(reading);
  // libuv reopens a pty by its name to make it non-blocking and reads from the new descriptor; the
  // one we passed stays open and is ours to close (one leaked per console otherwise).
  const handleDescriptor = (input as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  const leftBehind = typeof handleDescriptor === 'number' && handleDescriptor >= 0 && handleDescriptor !== reading ? reading : undefined;
  // Raw: no echo or line editing on our side of the pty; the guest's shell does its own.
  input.setRawMode(true);
  return new SerialConsoleSource(vm, input, writing, leftBehind);
}
