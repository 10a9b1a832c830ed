// A small typed client for the Proxmox VE API (/api2/json): one call() with a deadline and an
// AbortSignal, the cluster's CA, and either an API token or a ticket with its CSRF token, renewed
// before it expires. node:https rather than fetch: Node 20's fetch takes no per-client CA.
import { Agent, request } from 'node:https';
import { CloudError } from '../cloud-errors.js';

export type ProxmoxCredentials =
  | { kind: 'token'; tokenId: string; secret: string }
  | { kind: 'ticket'; username: string; password: string };

export interface ProxmoxClientOptions {
  /** The cluster's origin, https only, already checked (`https://pve.example:8006`). */
  url: string;
  credentials: ProxmoxCredentials;
  /** PEM certificates to trust instead of the system's (the cluster's pve-root-ca.pem). */
  ca?: string;
  timeoutMs: number;
  /** The clock, for ticket renewal. */
  now?: () => number;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface CallOptions {
  params?: Record<string, string | number>;
  signal?: AbortSignal;
}

/** A ticket lasts two hours; it is renewed (with itself as the password) after this. */
export const ticketRenewalMs = 90 * 60_000;
/** Answers larger than this are refused rather than buffered. */
const maximumAnswerBytes = 32 * 1024 * 1024;

interface Ticket {
  ticket: string;
  csrf: string;
  at: number;
}

interface Answer {
  status: number;
  reason: string;
  body: string;
}

export class ProxmoxClient {
  private readonly agent: Agent;
  private readonly now: () => number;
  private ticket?: Promise<Ticket>;

  constructor(private readonly options: ProxmoxClientOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 8, ...(options.ca === undefined ? {} : { ca: options.ca }) });
    this.now = options.now ?? Date.now;
  }

  /** Calls the API and returns its `data`, or throws a CloudError. */
  async call(method: Method, path: string, options: CallOptions = {}): Promise<unknown> {
    const credentials = this.options.credentials;
    if (credentials.kind === 'token') {
      return this.unwrap(
        method,
        path,
        await this.send(method, path, options, { Authorization: `PVEAPIToken=${credentials.tokenId}=${credentials.secret}` }),
      );
    }
    const ticket = await this.currentTicket(options.signal);
    const answer = await this.send(method, path, options, ticketHeaders(method, ticket));
    if (answer.status !== 401) return this.unwrap(method, path, answer);
    // Refused (restarted cluster, revoked session): one fresh login, shared by the calls refused
    // with the same ticket, then the answer stands.
    const latest = await this.ticket?.catch(() => undefined);
    const fresh = latest !== undefined && latest !== ticket ? latest : await this.login(undefined, options.signal);
    return this.unwrap(method, path, await this.send(method, path, options, ticketHeaders(method, fresh)));
  }

  /** Closes the kept-alive sockets. */
  dispose(): void {
    this.agent.destroy();
  }

  private async currentTicket(signal?: AbortSignal): Promise<Ticket> {
    const pending = this.ticket;
    const held = pending === undefined ? undefined : await pending.catch(() => undefined);
    // Another call logged in or renewed meanwhile: use that one rather than a second login.
    if (this.ticket !== pending) return this.currentTicket(signal);
    if (held === undefined) return this.login(undefined, signal);
    if (this.now() - held.at < ticketRenewalMs) return held;
    return this.login(held, signal).catch(() => this.login(undefined, signal));
  }

  /** POST /access/ticket with the password, or with the old ticket to renew it; one login at a time. */
  private login(renew: Ticket | undefined, signal?: AbortSignal): Promise<Ticket> {
    const credentials = this.options.credentials;
    if (credentials.kind !== 'ticket') throw new Error('login() is for ticket credentials');
    const attempt = (async () => {
      const params = { username: credentials.username, password: renew?.ticket ?? credentials.password };
      const data = this.unwrap('POST', '/access/ticket', await this.send('POST', '/access/ticket', { params, signal }, {}));
      const fields = data as { ticket?: unknown; CSRFPreventionToken?: unknown } | null;
      if (typeof fields?.ticket !== 'string' || typeof fields.CSRFPreventionToken !== 'string') {
        if (fields !== null && typeof fields === 'object' && 'NeedTFA' in fields) {
          throw new CloudError('auth', 'proxmox', `${credentials.username} needs a second factor to log in`, {
            hint: 'Use an API token (tokenId and tokenSecret) for this account instead of a password.',
          });
        }
        throw new CloudError('malformed', 'proxmox', 'POST /access/ticket answered without a ticket and CSRFPreventionToken');
      }
      return { ticket: fields.ticket, csrf: fields.CSRFPreventionToken, at: this.now() };
    })();
    this.ticket = attempt;
    return attempt;
  }

  private send(method: Method, path: string, options: CallOptions, headers: Record<string, string>): Promise<Answer> {
    const { query, body } = encodeParams(method, options.params);
    const url = `${this.options.url}/api2/json${path}${query}`;
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
    const allHeaders: Record<string, string> = { Accept: 'application/json', ...headers };
    if (body !== undefined) {
      allHeaders['Content-Type'] = 'application/x-www-form-urlencoded';
      allHeaders['Content-Length'] = String(Buffer.byteLength(body));
    }
    return new Promise<Answer>((resolve, reject) => {
      const fail = (error: Error & { code?: string }) => reject(this.transportError(method, path, error, deadline, options.signal));
      const outgoing = request(url, { method, headers: allHeaders, agent: this.agent, signal }, (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maximumAnswerBytes) {
            incoming.destroy();
            reject(new CloudError('malformed', 'proxmox', `${method} ${path} answered more than ${maximumAnswerBytes} bytes`));
          } else chunks.push(chunk);
        });
        incoming.on('error', fail);
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, reason: incoming.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      outgoing.on('error', fail);
      outgoing.end(body);
    });
  }

  private transportError(method: Method, path: string, error: Error & { code?: string }, deadline: AbortSignal, caller?: AbortSignal) {
    const where = `${method} ${path} at ${this.options.url}`;
    if (caller?.aborted) return new CloudError('unreachable', 'proxmox', `${where} was cancelled`, { code: 'aborted', cause: error });
    if (deadline.aborted) {
      return new CloudError('unreachable', 'proxmox', `${where} did not answer within ${this.options.timeoutMs / 1000} s`, {
        code: 'timeout',
        hint: 'The node may be down or overloaded; raise timeoutSeconds in the account settings if it is only slow.',
        cause: error,
      });
    }
    const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(error.code ?? '');
    return new CloudError('unreachable', 'proxmox', `${where} failed: ${error.message}`, {
      code: error.code,
      hint: tls
        ? "The server's certificate is not trusted: set caFile to the cluster's CA (/etc/pve/pve-root-ca.pem on a node)."
        : 'Check the address and port (usually 8006) and that this machine can reach it.',
      cause: error,
    });
  }

  /** The `data` of a 2xx answer, or the CloudError its status means. */
  private unwrap(method: Method, path: string, answer: Answer): unknown {
    let parsed: unknown;
    try {
      parsed = answer.body === '' ? {} : JSON.parse(answer.body);
    } catch {
      if (answer.status >= 200 && answer.status < 300) {
        throw new CloudError('malformed', 'proxmox', `${method} ${path} answered ${answer.status} with a body that is not JSON`, {
          status: answer.status,
        });
      }
    }
    if (answer.status >= 200 && answer.status < 300) {
      if (parsed === null || typeof parsed !== 'object' || !('data' in parsed)) {
        throw new CloudError('malformed', 'proxmox', `${method} ${path} answered without the {"data": …} envelope`, {
          status: answer.status,
        });
      }
      return (parsed as { data: unknown }).data;
    }
    throw statusError(method, path, answer, parsed, this.options.credentials.kind);
  }
}

function ticketHeaders(method: Method, ticket: Ticket): Record<string, string> {
  const headers: Record<string, string> = { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket.ticket)}` };
  if (method !== 'GET') headers.CSRFPreventionToken = ticket.csrf;
  return headers;
}

function encodeParams(method: Method, params: CallOptions['params']): { query: string; body?: string } {
  const encoded = new URLSearchParams(
    Object.entries(params ?? {}).map(([key, value]): [string, string] => [key, String(value)]),
  ).toString();
  if (method === 'POST' || method === 'PUT') return { query: '', body: encoded };
  return { query: encoded === '' ? '' : `?${encoded}` };
}

/** PVE puts the message in the reason phrase, and sometimes `message` and per-parameter `errors` in the body. */
function statusError(method: Method, path: string, answer: Answer, parsed: unknown, auth: ProxmoxCredentials['kind']): CloudError {
  const body = (parsed ?? {}) as { message?: unknown; errors?: unknown };
  const said = typeof body.message === 'string' && body.message.trim() !== '' ? body.message.trim() : answer.reason;
  const errors = body.errors !== null && typeof body.errors === 'object' ? Object.entries(body.errors as Record<string, unknown>) : [];
  const detail = errors.length > 0 ? ` (${errors.map(([key, value]) => `${key}: ${String(value).trim()}`).join('; ')})` : '';
  const message = `${method} ${path}: ${said.slice(0, 300)}${detail}`;
  const details = { code: String(answer.status), status: answer.status };
  if (answer.status === 401) {
    const hint =
      auth === 'token'
        ? 'The API token was refused: check tokenId and tokenSecret; the token may have expired or been removed (Datacenter > Permissions > API Tokens).'
        : 'The user name or password was refused, or the ticket expired: check username and password.';
    return new CloudError('auth', 'proxmox', message, { ...details, hint });
  }
  if (answer.status === 403) {
    return new CloudError('permission', 'proxmox', message, {
      ...details,
      hint: 'Grant the user (and, for a privilege-separated token, the token itself) a role with VM.Audit and VM.PowerMgmt on /vms.',
    });
  }
  if (/does not exist|no such (vm|node|task)|not found/i.test(said)) return new CloudError('notFound', 'proxmox', message, details);
  if (/already running|is running|not running|is locked/i.test(said)) return new CloudError('wrongState', 'proxmox', message, details);
  if (answer.status === 595 || answer.status === 596) {
    return new CloudError('unreachable', 'proxmox', message, {
      ...details,
      hint: 'The cluster could not reach that node; check that it is online.',
    });
  }
  if (answer.status === 400) return new CloudError('invalidInput', 'proxmox', message, details);
  return new CloudError('provider', 'proxmox', message, details);
}
