// Requests to vlm-host that fail with the host's own words: a host error becomes a
// HostRequestError whose message carries the field it names and each problem it lists, a
// cancelled request becomes HostRequestCancelled, and a lost connection fails the request
// instead of leaving it waiting for an answer that cannot come.
import { type CancellationToken, type MessageConnection, ResponseError, type RequestType } from 'vscode-jsonrpc';
import { HostErrorCode, type HostErrorData } from '@vlm/schemas/src/host-protocol';
import { printable } from './printable';

/** The host refused or failed the request; `message` is ready to show. */
export class HostRequestError extends Error {
  override readonly name = 'HostRequestError';
  constructor(
    message: string,
    readonly code: number,
    readonly data: HostErrorData | undefined,
  ) {
    super(message);
  }
}

/** The request was cancelled before the host answered. */
export class HostRequestCancelled extends Error {
  override readonly name = 'HostRequestCancelled';
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

export interface HostRequestOptions {
  token?: CancellationToken;
  /** Rejects when the connection is gone; the request then fails with its reason. */
  closed?: Promise<never>;
}

/** Sends one typed request; see the top of this file for how it fails. */
export async function sendHostRequest<P, R>(
  connection: MessageConnection,
  type: RequestType<P, R, HostErrorData>,
  params: P,
  options: HostRequestOptions = {},
): Promise<R> {
  const sent = options.token ? connection.sendRequest(type, params, options.token) : connection.sendRequest(type, params);
  try {
    return await (options.closed ? Promise.race([sent, options.closed]) : sent);
  } catch (error) {
    if (error instanceof ResponseError) {
      if (error.code === HostErrorCode.RequestCancelled) throw new HostRequestCancelled(error.message);
      throw new HostRequestError(
        describeHostError(error as ResponseError<HostErrorData>),
        error.code,
        error.data as HostErrorData | undefined,
      );
    }
    throw error;
  }
}
