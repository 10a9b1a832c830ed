// A JSON-RPC connection to a host service (schemas/src/host-protocol.ts). No `vscode` import:
// unit-tested against a stand-in service.
import type { Socket } from 'node:net';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { HostInfoRequest, hostProtocolVersion, type HostInfoResult } from '@vlm/schemas/src/host-protocol';
import { openHostSocket } from './host-state';

export interface HostClient {
  connection: MessageConnection;
  info: HostInfoResult;
  /** Resolves when the service closes the connection or the socket fails. */
  closed: Promise<void>;
  dispose(): void;
}

/**
 * Connects, then asks the service who it is; rejects with a reason a user can act on. The first
 * answer may wait on the service checking whether KVM guests run (up to 10 s where they hang).
 */
export async function openHostClient(path: string, connectTimeoutMs = 5000, answerTimeoutMs = 30_000): Promise<HostClient> {
  const socket: Socket = await openHostSocket(path, connectTimeoutMs);
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  const closed = new Promise<void>((resolve) => {
    connection.onClose(() => resolve());
    socket.once('close', () => resolve());
  });
  connection.listen();
  const dispose = () => {
    connection.dispose();
    socket.destroy();
  };
  try {
    const info = await Promise.race([
      connection.sendRequest(HostInfoRequest.type, {}),
      closed.then(() => {
        throw new Error(`Something listens on ${path}, but it closed the connection instead of answering as a VLM host service.`);
      }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`The host service at ${path} did not answer within ${answerTimeoutMs / 1000} s.`)), answerTimeoutMs).unref(),
      ),
    ]);
    if (info.protocolVersion !== hostProtocolVersion) {
      throw new Error(
        `The host service at ${path} speaks protocol version ${info.protocolVersion}; this extension speaks ${hostProtocolVersion}. Update the one that is older.`,
      );
    }
    return { connection, info, closed, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** Lines for a host's tooltip, from what its service said about itself. */
export function describeHostInfo(info: HostInfoResult): string[] {
  const memoryGiB = (info.memoryBytes / 1024 ** 3).toFixed(1);
  return [
    `${info.hostname}: ${info.cpus} CPUs, ${memoryGiB} GiB, libvirt ${info.libvirtVersion} (${info.driver} driver, ${info.virtualization})`,
    ...info.warnings,
  ];
}
