// The Tools catalog's health check, run in the extension host (Node, no vscode): one HEAD request
// per tool (GET when the server refuses HEAD with 405 or 501), the status and the time to the
// response's headers, within a timeout that also ends redirects. The body is never read: the
// socket is closed as soon as the headers arrive. Redirects are followed only to http and https
// URLs the catalog would accept itself, a few at most. A few tools are checked at once.
import * as http from 'node:http';
import * as https from 'node:https';
import type { ToolHealth } from '@vlm/schemas';
import { toolUrlProblem } from '../model/tool-url';

export interface HealthCheckOptions {
  /** The whole check, redirects included. */
  timeoutMs?: number;
  /** Ends every check still running (the panel closed). */
  signal?: AbortSignal;
  maxRedirects?: number;
  /** How many tools are checked at once. */
  concurrency?: number;
  now?: () => Date;
}

export const defaultHealthCheck = { timeoutMs: 5000, maxRedirects: 3, concurrency: 4 } as const;

const maxErrorLength = 500;

interface Answer {
  status: number;
  location: string | undefined;
}

class CheckFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Checks one URL; never throws: a failure is the result's `error`. */
export async function checkToolHealth(url: string, options: HealthCheckOptions = {}): Promise<ToolHealth> {
  const timeoutMs = options.timeoutMs ?? defaultHealthCheck.timeoutMs;
  const checkedAt = (options.now?.() ?? new Date()).toISOString();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const stop = () => controller.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) controller.abort();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const status = await followRedirects(url, controller.signal, options.maxRedirects ?? defaultHealthCheck.maxRedirects);
    return { checkedAt, status, latencyMs: elapsed() };
  } catch (error) {
    const message = controller.signal.aborted
      ? options.signal?.aborted
        ? 'the check was stopped'
        : `no answer within ${timeoutMs / 1000} s`
      : describeError(error);
    const health: ToolHealth = { checkedAt, error: message.slice(0, maxErrorLength) };
    if (error instanceof CheckFailure && error.status !== undefined) health.status = error.status;
    return health;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
  }
}

async function followRedirects(start: string, signal: AbortSignal, maxRedirects: number): Promise<number> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    const problem = toolUrlProblem(url);
    if (problem) throw new CheckFailure(redirects === 0 ? `the URL is refused: ${problem}` : `a redirect was not followed: ${problem}`);
    let answer = await request(new URL(url), 'HEAD', signal);
    if (answer.status === 405 || answer.status === 501) answer = await request(new URL(url), 'GET', signal);
    if (answer.status < 300 || answer.status >= 400 || answer.location === undefined) return answer.status;
    let next: URL;
    try {
      next = new URL(answer.location, url);
    } catch {
      throw new CheckFailure('it redirects to an address that is not a URL', answer.status);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      throw new CheckFailure(`it redirects to a ${next.protocol} URL, which is not followed`, answer.status);
    if (redirects >= maxRedirects) throw new CheckFailure(`more than ${maxRedirects} redirects`, answer.status);
    url = next.href;
  }
}

/** One request; resolves on the response's headers and closes the connection without reading the body. */
function request(url: URL, method: 'HEAD' | 'GET', signal: AbortSignal): Promise<Answer> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      url,
      // A connection of its own, closed after the headers: nothing is pooled or kept open.
      { method, signal, agent: false, headers: { 'user-agent': 'vlm-tools-health-check', accept: '*/*' } },
      (response) => {
        resolve({ status: response.statusCode ?? 0, location: response.headers.location });
        response.destroy();
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function describeError(error: unknown): string {
  if (error instanceof CheckFailure) return error.message;
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
  }
  const text = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${text}` : text;
}

/** Checks each target, `concurrency` at a time; `checked` hears each result as it arrives. */
export async function checkToolsHealth<Target extends { url: string }>(
  targets: readonly Target[],
  options: HealthCheckOptions,
  checked: (target: Target, health: ToolHealth) => void | Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < targets.length && !options.signal?.aborted) {
      const target = targets[next++] as Target;
      await checked(target, await checkToolHealth(target.url, options));
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? defaultHealthCheck.concurrency, targets.length));
  await Promise.all(Array.from({ length: workers }, worker));
}
