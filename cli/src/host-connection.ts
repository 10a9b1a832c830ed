// The connection to vlm-host: where it is (--host, $VLM_HOST, the service's default socket),
// one vscode-jsonrpc connection over the Unix socket, Ctrl-C as request cancellation, and the
// host's errors turned into messages a user can act on.
import { connect, type Socket } from 'node:net';
import {
  CancellationTokenSource,
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
  type NotificationType,
  type RequestType,
} from 'vscode-jsonrpc/node';
import { HostErrorCode, type HostErrorData } from '@vlm/schemas/src/host-protocol';
import type { CommandOutput, OptionSpec, ParsedArguments } from './command-table';
import { printable } from './diagnostic-report';
import { exitCodes, UsageError } from './exit-codes';

export const hostOption: OptionSpec = {
  name: 'host',
  valueName: 'ADDRESS',
  description: 'The host service, as unix:PATH (default: $VLM_HOST, else the socket vlm-host uses by default).',
};

export const yesOption: OptionSpec = { name: 'yes', short: 'y', description: 'Do not ask for confirmation.' };
export const jsonOption: OptionSpec = { name: 'json', description: 'Print one JSON document instead of text.' };

/** The socket vlm-host listens on when started without --socket (see host-service/src/main.ts). */
export function defaultSocketPath(): string | undefined {
  if (process.getuid?.() === 0) return '/run/vlm/vlm-host.sock';
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime ? `${runtime.replace(/\/$/, '')}/vlm/vlm-host.sock` : undefined;
}

/** The socket path from --host, else $VLM_HOST, else the default. */
export function hostSocketPath(parsed: ParsedArguments, commandPath: string): string {
  const given = parsed.options.get('host');
  const fromEnvironment = process.env.VLM_HOST;
  const [address, source] =
    given !== undefined ? [given, 'option --host'] : fromEnvironment ? [fromEnvironment, 'VLM_HOST'] : [undefined, ''];
  if (address === undefined) {
    const path = defaultSocketPath();
    if (path === undefined) {
      throw new UsageError('XDG_RUNTIME_DIR is not set, so there is no default host socket: give it with --host unix:PATH or VLM_HOST.', commandPath);
    }
    return path;
  }
  if (!address.startsWith('unix:') || address.length === 'unix:'.length) {
    throw new UsageError(
      `${source} must be unix:PATH, the host service's Unix socket (such as unix:/run/vlm/vlm-host.sock); got '${address}'. Remote hosts are not supported yet.`,
      commandPath,
    );
  }
  return address.slice('unix:'.length);
}

/** A failure already explained to the user; carries the exit code. */
export class ReportedFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'ReportedFailure';
  }
}

/** Thrown by requests once the user has pressed Ctrl-C. */
export class Cancelled extends Error {
  override readonly name = 'Cancelled';
}

function unreachableMessage(socketPath: string, error: NodeJS.ErrnoException): string {
  const where = `unix:${socketPath}`;
  const start = `'vlm-host --socket ${socketPath}' (or 'systemctl start vlm-host'), or point --host or VLM_HOST at the right socket`;
  switch (error.code) {
    case 'ENOENT':
      return `no host service at ${where}: the socket does not exist. Is vlm-host running? Start it with ${start}.`;
    case 'ECONNREFUSED':
      return `no host service at ${where}: nothing is listening on the socket (a stale socket?). Is vlm-host running? Start it with ${start}.`;
    case 'EACCES':
    case 'EPERM':
      return `cannot connect to the host service at ${where}: permission denied. Run as a user in the socket's group, or as root.`;
    case 'ENOTSOCK':
      return `${where} is not a socket: point --host or VLM_HOST at vlm-host's socket.`;
    default:
      return `cannot connect to the host service at ${where}: ${error.message}.`;
  }
}

/** The message of a host error, with the field it names and each problem it lists. */
export function describeHostError(error: ResponseError<HostErrorData>): string {
  const data = error.data;
  const lines = [printable(error.message)];
  const problems = data?.problems ?? [];
  if (problems.length > 1) {
    for (const problem of problems) lines.push(`  ${printable(problem.field)}: ${printable(problem.message)}`);
  } else if (data?.allowed) {
    lines.push(`  ${data.field ? `${printable(data.field)}: ` : ''}allowed: ${printable(data.allowed)}`);
  }
  return lines.join('\n');
}

export class HostSession {
  readonly address: string;
  private readonly cancellation = new CancellationTokenSource();
  private interrupted = false;
  private readonly interruptListeners: Array<() => void> = [];
  private readonly onSignal = () => this.interrupt();
  private readonly closed: Promise<never>;

  private constructor(
    readonly connection: MessageConnection,
    private readonly socket: Socket,
    socketPath: string,
  ) {
    this.address = `unix:${socketPath}`;
    // Rejects when the host goes away, so no request waits for an answer that cannot come.
    this.closed = new Promise<never>((_resolve, reject) => {
      connection.onClose(() => reject(new ReportedFailure(`the host service at ${this.address} closed the connection (did vlm-host stop?).`, exitCodes.hostUnreachable)));
    });
    this.closed.catch(() => undefined);
    process.on('SIGINT', this.onSignal);
  }

  static async open(socketPath: string): Promise<HostSession> {
    const socket = connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new ReportedFailure(unreachableMessage(socketPath, error), exitCodes.hostUnreachable)));
    });
    const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    connection.listen();
    return new HostSession(connection, socket, socketPath);
  }

  get wasInterrupted(): boolean {
    return this.interrupted;
  }

  /** Runs `listener` on the first Ctrl-C (besides cancelling the in-flight requests); returns a remover. */
  onInterrupt(listener: () => void): () => void {
    this.interruptListeners.push(listener);
    return () => {
      const index = this.interruptListeners.indexOf(listener);
      if (index >= 0) this.interruptListeners.splice(index, 1);
    };
  }

  interrupt(): void {
    if (this.interrupted) {
      // A second Ctrl-C: the user does not want to wait for the host's answer.
      process.exit(exitCodes.cancelled);
    }
    this.interrupted = true;
    this.cancellation.cancel();
    for (const listener of this.interruptListeners) listener();
  }

  /** Sends a request, cancelled by Ctrl-C; host errors become ReportedFailure with the host's message. */
  async request<P, R>(type: RequestType<P, R, HostErrorData>, params: P): Promise<R> {
    if (this.interrupted) throw new Cancelled('cancelled');
    try {
      return await Promise.race([this.connection.sendRequest(type, params, this.cancellation.token), this.closed]);
    } catch (error) {
      if (this.interrupted || (error instanceof ResponseError && error.code === HostErrorCode.RequestCancelled)) throw new Cancelled('cancelled');
      if (error instanceof ResponseError) throw new ReportedFailure(describeHostError(error as ResponseError<HostErrorData>), exitCodes.problems);
      throw error;
    }
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    this.connection.onNotification(type, handler);
  }

  close(): void {
    process.removeListener('SIGINT', this.onSignal);
    this.connection.dispose();
    this.socket.destroy();
  }
}

/** Runs `body`, printing a ReportedFailure as `vlm: ...` and exiting 130 quietly on Ctrl-C. */
export async function reportFailures(output: CommandOutput, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof Cancelled) return exitCodes.cancelled;
    if (error instanceof ReportedFailure) {
      output.stderr(`vlm: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

/** Connects, runs `body`, always closes; failures are reported as by reportFailures. */
export async function withHost(
  parsed: ParsedArguments,
  commandPath: string,
  output: CommandOutput,
  body: (session: HostSession) => Promise<number>,
): Promise<number> {
  const socketPath = hostSocketPath(parsed, commandPath);
  let session: HostSession | undefined;
  return reportFailures(output, async () => {
    try {
      session = await HostSession.open(socketPath);
      return await body(session);
    } catch (error) {
      if (session?.wasInterrupted) throw new Cancelled('cancelled');
      throw error;
    } finally {
      session?.close();
    }
  });
}
