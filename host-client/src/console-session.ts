// A VM console as a stream of text both ways over a host connection: opening, typing (split to
// the host's write limit, a failed write reported rather than dropped), resizing, closing, the
// host's flow-control acknowledgements, and why a console ended. The extension's terminals show
// what this produces.
import type { MessageConnection } from 'vscode-jsonrpc';
import {
  ConsoleClosedNotification,
  ConsoleOutputNotification,
  ConsolesAckRequest,
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
  consoleWriteMaximumCharacters,
  VmsListRequest,
  type ConsoleKind,
} from '@vlm/schemas/src/host-protocol';
import { ConsoleOutputAcknowledger } from '@vlm/schemas/src/console-flow';
import { sendHostRequest } from './host-requests';

/** Which console: the same VM name in two labs, or on two hosts, is two consoles. */
export interface ConsoleKey {
  host: string;
  lab: string;
  vm: string;
  kind: ConsoleKind;
}

/** Where a session's output goes: a terminal, or a test. */
export interface ConsoleSink {
  output(text: string): void;
  /** The console ended without the user closing it; `reason` is in words. */
  ended(reason: string): void;
  /** Typed text did not reach the console (the rest of that write was not sent); `reason` is in words. */
  writeFailed(reason: string): void;
}

interface Route {
  output(data: string, bytes: number): void;
  closed(reason: string): void;
}

/**
 * One per host connection: vscode-jsonrpc takes one handler per notification, and output can
 * arrive before the open request's answer names the console, so early output waits here.
 */
class ConsoleRouter {
  private readonly routes = new Map<string, Route>();
  private readonly early = new Map<string, Array<(route: Route) => void>>();
  private readonly connectionLost = new Set<() => void>();

  constructor(connection: MessageConnection) {
    connection.onNotification(ConsoleOutputNotification.type, ({ consoleId, data, bytes }) =>
      this.deliver(consoleId, (route) => route.output(data, bytes)),
    );
    connection.onNotification(ConsoleClosedNotification.type, ({ consoleId, reason }) =>
      this.deliver(consoleId, (route) => route.closed(reason)),
    );
    connection.onClose(() => {
      for (const lost of [...this.connectionLost]) lost();
    });
  }

  attach(consoleId: string, route: Route): void {
    this.routes.set(consoleId, route);
    for (const delivery of this.early.get(consoleId) ?? []) delivery(route);
    this.early.delete(consoleId);
  }

  detach(consoleId: string): void {
    this.routes.delete(consoleId);
    this.early.delete(consoleId);
  }

  onConnectionLost(listener: () => void): () => void {
    this.connectionLost.add(listener);
    return () => this.connectionLost.delete(listener);
  }

  private deliver(consoleId: string, delivery: (route: Route) => void): void {
    const route = this.routes.get(consoleId);
    if (route) {
      delivery(route);
      return;
    }
    const waiting = this.early.get(consoleId) ?? [];
    waiting.push(delivery);
    this.early.set(consoleId, waiting);
  }
}

const routers = new WeakMap<MessageConnection, ConsoleRouter>();

function routerOf(connection: MessageConnection): ConsoleRouter {
  let router = routers.get(connection);
  if (!router) {
    router = new ConsoleRouter(connection);
    routers.set(connection, router);
  }
  return router;
}

/** The libvirt domain name of VM `vm` of lab `lab`; throws naming the VMs the lab has. */
export async function findDomainName(connection: MessageConnection, lab: string, vm: string): Promise<string> {
  const { vms } = await connection.sendRequest(VmsListRequest.type, { lab });
  const found = vms.find((summary) => summary.labVm === vm);
  if (found) return found.name;
  const known = vms.map((summary) => summary.labVm).filter((name) => name !== undefined);
  throw new Error(
    known.length === 0
      ? `The host has no VMs of lab "${lab}".`
      : `Lab "${lab}" has no VM "${vm}" on this host; it has ${known.join(', ')}.`,
  );
}

/**
 * For requests whose failure changes nothing for the user: a lost connection ends the console
 * through onClose anyway. vscode-jsonrpc throws at once on a disposed connection, hence the try.
 */
async function ignoringFailure(send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch {
    // Nothing to do; see above.
  }
}

/**
 * `text` in pieces of at most consoleWriteMaximumCharacters, never splitting a surrogate pair,
 * so each piece is a write the host accepts.
 */
export function consoleWritePieces(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + consoleWriteMaximumCharacters, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/** Output shown but not yet acknowledged is acknowledged after this long without more. */
const idleAcknowledgeMs = 50;

export interface ConsoleOpenOptions {
  key: ConsoleKey;
  /** The libvirt domain name (findDomainName). */
  domain: string;
  columns?: number;
  rows?: number;
  /**
   * 'caller': output is acknowledged only through processed(), for a sink that hands it on (the
   * graphical console's panel) and knows later when it was taken. Default: once given to the sink.
   */
  acknowledge?: 'sink' | 'caller';
}

export class ConsoleSession {
  private consoleId: string | undefined;
  private finished = false;
  private sink: ConsoleSink | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private endReason: string | undefined;
  private failedWrites: string[] = [];
  private acknowledger: ConsoleOutputAcknowledger | undefined;
  private acknowledgeTimer: NodeJS.Timeout | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private stopWatchingConnection: () => void = () => undefined;
  private size: { columns: number; rows: number } | undefined;
  private acknowledgedByCaller = false;

  private constructor(
    private readonly connection: MessageConnection,
    readonly key: ConsoleKey,
  ) {}

  /** Opens the console on the host; output until a sink is attached is kept for it. */
  static async open(connection: MessageConnection, options: ConsoleOpenOptions): Promise<ConsoleSession> {
    const session = new ConsoleSession(connection, options.key);
    session.acknowledgedByCaller = options.acknowledge === 'caller';
    const router = routerOf(connection);
    const size = options.columns && options.rows ? { columns: options.columns, rows: options.rows } : {};
    const { consoleId } = await connection.sendRequest(ConsolesOpenRequest.type, {
      vm: options.domain,
      kind: options.key.kind,
      ...size,
      ...(options.key.kind === 'ssh' ? { term: 'xterm-256color' } : {}),
      flowControl: true,
    });
    session.consoleId = consoleId;
    session.acknowledger = new ConsoleOutputAcknowledger((bytes) => {
      if (!session.finished) void ignoringFailure(() => connection.sendRequest(ConsolesAckRequest.type, { consoleId, bytes }));
    });
    session.stopWatchingConnection = router.onConnectionLost(() => session.end(`The connection to host "${options.key.host}" was lost`));
    router.attach(consoleId, {
      output: (data, bytes) => session.receive(data, bytes),
      closed: (reason) => session.end(reason),
    });
    return session;
  }

  get ended(): boolean {
    return this.finished;
  }

  /** Sends what is kept so far to `sink`, then everything as it comes. */
  attach(sink: ConsoleSink): void {
    this.sink = sink;
    // A VNC console's pieces are base64 each: joined they would not decode.
    const kept = this.key.kind === 'vnc' ? this.pending : [this.pending.join('')];
    this.pending = [];
    for (const piece of kept) if (piece) sink.output(piece);
    if (this.pendingBytes > 0 && !this.acknowledgedByCaller) {
      this.acknowledger?.processed(this.pendingBytes);
      this.acknowledger?.flush();
      this.pendingBytes = 0;
    }
    for (const reason of this.failedWrites.splice(0)) sink.writeFailed(reason);
    if (this.endReason !== undefined) sink.ended(this.endReason);
  }

  /**
   * Keys typed or text pasted by the user, in order, in pieces the host accepts. Dropped once the
   * console has ended; a piece the host refuses is reported to the sink and the rest of that
   * write is not sent, so a paste arrives whole or visibly not at all.
   */
  write(data: string): void {
    if (this.finished || !this.consoleId) return;
    const consoleId = this.consoleId;
    this.writes = this.writes.then(() => this.send(consoleId, data));
  }

  /** Resolves once every write so far has been answered. */
  written(): Promise<void> {
    return this.writes.then(() => undefined);
  }

  /** The terminal's size; the host passes it to an SSH console's pty and ignores it for serial. */
  resize(columns: number, rows: number): void {
    if (this.finished || !this.consoleId || columns < 1 || rows < 1) return;
    if (this.size?.columns === columns && this.size.rows === rows) return;
    this.size = { columns, rows };
    const consoleId = this.consoleId;
    void ignoringFailure(() => this.connection.sendRequest(ConsolesResizeRequest.type, { consoleId, columns, rows }));
  }

  /** Closed by the user: tell the host, then forget the console. */
  async close(): Promise<void> {
    if (this.finished) return;
    const consoleId = this.consoleId;
    this.finish();
    if (consoleId) await ignoringFailure(() => this.connection.sendRequest(ConsolesCloseRequest.type, { consoleId }));
  }

  private async send(consoleId: string, data: string): Promise<void> {
    for (const piece of consoleWritePieces(data)) {
      if (this.finished) return;
      try {
        await sendHostRequest(this.connection, ConsolesWriteRequest.type, { consoleId, data: piece });
      } catch (error) {
        if (this.finished) return;
        const reason = `${data.length} typed characters did not reach the console: ${error instanceof Error ? error.message : String(error)}`;
        if (this.sink) this.sink.writeFailed(reason);
        else this.failedWrites.push(reason);
        return;
      }
    }
  }

  private receive(data: string, bytes: number): void {
    if (this.finished) return;
    if (!this.sink) {
      // Not shown yet, so not acknowledged: the host holds back until the terminal opens.
      this.pending.push(data);
      this.pendingBytes += bytes;
      return;
    }
    this.sink.output(data);
    // Shown: the host may send more.
    if (!this.acknowledgedByCaller) this.processed(bytes);
  }

  /** `bytes` more of the output were taken by whoever the sink hands it to (acknowledge: 'caller'). */
  processed(bytes: number): void {
    if (this.finished) return;
    this.acknowledger?.processed(bytes);
    clearTimeout(this.acknowledgeTimer);
    this.acknowledgeTimer = setTimeout(() => this.acknowledger?.flush(), idleAcknowledgeMs);
  }

  private end(reason: string): void {
    if (this.finished) return;
    this.finish();
    this.endReason = reason;
    this.sink?.ended(reason);
  }

  private finish(): void {
    this.finished = true;
    clearTimeout(this.acknowledgeTimer);
    this.stopWatchingConnection();
    if (this.consoleId) routerOf(this.connection).detach(this.consoleId);
  }
}
