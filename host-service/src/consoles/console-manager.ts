// The open consoles of every client connection, whatever their kind: relays output as
// notifications, input from consoles/write, and bounds the output in flight per console when
// the client acknowledges (flowControl): past consoleWindowBytes unacknowledged, the source is
// paused until the client catches up to half of that. Text consoles go as UTF-8; a VNC display's
// bytes as base64 both ways.
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  ConsoleClosedNotification,
  ConsoleOutputNotification,
  consoleWindowBytes,
  consoleWriteDeadlineMs,
  consoleWriteQueueBytes,
  HostErrorCode,
} from '@vlm/schemas/src/host-protocol';
import { hostError } from '../host-errors';
import { openSerialConsole } from './serial-consoles';
import type { ConsoleSource } from './console-source';
import { openSshConsole, type SshConsoleOptions } from './ssh-console';
import { SshHostKeys } from './ssh-host-keys';
import { openVncConsole } from './vnc-console';

interface OpenConsole {
  owner: MessageConnection;
  vm: string;
  source: ConsoleSource;
  flowControl: boolean;
  sentBytes: number;
  acknowledgedBytes: number;
  paused: boolean;
  /** Bytes of writes accepted and not yet answered. */
  queuedBytes: number;
  /** Writes go out one after another, in the order they came. */
  writes: Promise<void>;
  whyStalled: () => Promise<string>;
  /** Why the console ended, once it has. */
  closedReason: string | undefined;
  close(reason?: string): void;
}

export interface ConsoleOpenOptions {
  flowControl?: boolean;
  /** Why the console takes no input, in words for the user; asked when a write misses its deadline. */
  whyStalled?: () => Promise<string>;
}

export interface ConsolesOptions {
  /**
   * The data directory's service key: for VMs of labs deployed before per-lab keys, and VMs no
   * lab records (whoever made them put that key in).
   */
  sshKeyPath: string;
  /** The key of the lab that recorded this domain (name and uuid), if one did: its VMs trust only that. */
  labKeyPath?: (domain: { name: string; uuid: string }) => string | undefined;
  /** JSON file of the SSH host keys pinned on first connect. */
  hostKeysPath: string;
  windowBytes?: number;
  writeDeadlineMs?: number;
  writeQueueBytes?: number;
}

export type SshOpenOptions = Pick<SshConsoleOptions, 'vm' | 'uuid' | 'port' | 'term' | 'columns' | 'rows'>;

export class Consoles {
  private readonly consoles = new Map<string, OpenConsole>();
  /** Connections already closed: a console whose open finishes after its client left is closed at once. */
  private readonly departed = new WeakSet<MessageConnection>();
  private readonly windowBytes: number;
  private readonly writeDeadlineMs: number;
  private readonly writeQueueBytes: number;
  private readonly hostKeys: SshHostKeys;

  constructor(private readonly options: ConsolesOptions) {
    this.windowBytes = options.windowBytes ?? consoleWindowBytes;
    this.writeDeadlineMs = options.writeDeadlineMs ?? consoleWriteDeadlineMs;
    this.writeQueueBytes = options.writeQueueBytes ?? consoleWriteQueueBytes;
    this.hostKeys = new SshHostKeys(options.hostKeysPath);
  }

  async openSerial(vm: string, ptyPath: string, owner: MessageConnection, options: ConsoleOpenOptions = {}): Promise<string> {
    return this.add(vm, await openSerialConsole(vm, ptyPath), owner, options);
  }

  async openSsh(ssh: SshOpenOptions, owner: MessageConnection, options: ConsoleOpenOptions = {}): Promise<string> {
    const privateKeyPath = this.options.labKeyPath?.({ name: ssh.vm, uuid: ssh.uuid }) ?? this.options.sshKeyPath;
    const source = await openSshConsole({ ...ssh, privateKeyPath, hostKeys: this.hostKeys });
    return this.add(ssh.vm, source, owner, options);
  }

  async openVnc(vm: string, port: number, owner: MessageConnection, options: ConsoleOpenOptions = {}): Promise<string> {
    return this.add(vm, await openVncConsole(vm, port), owner, options);
  }

  get openCount(): number {
    return this.consoles.size;
  }

  /** Consoles open on the VM (libvirt name) across every connection: such a VM is not idle. */
  openCountOf(vm: string): number {
    let count = 0;
    for (const entry of this.consoles.values()) if (entry.vm === vm) count += 1;
    return count;
  }

  /** Takes over `source`: from here on the manager closes it. */
  add(vm: string, source: ConsoleSource, owner: MessageConnection, options: ConsoleOpenOptions = {}): string {
    if (this.departed.has(owner)) {
      source.close();
      throw hostError(HostErrorCode.RequestCancelled, 'The client disconnected while its console was opening.');
    }
    const consoleId = randomBytes(16).toString('hex');
    const decoder = new StringDecoder('utf8');
    let closed = false;
    // Chunks that arrive in one turn of the event loop (several SSH packets in one socket read) go
    // out as one notification: per-notification cost was most of the host's CPU per megabyte.
    let pending: Buffer[] = [];
    const flush = (): void => {
      if (pending.length === 0) return;
      const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
      pending = [];
      // A character split across chunks is sent whole with the next one; the byte count goes with the chunk.
      const data = source.kind === 'vnc' ? chunk.toString('base64') : decoder.write(chunk);
      void owner.sendNotification(ConsoleOutputNotification.type, { consoleId, data, bytes: chunk.length }).catch(() => undefined);
    };
    const entry: OpenConsole = {
      owner,
      vm,
      source,
      flowControl: options.flowControl === true,
      sentBytes: 0,
      acknowledgedBytes: 0,
      paused: false,
      queuedBytes: 0,
      writes: Promise.resolve(),
      whyStalled: options.whyStalled ?? (async () => `the ${source.kind} console of ${vm} is not taking input`),
      closedReason: undefined,
      close: (reason) => {
        if (closed) return;
        flush();
        closed = true;
        entry.closedReason = reason ?? 'it was closed';
        this.consoles.delete(consoleId);
        source.close();
        if (reason !== undefined) {
          void owner.sendNotification(ConsoleClosedNotification.type, { consoleId, reason }).catch(() => undefined);
        }
      },
    };
    this.consoles.set(consoleId, entry);
    source.start({
      data: (chunk) => {
        if (closed) return;
        entry.sentBytes += chunk.length;
        if (pending.length === 0) setImmediate(flush);
        pending.push(chunk);
        if (entry.flowControl && !entry.paused && entry.sentBytes - entry.acknowledgedBytes >= this.windowBytes) {
          entry.paused = true;
          source.pause();
        }
      },
      end: (reason) => entry.close(reason),
    });
    return consoleId;
  }

  private owned(consoleId: string, owner: MessageConnection): OpenConsole {
    const entry = this.consoles.get(consoleId);
    if (!entry || entry.owner !== owner) {
      throw hostError(HostErrorCode.NotFound, `There is no open console ${consoleId} on this connection.`, { field: '/consoleId' });
    }
    return entry;
  }

  /**
   * Answers within the write deadline: with the byte count once all are written, or with an error
   * saying why not. A write that would make more than writeQueueBytes wait is refused at once.
   */
  async write(consoleId: string, data: string, owner: MessageConnection): Promise<number> {
    const entry = this.owned(consoleId, owner);
    const bytes = entry.source.kind === 'vnc' ? base64Bytes(data, entry.vm) : Buffer.from(data, 'utf8');
    const waiting = entry.queuedBytes + entry.source.bufferedBytes();
    if (waiting + bytes.length > this.writeQueueBytes) {
      throw hostError(
        HostErrorCode.InvalidState,
        `The console of ${entry.vm} already has ${waiting} bytes waiting to be written, and at most ${this.writeQueueBytes} may wait: ${await this.stallReason(entry)}. ` +
          `This write of ${bytes.length} bytes was refused.`,
        { field: '/data', allowed: `at most ${this.writeQueueBytes} bytes waiting per console` },
      );
    }
    entry.queuedBytes += bytes.length;
    const timer = new AbortController();
    const deadlineTimer = setTimeout(() => timer.abort(), this.writeDeadlineMs);
    const deadline = timer.signal;
    const turn = entry.writes.then(() => (deadline.aborted ? 0 : entry.source.write(bytes, deadline)));
    entry.writes = turn.then(
      () => undefined,
      () => undefined,
    );
    let written: number;
    try {
      written = await turn;
    } catch (error) {
      const why = entry.closedReason ?? (error as Error).message;
      throw hostError(HostErrorCode.InvalidState, `The console of ${entry.vm} is gone: ${why}`, { field: '/consoleId' });
    } finally {
      clearTimeout(deadlineTimer);
      entry.queuedBytes -= bytes.length;
    }
    if (written === bytes.length) return written;
    throw hostError(
      HostErrorCode.InvalidState,
      `${written} of ${bytes.length} bytes reached the console of ${entry.vm} within ${this.writeDeadlineMs / 1000} s: ${await this.stallReason(entry)}. The rest was dropped.`,
      { field: '/data' },
    );
  }

  private async stallReason(entry: OpenConsole): Promise<string> {
    if (entry.closedReason !== undefined) return `the console is gone (${entry.closedReason})`;
    return entry.whyStalled().catch((error: Error) => `the console is not taking input (its state is unknown: ${error.message})`);
  }

  resize(consoleId: string, columns: number, rows: number, owner: MessageConnection): void {
    this.owned(consoleId, owner).source.resize(columns, rows);
  }

  /** `totalBytes`: all output the client has processed. Stale or repeated totals are harmless. */
  acknowledge(consoleId: string, totalBytes: number, owner: MessageConnection): void {
    const entry = this.owned(consoleId, owner);
    if (totalBytes > entry.sentBytes) {
      throw hostError(
        HostErrorCode.InvalidParams,
        `Console ${consoleId} has sent ${entry.sentBytes} bytes; ${totalBytes} cannot have been processed.`,
        { field: '/bytes' },
      );
    }
    entry.acknowledgedBytes = Math.max(entry.acknowledgedBytes, totalBytes);
    if (entry.paused && entry.sentBytes - entry.acknowledgedBytes <= this.windowBytes / 2) {
      entry.paused = false;
      entry.source.resume();
    }
  }

  close(consoleId: string, owner: MessageConnection): void {
    this.owned(consoleId, owner).close();
  }

  /** Closes every console of a connection that went away. */
  closeAllOf(owner: MessageConnection): void {
    this.departed.add(owner);
    for (const entry of [...this.consoles.values()]) if (entry.owner === owner) entry.close();
  }

  closeAll(): void {
    for (const entry of [...this.consoles.values()]) entry.close();
  }
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A VNC console's write: base64, checked, since Buffer.from would skip what is not. */
function base64Bytes(data: string, vm: string): Buffer {
  if (!base64Pattern.test(data))
    throw hostError(HostErrorCode.InvalidParams, `A write to the graphical console of ${vm} must be base64 (RFB bytes); this one is not.`, {
      field: '/data',
      allowed: 'base64: A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4 characters',
    });
  return Buffer.from(data, 'base64');
}
