// Reads JSON-RPC messages framed by `Content-Length` headers, like vscode-jsonrpc's own reader,
// but never buffers a body above the limit: an oversized body is skipped as it streams in and
// the request is handed on as a `requestTooLargeMethod` request with the same id, so the
// client gets a clear error for exactly that request and the connection stays usable.
import type { Socket } from 'node:net';
import { AbstractMessageReader, Disposable, type DataCallback, type Message } from 'vscode-jsonrpc/node';

export const requestTooLargeMethod = '$/vlm/requestTooLarge';

export interface RequestTooLargeParams {
  bytes: number;
  limit: number;
  /** The method, when it could be read from the start of the body. */
  method?: string;
}

const maximumHeaderBytes = 8 * 1024;
/** How much of an oversized body is kept to find its id and method. */
const oversizedPrefixBytes = 4 * 1024;

type State =
  | { kind: 'header' }
  | { kind: 'body'; length: number; chunks: Buffer[]; received: number }
  | { kind: 'skip'; length: number; prefix: Buffer[]; prefixBytes: number; received: number; announced: boolean };

export class SizeLimitedMessageReader extends AbstractMessageReader {
  private buffered: Buffer = Buffer.alloc(0);
  private state: State = { kind: 'header' };
  private callback: DataCallback | undefined;
  /** Input that arrived while held: read once released, dropped when discarded. */
  private held: Buffer[] = [];
  private holding = false;
  private discarding = false;

  constructor(
    private readonly socket: Socket,
    private readonly limit: number,
    /** Sees every message before the connection does. */
    private readonly observe?: (message: Message) => void,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => this.consumeSafely(chunk);
    const onClose = () => this.fireClose();
    const onError = (error: Error) => this.fireError(error);
    this.socket.on('data', onData);
    this.socket.on('close', onClose);
    this.socket.on('error', onError);
    return Disposable.create(() => {
      this.callback = undefined;
      this.socket.off('data', onData);
      this.socket.off('close', onClose);
      this.socket.off('error', onError);
    });
  }

  /**
   * Delivers no further message until release(): what is already read waits here, and the socket
   * is paused so the rest waits in the kernel. Called from `observe` to read one message at a time.
   */
  hold(): void {
    this.holding = true;
    this.socket.pause();
  }

  /** Reads on: first what waited while held. */
  release(): void {
    if (!this.holding || this.discarding) return;
    this.holding = false;
    const waiting = Buffer.concat(this.held);
    this.held = [];
    if (waiting.length > 0) this.consumeSafely(waiting);
    if (!this.holding) this.socket.resume();
  }

  /** Never delivers another message: what waits is dropped unread, and the socket stays paused. */
  discard(): void {
    this.discarding = true;
    this.held = [];
    this.socket.pause();
  }

  private consumeSafely(chunk: Buffer): void {
    try {
      this.consume(chunk);
    } catch (error) {
      this.fireError(error);
      this.socket.destroy();
    }
  }

  private consume(chunk: Buffer): void {
    let input = chunk;
    while (input.length > 0) {
      if (this.discarding) return;
      if (this.holding) {
        this.held.push(input);
        return;
      }
      const state = this.state;
      if (state.kind === 'header') {
        this.buffered = this.buffered.length === 0 ? input : Buffer.concat([this.buffered, input]);
        input = Buffer.alloc(0);
        const end = this.buffered.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.buffered.length > maximumHeaderBytes) throw new Error('Message header too long.');
          return;
        }
        const length = contentLength(this.buffered.subarray(0, end).toString('ascii'));
        input = this.buffered.subarray(end + 4);
        this.buffered = Buffer.alloc(0);
        this.state =
          length > this.limit
            ? { kind: 'skip', length, prefix: [], prefixBytes: 0, received: 0, announced: false }
            : { kind: 'body', length, chunks: [], received: 0 };
        if (length === 0) this.finishBody();
        continue;
      }
      const wanted = state.length - state.received;
      const piece = input.subarray(0, wanted);
      input = input.subarray(piece.length);
      state.received += piece.length;
      if (state.kind === 'body') {
        state.chunks.push(piece);
        if (state.received === state.length) this.finishBody();
      } else {
        if (state.prefixBytes < oversizedPrefixBytes) {
          const kept = piece.subarray(0, oversizedPrefixBytes - state.prefixBytes);
          state.prefix.push(kept);
          state.prefixBytes += kept.length;
          if (state.prefixBytes >= oversizedPrefixBytes) this.announceOversized(state);
        }
        if (state.received === state.length) {
          this.announceOversized(state);
          this.state = { kind: 'header' };
        }
      }
    }
  }

  private finishBody(): void {
    const state = this.state;
    if (state.kind !== 'body') return;
    this.state = { kind: 'header' };
    const text = Buffer.concat(state.chunks).toString('utf8');
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      // Its id cannot be known, so it cannot be answered: closing tells the client instead of
      // leaving its request waiting forever.
      throw new Error(`Received a message that is not valid JSON (${state.length} bytes); closing the connection.`);
    }
    this.deliver(message as Message);
  }

  /** Announces an oversized request once its id is known (or can no longer be found). */
  private announceOversized(state: Extract<State, { kind: 'skip' }>): void {
    if (state.announced) return;
    state.announced = true;
    const prefix = Buffer.concat(state.prefix).toString('utf8');
    const id = /"id"\s*:\s*(\d+|"(?:[^"\\]|\\.){0,200}")/.exec(prefix)?.[1];
    const method = /"method"\s*:\s*"([^"\\]{1,200})"/.exec(prefix)?.[1];
    if (id === undefined) {
      throw new Error(
        `Received a ${state.length}-byte message, over the ${this.limit}-byte limit, with no id in its first bytes; closing the connection.`,
      );
    }
    const params: RequestTooLargeParams = { bytes: state.length, limit: this.limit, method };
    this.deliver({ jsonrpc: '2.0', id: JSON.parse(id) as number | string, method: requestTooLargeMethod, params } as Message);
  }

  private deliver(message: Message): void {
    this.observe?.(message);
    this.callback?.(message);
  }
}

function contentLength(header: string): number {
  for (const line of header.split('\r\n')) {
    const match = /^content-length:\s*(\d{1,15})\s*$/i.exec(line);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  throw new Error('Message header has no Content-Length.');
}
