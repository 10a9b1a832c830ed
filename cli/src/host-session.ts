// A command's session with vlm-host: where it is (--host, $VLM_HOST, the service's default
// socket), host-client's connection (with its version check) over the Unix socket, Ctrl-C as
// request cancellation, and failures as `vlm: ...` lines with an exit code.
import { CancellationTokenSource, type MessageConnection, type NotificationType, type RequestType } from 'vscode-jsonrpc/node';
import type { HostErrorData } from '@vlm/schemas/src/host-protocol';
import { commandLineSocketFailure } from '@vlm/host-client/src/connection-errors';
import { checkHostConnection, openHostSocket, type CheckedConnection } from '@vlm/host-client/src/connection';
import { HostRequestCancelled, HostRequestError, sendHostRequest } from '@vlm/host-client/src/host-requests';
import { defaultSocketPath } from '@vlm/schemas/src/socket-defaults';
import type { CommandOutput, ParsedArguments } from './command-table';
import { exitCodes, UsageError } from './exit-codes';

export { hostOption, jsonOption, yesOption } from './host-options';

/** The socket path from --host, else $VLM_HOST, else the default. */
export function hostSocketPath(parsed: ParsedArguments, commandPath: string): string {
  const given = parsed.options.get('host');
  const fromEnvironment = process.env.VLM_HOST;
  const [address, source] =
    given !== undefined ? [given, 'option --host'] : fromEnvironment ? [fromEnvironment, 'VLM_HOST'] : [undefined, ''];
  if (address === undefined) {
    const path = defaultSocketPath(process.getuid?.() === 0, process.env.XDG_RUNTIME_DIR);
    if (path === undefined) {
      throw new UsageError(
        'XDG_RUNTIME_DIR is not set, so there is no default host socket: give it with --host unix:PATH or VLM_HOST.',
        commandPath,
      );
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

/** How long the host may take to say who it is (it may first check whether KVM guests run). */
const answerTimeoutMs = 30_000;

export class HostSession {
  readonly address: string;
  readonly connection: MessageConnection;
  private readonly cancellation = new CancellationTokenSource();
  private interrupted = false;
  private readonly interruptListeners: Array<() => void> = [];
  private readonly onSignal = () => this.interrupt();
  private readonly closed: Promise<never>;

  private constructor(
    private readonly client: CheckedConnection,
    socketPath: string,
  ) {
    this.connection = client.connection;
    this.address = `unix:${socketPath}`;
    // Rejects when the host goes away, so no request waits for an answer that cannot come.
    this.closed = new Promise<never>((_resolve, reject) => {
      this.connection.onClose(() =>
        reject(
          new ReportedFailure(`the host service at ${this.address} closed the connection (did vlm-host stop?).`, exitCodes.hostUnreachable),
        ),
      );
    });
    this.closed.catch(() => undefined);
    process.on('SIGINT', this.onSignal);
  }

  /** Connects and checks the host's protocol version; an unreachable or other host exits 3. */
  static async open(socketPath: string): Promise<HostSession> {
    try {
      const socket = await openHostSocket(socketPath, undefined, commandLineSocketFailure);
      const client = await checkHostConnection(socket, {
        where: `at unix:${socketPath}`,
        client: 'this vlm',
        closedEarly: `something listens on unix:${socketPath}, but it closed the connection instead of answering as a VLM host service.`,
        timeoutMs: answerTimeoutMs,
        versionUnknownOnHostError: true,
      });
      return new HostSession(client, socketPath);
    } catch (error) {
      throw new ReportedFailure(error instanceof Error ? error.message : String(error), exitCodes.hostUnreachable);
    }
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
      return await sendHostRequest(this.connection, type, params, { token: this.cancellation.token, closed: this.closed });
    } catch (error) {
      if (this.interrupted || error instanceof HostRequestCancelled) throw new Cancelled('cancelled');
      if (error instanceof HostRequestError) throw new ReportedFailure(error.message, exitCodes.problems);
      throw error;
    }
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    this.connection.onNotification(type, handler);
  }

  close(): void {
    process.removeListener('SIGINT', this.onSignal);
    this.client.dispose();
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
