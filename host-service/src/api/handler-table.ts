// The request handlers by method, and what each one is given: the transport looks a method up
// here, and the handler modules fill the table.
import type { CancellationToken, MessageConnection, RequestType } from 'vscode-jsonrpc/node';
import type { HostErrorData } from '@vlm/schemas/src/host-protocol';

/** What a handler knows about the request and the client that sent it. */
export interface RequestContext {
  token: CancellationToken;
  connection: MessageConnection;
  session: ClientSession;
}

/** Per-connection state. */
export interface ClientSession {
  stopEvents?: () => void;
  /** Run when the connection closes, one per kind of thing the connection holds. */
  readonly cleanups: Map<string, () => void>;
}

type Handler = (params: unknown, context: RequestContext) => Promise<unknown>;

export class HandlerTable {
  private readonly handlers = new Map<string, Handler>();

  on<P, R>(type: RequestType<P, R, HostErrorData>, handler: (params: P, context: RequestContext) => Promise<R>): void {
    this.handlers.set(type.method, handler as Handler);
  }

  get(method: string): Handler | undefined {
    return this.handlers.get(method);
  }
}
