// Serves the host API on a Unix socket (and, with --listen, on TLS over TCP, where the first
// request must present the token): one vscode-jsonrpc connection per client, params
// validated before any handler runs, request bodies size-limited, and a bounded number of
// unanswered requests per client (past it, the socket stops being read: TCP-style backpressure
// instead of an ever-growing queue).
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { chmod, chown, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createMessageConnection,
  type CancellationToken,
  type Message,
  type MessageConnection,
  type MessageWriter,
  type ResponseMessage,
} from 'vscode-jsonrpc/node';
import { AuthenticateRequest, HostErrorCode, hostRequestParams, maximumRequestBytes } from '@vlm/schemas/src/host-protocol';
import { socketAnswers } from '@vlm/schemas/src/socket-probe';
import { fromHypervisorError, hostError } from '../host-errors';
import { FramedMessageWriter } from './framed-message-writer';
import type { ClientSession, HandlerTable, RequestContext } from './handler-table';
import { isHostRequestMethod, paramsError } from './params-validation';
import { AuthenticationRateLimit, peerAddress, tokenMatches, type RemoteListenConfig } from './remote-listen';
import type { SocketGroup } from './socket-group';
import { requestTooLargeMethod, SizeLimitedMessageReader, type RequestTooLargeParams } from './size-limited-message-reader';

export interface HostServerOptions {
  socketPath: string;
  /** The group that may use the Unix socket besides its owner; without one the socket is 0600. */
  socketGroup?: SocketGroup;
  handlers: HandlerTable;
  log: (line: string) => void;
  /** Unanswered requests per connection before its socket is paused; 256 when not given. */
  maximumInFlight?: number;
  maximumRequestBytes?: number;
  /** Queued output per connection (a client that stops reading) before it is disconnected. */
  maximumQueuedOutputBytes?: number;
}

const defaultMaximumInFlight = 256;

/** How long a TCP client has to authenticate before it is disconnected. */
const authenticationDeadlineMs = 10_000;

export class SocketInUseError extends Error {
  override readonly name = 'SocketInUseError';
}

/** Makes `path` free for listening: a stale socket is removed, a live one or another file refused. */
async function prepareSocketPath(path: string, group: SocketGroup | undefined, log: (line: string) => void): Promise<void> {
  if (Buffer.byteLength(path) > 107) {
    throw new Error(`The socket path ${path} is ${Buffer.byteLength(path)} bytes; Unix sockets allow at most 107.`);
  }
  const folder = dirname(path);
  const made = await mkdir(folder, { recursive: true, mode: group ? 0o750 : 0o700 });
  if (group) {
    // A folder we made is the group's to pass through; one that was there is left as it is.
    if (made !== undefined) await chown(folder, process.getuid?.() ?? -1, group.gid);
    const info = await stat(folder);
    const traversable = (info.mode & 0o001) !== 0 || ((info.mode & 0o010) !== 0 && info.gid === group.gid);
    if (!traversable)
      log(
        `Members of group ${group.name} cannot reach the socket: its folder ${folder} is mode ${(info.mode & 0o777).toString(8).padStart(4, '0')} with group ${info.gid}.`,
      );
  }
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!isSocket) throw new SocketInUseError(`${path} exists and is not a socket; vlm-host will not replace it.`);
  if (await socketAnswers(path))
    throw new SocketInUseError(`Another service is already listening on ${path}; vlm-host will not take its socket.`);
  await unlink(path).catch(() => undefined);
  log(`Removed the stale socket ${path} of a service that is no longer running.`);
}

/** Counts answers as they finish writing, so the reader can pause while too many are pending. */
class CountingWriter implements MessageWriter {
  constructor(
    private readonly inner: FramedMessageWriter,
    private readonly onAnswered: () => void,
  ) {}
  get onError() {
    return this.inner.onError;
  }
  get onClose() {
    return this.inner.onClose;
  }
  async write(message: Message): Promise<void> {
    try {
      await this.inner.write(message);
    } finally {
      if (isResponse(message)) this.onAnswered();
    }
  }
  end(): void {
    this.inner.end();
  }
  dispose(): void {
    this.inner.dispose();
  }
}

function isResponse(message: Message): boolean {
  const candidate = message as Partial<ResponseMessage> & { method?: unknown };
  return candidate.id !== undefined && candidate.method === undefined;
}

function isRequest(message: Message): boolean {
  const candidate = message as { id?: unknown; method?: unknown };
  return candidate.id !== undefined && candidate.id !== null && typeof candidate.method === 'string';
}

interface ConnectionEntry {
  socket: Socket;
  connection: MessageConnection;
  session: ClientSession;
}

/** One connection's unanswered requests and its progress through authentication. */
interface ConnectionState {
  inFlight: number;
  paused: boolean;
  warned: boolean;
  /** TCP connections start unauthenticated; a refused one is closed once its answer is written. */
  authenticated: boolean;
  closeAfterAnswer: boolean;
  authenticationTimer: NodeJS.Timeout | undefined;
}

/** Ends what a closed connection held: its event subscription and its cleanups. */
function closeSession(session: ClientSession): void {
  session.stopEvents?.();
  for (const cleanup of session.cleanups.values()) cleanup();
  session.cleanups.clear();
}

/** An authenticated request: checked against the protocol, then given to its handler. */
async function dispatchRequest(handlers: HandlerTable, method: string, params: unknown, context: RequestContext): Promise<unknown> {
  if (method === requestTooLargeMethod) {
    const details = params as RequestTooLargeParams;
    throw hostError(
      HostErrorCode.RequestTooLarge,
      `The request${details.method ? ` ${details.method}` : ''} is ${details.bytes} bytes; this host accepts at most ${details.limit} bytes per request.`,
      { field: '', allowed: `a request body of at most ${details.limit} bytes` },
    );
  }
  if (!isHostRequestMethod(method)) {
    throw hostError(HostErrorCode.MethodNotFound, `Unknown method ${JSON.stringify(method.slice(0, 100))}.`, {
      allowed: Object.keys(hostRequestParams).join(', '),
    });
  }
  // JSON-RPC allows omitting params; for us that means an empty object.
  const given = params === undefined ? {} : params;
  const invalid = paramsError(method, given);
  if (invalid) throw invalid;
  // Already authenticated, or on the Unix socket where the file mode is the access check.
  if (method === AuthenticateRequest.method) return { authenticated: true };
  const handler = handlers.get(method);
  if (!handler) throw hostError(HostErrorCode.NotImplemented, `${method} is not implemented by this vlm-host yet.`);
  try {
    return await handler(given, context);
  } catch (error) {
    throw fromHypervisorError(error);
  }
}

export class HostServer {
  private readonly connections = new Set<ConnectionEntry>();
  private readonly closedListeners = new Set<() => void>();
  /** For TCP: failed authentications per peer address. */
  private readonly rateLimit = new AuthenticationRateLimit();

  private constructor(
    private readonly server: Server,
    readonly socketPath: string,
    private readonly options: HostServerOptions,
    /** Set for TCP: the token every connection must present first. */
    private readonly token?: string,
  ) {}

  /** TLS over TCP for hosts not reached over SSH; the config is checked by loadRemoteListenConfig. */
  static async listenRemote(options: Omit<HostServerOptions, 'socketPath'> & { remote: RemoteListenConfig }): Promise<HostServer> {
    const { host: address, port, certificate, privateKey, token } = options.remote;
    const server = createTlsServer({ cert: certificate, key: privateKey, minVersion: 'TLSv1.2' });
    const shown = `${address.includes(':') ? `[${address}]` : address}:${port}`;
    const host = new HostServer(server, shown, { ...options, socketPath: shown }, token);
    server.on('secureConnection', (socket) => host.accept(socket));
    server.on('tlsClientError', (error) => options.log(`A TLS client failed its handshake: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return host;
  }

  static async listen(options: HostServerOptions): Promise<HostServer> {
    const group = options.socketGroup;
    await prepareSocketPath(options.socketPath, group, options.log);
    const server = createServer();
    const host = new HostServer(server, options.socketPath, options);
    server.on('connection', (socket) => host.accept(socket));
    // The socket file is created by listen(); the umask makes it owner-only from the start, the
    // group is let in only once the file has that group.
    const previousUmask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(previousUmask);
    }
    if (group) {
      await chown(options.socketPath, process.getuid?.() ?? -1, group.gid);
      await chmod(options.socketPath, 0o660);
    } else {
      await chmod(options.socketPath, 0o600);
    }
    return host;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Calls `listener` each time a client's connection ends. */
  onConnectionClosed(listener: () => void): void {
    this.closedListeners.add(listener);
  }

  private forget(entry: ConnectionEntry): void {
    if (!this.connections.delete(entry)) return;
    for (const listener of this.closedListeners) listener();
  }

  private accept(socket: Socket): void {
    const { log } = this.options;
    const state = this.startAuthentication(socket);
    const reader = this.flowControlledReader(socket, state);
    const writer = this.countingWriter(socket, state);
    const connection = createMessageConnection(
      reader,
      writer,
      {
        error: (text) => log(`connection: ${text}`),
        warn: (text) => log(`connection: ${text}`),
        info: () => undefined,
        log: () => undefined,
      },
      {
        connectionStrategy: {
          // A request cancelled before it started is answered without running it.
          cancelUndispatched: (message) => {
            const error = hostError(HostErrorCode.RequestCancelled, 'The request was cancelled before it started.');
            return { jsonrpc: '2.0', id: (message as unknown as { id: number | string }).id, error: error.toJson() };
          },
        },
      },
    );
    const session: ClientSession = { cleanups: new Map() };
    const entry = { socket, connection, session };
    this.connections.add(entry);

    const peer = peerAddress(socket.remoteAddress);
    connection.onRequest(async (method: string, params: unknown, token: CancellationToken) => {
      if (!state.authenticated) return this.authenticate(method, params, { state, reader, peer });
      return dispatchRequest(this.options.handlers, method, params, { token, connection, session });
    });
    this.watchConnection(entry, state);
    connection.listen();
  }

  /** TCP connections start unauthenticated, with a deadline to authenticate; Unix ones do not. */
  private startAuthentication(socket: Socket): ConnectionState {
    const authenticated = this.token === undefined;
    const authenticationTimer = authenticated
      ? undefined
      : setTimeout(() => {
          this.options.log('Disconnecting a TCP client that did not authenticate in time.');
          socket.destroy();
        }, authenticationDeadlineMs);
    authenticationTimer?.unref();
    return { inFlight: 0, paused: false, warned: false, authenticated, closeAfterAnswer: false, authenticationTimer };
  }

  /** Reads requests, and stops reading the socket while too many of them are unanswered. */
  private flowControlledReader(socket: Socket, state: ConnectionState): SizeLimitedMessageReader {
    const { log } = this.options;
    const maximumInFlight = this.options.maximumInFlight ?? defaultMaximumInFlight;
    const reader: SizeLimitedMessageReader = new SizeLimitedMessageReader(
      socket,
      this.options.maximumRequestBytes ?? maximumRequestBytes,
      (message) => {
        if (!isRequest(message)) return;
        // Unauthenticated, one request at a time: pipelined guesses wait unread behind the first,
        // and are never read if it fails.
        if (!state.authenticated) reader.hold();
        state.inFlight += 1;
        if (!state.paused && state.inFlight >= maximumInFlight) {
          state.paused = true;
          socket.pause();
          if (!state.warned) log(`A client has ${state.inFlight} unanswered requests: reading from it pauses until half are answered.`);
          state.warned = true;
        }
      },
    );
    return reader;
  }

  /** Writes answers, and resumes reading once half of the unanswered requests are answered. */
  private countingWriter(socket: Socket, state: ConnectionState): CountingWriter {
    const maximumInFlight = this.options.maximumInFlight ?? defaultMaximumInFlight;
    return new CountingWriter(new FramedMessageWriter(socket), () => {
      if (state.closeAfterAnswer) socket.destroySoon();
      state.inFlight -= 1;
      if (state.paused && state.inFlight <= maximumInFlight / 2) {
        state.paused = false;
        socket.resume();
      }
    });
  }

  /** The first request of a TCP connection: vlm/authenticate with this host's token, or the connection closes. */
  private authenticate(
    method: string,
    params: unknown,
    { state, reader, peer }: { state: ConnectionState; reader: SizeLimitedMessageReader; peer: string },
  ): { authenticated: true } {
    const { log } = this.options;
    const presented = (params as { token?: unknown } | undefined)?.token;
    const refuse = (message: string, allowed = `${AuthenticateRequest.method} with this host's token as the first request`) => {
      // Nothing more is read from this connection: it ends once this answer is written.
      reader.discard();
      state.closeAfterAnswer = true;
      this.rateLimit.recordFailure(peer);
      return hostError(HostErrorCode.Unauthenticated, `${message} The connection is closed.`, { allowed });
    };
    const waitMs = this.rateLimit.retryAfterMs(peer);
    if (waitMs > 0) {
      const { maximumFailures, windowMs } = this.rateLimit;
      log(`Refused a TCP client from ${peer} without checking its token: too many failed authentications.`);
      // Not counted again: waiting out the window is enough to be let in.
      reader.discard();
      state.closeAfterAnswer = true;
      throw hostError(
        HostErrorCode.Unauthenticated,
        `Too many failed authentications from ${peer}: at most ${maximumFailures} in ${windowMs / 1000} s. ` +
          `This connection was not checked; try again in ${Math.ceil(waitMs / 1000)} s. The connection is closed.`,
        { allowed: `at most ${maximumFailures} failed authentications per address in ${windowMs / 1000} s` },
      );
    }
    if (method !== AuthenticateRequest.method)
      throw refuse(
        `This host needs ${AuthenticateRequest.method} with its token as the first request, not ${JSON.stringify(method.slice(0, 100))}.`,
      );
    if (typeof presented !== 'string' || presented.length > 4096)
      throw refuse('The authentication request has no token (params: { "token": "..." }).');
    if (!tokenMatches(presented, this.token as string)) {
      log(`A TCP client from ${peer} presented a wrong token; its connection is closed.`);
      throw refuse("The token is not this host's token.");
    }
    state.authenticated = true;
    clearTimeout(state.authenticationTimer);
    reader.release();
    return { authenticated: true };
  }

  /** Cleans up when either side closes, and cuts off a client that stops reading. */
  private watchConnection(entry: ConnectionEntry, state: ConnectionState): void {
    const { socket, connection, session } = entry;
    const { log } = this.options;
    const maximumQueued = this.options.maximumQueuedOutputBytes ?? 64 * 1024 * 1024;
    connection.onError(([error]) => log(`connection error: ${error.message}`));
    connection.onClose(() => {
      closeSession(session);
      this.forget(entry);
    });
    // A client that stops reading while events pile up is cut off rather than let memory grow.
    const watchOutput = setInterval(() => {
      if (socket.writableLength > maximumQueued) {
        log(`Disconnecting a client that stopped reading (${socket.writableLength} bytes queued).`);
        socket.destroy();
      }
    }, 1000);
    watchOutput.unref();
    socket.on('close', () => {
      clearInterval(watchOutput);
      clearTimeout(state.authenticationTimer);
      closeSession(session);
      connection.dispose();
      this.forget(entry);
    });
    socket.on('error', () => undefined);
  }

  /** Stops accepting, closes every client connection, removes the socket file. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const { socket, session } of this.connections) {
      session.stopEvents?.();
      socket.end();
      socket.destroySoon();
    }
    await closed;
  }
}
