// One JSON-RPC connection to vlm-host, over a local socket or any stream (an SSH-forwarded
// channel): the first request asks who the service is and refuses another protocol version, so
// every client fails the same way, early, with a reason a user can act on.
import type { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { HostInfoRequest, hostProtocolVersion, type HostInfoResult } from '@vlm/schemas/src/host-protocol';
import { noAnswerReason, socketFailureReason, versionMismatchReason } from './connection-errors';

export interface HostClient {
  connection: MessageConnection;
  info: HostInfoResult;
  /** Resolves when the service closes the connection or the stream fails. */
  closed: Promise<void>;
  dispose(): void;
}

/**
 * Connects to a host service's Unix socket; rejects with `describeFailure`'s reason. Without
 * `timeoutMs` it waits as long as the system does (a Unix socket answers at once or fails).
 */
export function openHostSocket(
  path: string,
  timeoutMs?: number,
  describeFailure: (path: string, error: NodeJS.ErrnoException) => string = socketFailureReason,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            socket.destroy();
            reject(new Error(noAnswerReason(`at ${path}`, timeoutMs)));
          }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(describeFailure(path, error), { cause: error }));
    });
  });
}

/** A listening connection on `stream`, and a promise that resolves when it is gone. */
export function startHostConnection(
  stream: Duplex,
  alsoEndedBy: EventEmitter[] = [],
): { connection: MessageConnection; closed: Promise<void> } {
  const reader = new StreamMessageReader(stream);
  // Nothing listens for partial-message events, and vscode-jsonrpc re-arms their 10 s timer for
  // ever once a stream closes mid-message: a ref'd timer that kept a finished process alive.
  reader.partialMessageTimeout = 0;
  const connection = createMessageConnection(reader, new StreamMessageWriter(stream));
  const closed = new Promise<void>((resolve) => {
    connection.onClose(() => resolve());
    for (const emitter of [stream, ...alsoEndedBy]) emitter.once('close', () => resolve());
  });
  connection.listen();
  return { connection, closed };
}

export interface HandshakeOptions {
  /** Where the service is, after "The host service": "at PATH", "on user@host". */
  where: string;
  /** Who is asking, for the version mismatch: "this extension", "this vlm". */
  client: string;
  /** What to say when the stream closes before the service answers. */
  closedEarly: string;
  timeoutMs: number;
  /** Further emitters whose 'close' ends the connection (the SSH client under a channel). */
  alsoEndedBy?: EventEmitter[];
  /** Run when the client is disposed, after the connection and the stream. */
  release?: () => void;
}

/** A connection whose service answered as a VLM host of this protocol version, as far as known. */
export interface CheckedConnection extends Omit<HostClient, 'info'> {
  /** Undefined when the service answered who it is with a host error (libvirt down, say). */
  info: HostInfoResult | undefined;
}

/**
 * Speaks the host protocol on `stream`: asks the service who it is and checks its version. The
 * first answer may wait on the service checking whether KVM guests run (up to 10 s where they
 * hang). A host error in answer fails too, unless `versionUnknownOnHostError` (the CLI: a lab's
 * recorded status needs no libvirt). On failure the stream is released and the reason thrown.
 */
export async function checkHostConnection(
  stream: Duplex,
  options: HandshakeOptions & { versionUnknownOnHostError?: boolean },
): Promise<CheckedConnection> {
  const { connection, closed } = startHostConnection(stream, options.alsoEndedBy);
  const dispose = () => {
    connection.dispose();
    stream.destroy();
    options.release?.();
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const asked = connection.sendRequest(HostInfoRequest.type, {}).catch((error: unknown) => {
      if (options.versionUnknownOnHostError && error instanceof ResponseError) return undefined;
      throw error;
    });
    const info = await Promise.race([
      asked,
      closed.then(() => {
        throw new Error(options.closedEarly);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(noAnswerReason(options.where, options.timeoutMs))), options.timeoutMs);
      }),
    ]);
    if (info && info.protocolVersion !== hostProtocolVersion) {
      throw new Error(versionMismatchReason(options.where, info.protocolVersion, hostProtocolVersion, options.client));
    }
    return { connection, info, closed, dispose };
  } catch (error) {
    dispose();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** As checkHostConnection, where the service must say who it is. */
export async function speakHostProtocol(stream: Duplex, options: HandshakeOptions): Promise<HostClient> {
  const checked = await checkHostConnection(stream, options);
  const { info } = checked;
  if (!info) throw new Error(options.closedEarly); // not reached: without versionUnknownOnHostError a host error throws
  return { ...checked, info };
}

/** Connects to the socket at `path` and speaks the host protocol on it, for the extension. */
export async function openHostClient(path: string, connectTimeoutMs = 5000, answerTimeoutMs = 30_000): Promise<HostClient> {
  const socket = await openHostSocket(path, connectTimeoutMs);
  return speakHostProtocol(socket, {
    where: `at ${path}`,
    client: 'this extension',
    closedEarly: `Something listens on ${path}, but it closed the connection instead of answering as a VLM host service.`,
    timeoutMs: answerTimeoutMs,
  });
}

/** Lines for a host's tooltip, from what its service said about itself. */
export function describeHostInfo(info: HostInfoResult): string[] {
  const memoryGiB = (info.memoryBytes / 1024 ** 3).toFixed(1);
  return [
    `${info.hostname}: ${info.cpus} CPUs, ${memoryGiB} GiB, libvirt ${info.libvirtVersion} (${info.driver} driver, ${info.virtualization})`,
    ...info.warnings,
  ];
}
