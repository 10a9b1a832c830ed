// A VM console as a stream of text both ways over a host connection: opening, typing, resizing,
// closing, the host's flow-control acknowledgements, and why a console ended. No `vscode`
// import: the terminal in console-terminals.ts only shows what this produces. Unit-tested.
import type { MessageConnection } from 'vscode-jsonrpc';
import {
  ConsoleClosedNotification,
  ConsoleOutputNotification,
  ConsolesAckRequest,
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
  VmsListRequest,
  type ConsoleKind,
} from '@vlm/schemas/src/host-protocol';
import { ConsoleOutputAcknowledger } from '@vlm/schemas/src/console-flow';

/** Which console: the same VM name in two labs, or on two hosts, is two consoles. */
export interface ConsoleKey {
  host: string;
  lab: string;
  vm: string;
  kind: ConsoleKind;
}

export function consoleKeyText(key: ConsoleKey): string {
  return JSON.stringify([key.host, key.lab, key.vm, key.kind]);
}

/** The terminal's name, e.g. "web-1 serial (lab-a on local)". */
export function consoleTitle(key: ConsoleKey): string {
  return `${key.vm} ${key.kind === 'ssh' ? 'SSH' : 'serial'} (${key.lab} on ${key.host})`;
}

/** Where a session's output goes: a terminal, or a test. */
export interface ConsoleSink {
  output(text: string): void;
  /** The console ended without the user closing it; `reason` is in words. */
  ended(reason: string): void;
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
    known.length === 0 ? `The host has no VMs of lab "${lab}".` : `Lab "${lab}" has no VM "${vm}" on this host; it has ${known.join(', ')}.`,
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

/** Output shown but not yet acknowledged is acknowledged after this long without more. */
const idleAcknowledgeMs = 50;

export interface ConsoleOpenOptions {
  key: ConsoleKey;
  /** The libvirt domain name (findDomainName). */
  domain: string;
  columns?: number;
  rows?: number;
}

export class ConsoleSession {
  private consoleId: string | undefined;
  private finished = false;
  private sink: ConsoleSink | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private endReason: string | undefined;
  private acknowledger: ConsoleOutputAcknowledger | undefined;
  private acknowledgeTimer: NodeJS.Timeout | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private stopWatchingConnection: () => void = () => undefined;
  private size: { columns: number; rows: number } | undefined;

  private constructor(
    private readonly connection: MessageConnection,
    readonly key: ConsoleKey,
  ) {}

  /** Opens the console on the host; output until a sink is attached is kept for it. */
  static async open(connection: MessageConnection, options: ConsoleOpenOptions): Promise<ConsoleSession> {
    const session = new ConsoleSession(connection, options.key);
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
    const kept = this.pending.join('');
    this.pending = [];
    if (kept) sink.output(kept);
    if (this.pendingBytes > 0) {
      this.acknowledger?.processed(this.pendingBytes);
      this.acknowledger?.flush();
      this.pendingBytes = 0;
    }
    if (this.endReason !== undefined) sink.ended(this.endReason);
  }

  /** Keys typed by the user, in order; dropped once the console has ended. */
  write(data: string): void {
    if (this.finished || !this.consoleId) return;
    const consoleId = this.consoleId;
    this.writes = this.writes.then(() => ignoringFailure(() => this.connection.sendRequest(ConsolesWriteRequest.type, { consoleId, data })));
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

/** Open consoles by key, so a second open reveals the first instead of adding another. */
export class ConsoleRegistry<T> {
  private readonly entries = new Map<string, T>();

  get(key: ConsoleKey): T | undefined {
    return this.entries.get(consoleKeyText(key));
  }

  set(key: ConsoleKey, value: T): void {
    this.entries.set(consoleKeyText(key), value);
  }

  /** Removes `key` only while it still maps to `value` (a newer console may have replaced it). */
  delete(key: ConsoleKey, value: T): void {
    if (this.entries.get(consoleKeyText(key)) === value) this.entries.delete(consoleKeyText(key));
  }

  values(): T[] {
    return [...this.entries.values()];
  }
}

/** The line a terminal shows when its console ends on its own; the host's reason is a sentence. */
export function endedLine(reason: string): string {
  const sentence = reason.trim().replace(/^./, (first) => first.toUpperCase());
  const ended = /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
  return `\r\n\x1b[33m[${ended} Close this terminal when done.]\x1b[0m\r\n`;
}
