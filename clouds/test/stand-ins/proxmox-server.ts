// A Proxmox VE stand-in on 127.0.0.1 over HTTPS (a CA made per run): /api2/json with its {"data": …}
// envelope, API tokens, tickets with CSRF tokens checked on every non-GET, UPID tasks, a
// privilege-separated token that sees nothing, and the failures the client must survive.
// Used by clouds/ tests, the extension's end-to-end tests and demos; run directly, it prints its URL.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApiFailure, type Principal, StandInCluster, type StandInVm } from './proxmox-cluster.js';
import { makeTestCertificates } from './test-certificate-authority.js';

export type { StandInVm } from './proxmox-cluster.js';

export interface ProxmoxStandInOptions {
  nodes?: string[];
  vms?: StandInVm[];
  /** Nodes the cluster lists, whose own calls (/nodes/{node}/…) never answer. */
  hangingNodes?: string[];
  /** Status polls a task answers "running" before it ends (default 2). */
  taskPolls?: number;
}

/** Spoils the next matching request(s): an HTTP failure, a raw body, or changed `data`. */
export interface Interference {
  method?: string;
  path: RegExp;
  times?: number;
  answer: { status: number; reason: string } | { raw: string } | { data: (data: unknown) => unknown };
}

export interface RecordedRequest {
  method: string;
  /** The path after /api2/json, as sent (still percent-encoded). */
  path: string;
  /** The query string, when there is one (GET and DELETE parameters). */
  query?: string;
  auth: 'token' | 'ticket' | 'none';
  csrf: boolean;
  /** For POST /access/ticket that succeeded: a password login, or an old ticket renewed. */
  login?: 'password' | 'renewal';
}

export interface ProxmoxStandIn {
  url: string;
  /** The CA that signed the server's certificate (PEM), and the same as a file. */
  ca: string;
  caFile: string;
  /** root@pam's token, not privilege-separated: sees and does everything. */
  token: { id: string; secret: string };
  /** A privilege-separated token with no ACL of its own: sees empty lists, is refused the rest. */
  separatedToken: { id: string; secret: string };
  user: { username: string; password: string };
  cluster: StandInCluster;
  requests: RecordedRequest[];
  interfere(interference: Interference): void;
  /** Removes a token, as "Datacenter > Permissions > API Tokens > Remove" does. */
  revokeToken(id: string): void;
  /** Makes every ticket issued so far invalid (a cluster key rotation, or two hours passing). */
  expireTickets(): void;
  close(): Promise<void>;
}

export const defaultVms: StandInVm[] = [
  {
    vmid: 100,
    node: 'pve1',
    name: 'web-1',
    status: 'running',
    cpus: 2,
    maxmem: 4_294_967_296,
    maxdisk: 34_359_738_368,
    tags: 'prod;web',
    startedAt: Date.now() - 3_600_000,
  },
  { vmid: 101, node: 'pve1', name: 'db-1', status: 'stopped', cpus: 4, maxmem: 8_589_934_592, maxdisk: 107_374_182_400 },
  {
    vmid: 200,
    node: 'pve2',
    name: 'build',
    status: 'running',
    cpus: 8,
    maxmem: 17_179_869_184,
    maxdisk: 68_719_476_736,
    startedAt: Date.now() - 60_000,
  },
];

const nodePattern = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const qemuPowerParams: Record<string, string[]> = {
  start: [
    'force-cpu',
    'machine',
    'migratedfrom',
    'migration_network',
    'migration_type',
    'nets-host-mtu',
    'skiplock',
    'stateuri',
    'targetstorage',
    'timeout',
    'with-conntrack-state',
  ],
  stop: ['keepActive', 'migratedfrom', 'overrule-shutdown', 'skiplock', 'timeout'],
  shutdown: ['forceStop', 'keepActive', 'skiplock', 'timeout'],
  reboot: ['timeout'],
  reset: ['skiplock'],
  suspend: ['skiplock', 'statestorage', 'todisk'],
  resume: ['nocheck', 'skiplock'],
};

const lxcPowerParams: Record<string, string[]> = {
  start: ['debug', 'skiplock'],
  stop: ['overrule-shutdown', 'skiplock'],
  shutdown: ['forceStop', 'timeout'],
  reboot: ['timeout'],
  suspend: [],
  resume: [],
};

/** Parameter checks as PVE's schema does them: unknown and missing parameters give 400 with an errors map. */
function checkParams(params: URLSearchParams, allowed: string[], required: string[] = []): void {
  const errors: Record<string, string> = {};
  for (const key of params.keys()) {
    if (!allowed.includes(key)) errors[key] = 'property is not defined in schema and the schema does not allow additional properties';
  }
  for (const key of required) if (!params.has(key)) errors[key] = 'property is missing and it is not optional';
  if (Object.keys(errors).length > 0) throw new ApiFailure(400, 'Parameter verification failed.', errors);
}

function checkVmid(text: string): number {
  const vmid = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(vmid >= 100 && vmid <= 999_999_999))
    throw new ApiFailure(400, 'Parameter verification failed.', { vmid: 'invalid format - value does not look like a valid VM ID' });
  return vmid;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 65_536) throw new ApiFailure(413, 'Request Entity Too Large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, reason: string, body: string): void {
  response.writeHead(status, reason, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function sendFailure(response: ServerResponse, failure: ApiFailure): void {
  const body: Record<string, unknown> = { data: null, message: `${failure.message}\n` };
  if (failure.errors !== undefined) body.errors = failure.errors;
  send(response, failure.status, failure.message, JSON.stringify(body));
}

/** The API itself: who calls, what they may do, what they get. */
class StandInApi {
  readonly hanging: Set<string>;
  readonly user = { username: 'root@pam', password: randomUUID() };
  readonly token = { id: 'root@pam!vlm', secret: randomUUID() };
  readonly separatedToken = { id: 'auditor@pve!separated', secret: randomUUID() };
  readonly tokens = new Map<string, { secret: string; principal: Principal }>([
    [this.token.id, { secret: this.token.secret, principal: StandInCluster.fullPrivileges(this.token.id) }],
    [this.separatedToken.id, { secret: this.separatedToken.secret, principal: { id: this.separatedToken.id, privileges: [] } }],
  ]);
  readonly tickets = new Map<string, { user: string; csrf: string; expiresAt: number }>();
  readonly interferences: Interference[] = [];
  readonly requests: RecordedRequest[] = [];

  constructor(
    readonly cluster: StandInCluster,
    hangingNodes: string[],
  ) {
    this.hanging = new Set(hangingNodes);
  }

  /** POST /access/ticket: a password, or a still valid ticket as the password to renew it. */
  login(params: URLSearchParams, record: RecordedRequest): unknown {
    checkParams(params, ['username', 'password', 'realm', 'new-format', 'otp', 'path', 'privs', 'tfa-challenge'], ['username', 'password']);
    const username = params.get('username') ?? '';
    const password = params.get('password') ?? '';
    const renewing = this.tickets.get(password);
    const valid =
      (username === this.user.username && password === this.user.password) ||
      (renewing?.user === username && renewing.expiresAt > Date.now());
    if (!valid) throw new ApiFailure(401, 'authentication failure');
    record.login = password === this.user.password ? 'password' : 'renewal';
    const issued = StandInCluster.newTicket(username);
    this.tickets.set(issued.ticket, { user: username, csrf: issued.csrf, expiresAt: Date.now() + 2 * 3_600_000 });
    return { username, ticket: issued.ticket, CSRFPreventionToken: issued.csrf, cap: { vms: { 'VM.Audit': 1, 'VM.PowerMgmt': 1 } } };
  }

  /** Who is calling, by token or by ticket (with the CSRF token on anything but GET), as pve-http-server checks. */
  authenticate(request: IncomingMessage, record: RecordedRequest): Principal {
    const authorization = request.headers.authorization ?? '';
    const tokenValue = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(authorization)?.[1];
    if (tokenValue !== undefined) {
      record.auth = 'token';
      const [, id = '', secret = ''] = /^(.*)=(.*)$/.exec(decodeURIComponent(tokenValue)) ?? [];
      const known = this.tokens.get(id);
      if (known === undefined) throw new ApiFailure(401, `no such token '${id.split('!')[1] ?? ''}' for user '${id.split('!')[0] ?? ''}'`);
      if (known.secret !== secret) throw new ApiFailure(401, 'invalid token value!');
      return known.principal;
    }
    const cookie =
      /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(request.headers.cookie ?? '')?.[1] ?? /(?:^|\s)PVEAuthCookie=([^;]*)/.exec(authorization)?.[1];
    if (cookie === undefined) throw new ApiFailure(401, 'No ticket');
    record.auth = 'ticket';
    const held = this.tickets.get(decodeURIComponent(cookie));
    if (held === undefined || held.expiresAt <= Date.now()) throw new ApiFailure(401, 'invalid ticket');
    if (request.method !== 'GET' && request.headers.csrfpreventiontoken !== held.csrf) {
      throw new ApiFailure(401, 'Permission denied - invalid csrf token');
    }
    return StandInCluster.fullPrivileges(held.user);
  }

  route(method: string, path: string, params: URLSearchParams, principal: Principal): unknown {
    const cluster = this.cluster;
    if (method === 'GET' && path === '/version') return { version: '9.1.2', release: '9.1', repoid: '0a1b2c3d' };
    if (method === 'GET' && path === '/nodes') return cluster.nodeRows();
    if (method === 'GET' && path === '/access/permissions') return cluster.permissions(principal);
    if (method === 'GET' && path === '/cluster/resources') {
      checkParams(params, ['type']);
      const type = params.get('type');
      if (type !== null && !['vm', 'storage', 'node', 'sdn'].includes(type)) {
        throw new ApiFailure(400, 'Parameter verification failed.', {
          type: `value '${type}' does not have a value in the enumeration 'vm, storage, node, sdn'`,
        });
      }
      return type === 'vm' || type === null ? cluster.resourceRows(principal) : [];
    }
    const [, node = '', rest = ''] = /^\/nodes\/([^/]*)(\/.*)$/.exec(path) ?? [];
    if (node === '') throw new ApiFailure(501, `Method '${method} /api2/json${path}' not implemented`);
    if (!nodePattern.test(node))
      throw new ApiFailure(400, 'Parameter verification failed.', { node: 'invalid format - value does not look like a valid node name' });
    if (!cluster.nodes.includes(node)) throw new ApiFailure(500, `no such cluster node '${node}'`);
    return this.routeNode(method, node, rest, params, principal);
  }

  private routeNode(method: string, node: string, rest: string, params: URLSearchParams, principal: Principal): unknown {
    const segments = rest.split('/').slice(1);
    const [kind, id, second, third] = segments;
    if (kind === 'qemu' || kind === 'lxc') {
      if (method === 'GET' && segments.length === 1) {
        checkParams(params, kind === 'qemu' ? ['full'] : []);
        return this.cluster.guestRows(node, kind, principal);
      }
      const vmid = checkVmid(id ?? '');
      if (method === 'GET' && segments.length === 4 && second === 'status' && third === 'current')
        return this.cluster.status(node, kind, vmid, principal);
      const allowed = (kind === 'qemu' ? qemuPowerParams : lxcPowerParams)[third ?? ''];
      if (method === 'POST' && segments.length === 4 && second === 'status' && allowed !== undefined) {
        checkParams(params, allowed);
        return this.cluster.powerAction(node, kind, vmid, third as string, principal);
      }
      if (method === 'DELETE' && segments.length === 2) {
        checkParams(
          params,
          kind === 'qemu' ? ['destroy-unreferenced-disks', 'purge', 'skiplock'] : ['destroy-unreferenced-disks', 'force', 'purge'],
        );
        return this.cluster.destroy(node, kind, vmid, principal);
      }
    }
    if (method === 'GET' && kind === 'tasks' && segments.length === 3 && second === 'status') {
      return this.cluster.taskStatus(node, decodeURIComponent(id ?? ''));
    }
    throw new ApiFailure(501, `Method '${method} /api2/json/nodes/${node}${rest}' not implemented`);
  }

  /** The next interference for this request, used up as it is taken. */
  private takeInterference(method: string, path: string): Interference['answer'] | undefined {
    const index = this.interferences.findIndex((item) => (item.method ?? method) === method && item.path.test(path));
    const interference = this.interferences[index];
    if (interference === undefined) return undefined;
    interference.times = (interference.times ?? 1) - 1;
    if (interference.times <= 0) this.interferences.splice(index, 1);
    return interference.answer;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    const path = url.pathname.startsWith('/api2/json/') ? url.pathname.slice('/api2/json'.length) : '';
    const record: RecordedRequest = {
      method,
      path: path || url.pathname,
      auth: 'none',
      csrf: request.headers.csrfpreventiontoken !== undefined,
    };
    if (url.search !== '') record.query = url.search.slice(1);
    this.requests.push(record);
    const body = await readBody(request);
    if (path === '') throw new ApiFailure(404, 'Not Found');
    const params = method === 'POST' || method === 'PUT' ? new URLSearchParams(body) : url.searchParams;
    const answer = this.takeInterference(method, path);
    if (answer !== undefined && 'status' in answer) throw new ApiFailure(answer.status, answer.reason);
    if (answer !== undefined && 'raw' in answer) return send(response, 200, 'OK', answer.raw);
    let data: unknown;
    if (method === 'POST' && path === '/access/ticket') data = this.login(params, record);
    else {
      const principal = this.authenticate(request, record);
      const node = /^\/nodes\/([^/]+)\//.exec(path)?.[1];
      if (node !== undefined && this.hanging.has(node)) return; // never answered; close() drops the socket
      data = this.route(method, path, params, principal);
    }
    if (answer !== undefined && 'data' in answer) data = answer.data(data);
    send(response, 200, 'OK', JSON.stringify({ data }));
  }
}

export async function startProxmoxStandIn(options: ProxmoxStandInOptions = {}): Promise<ProxmoxStandIn> {
  const certificates = await makeTestCertificates();
  const cluster = new StandInCluster(options.nodes ?? ['pve1', 'pve2'], options.vms ?? defaultVms, options.taskPolls ?? 2);
  const api = new StandInApi(cluster, options.hangingNodes ?? []);
  const server = createServer({ key: certificates.key, cert: certificates.cert }, (request, response) => {
    api.handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return;
      sendFailure(response, error instanceof ApiFailure ? error : new ApiFailure(500, String((error as Error).message ?? error)));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: certificates.ca,
    caFile: certificates.caFile,
    token: api.token,
    separatedToken: api.separatedToken,
    user: api.user,
    cluster,
    requests: api.requests,
    interfere: (interference) => api.interferences.push(interference),
    revokeToken: (id) => api.tokens.delete(id),
    expireTickets: () => api.tickets.clear(),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      await certificates.dispose();
    },
  };
}

// Run directly: start one and say where, for a demo or an end-to-end test in another process.
async function runAlone(): Promise<void> {
  const standIn = await startProxmoxStandIn();
  const { url, caFile, token, user } = standIn;
  console.log(
    JSON.stringify({ url, caFile, tokenId: token.id, tokenSecret: token.secret, username: user.username, password: user.password }),
  );
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) void runAlone();
