// A loopback Compute Engine (REST v1) for tests, benchmarks and demos: it answers the calls the GCP
// provider makes, in Google's JSON shapes, behind a bearer token it issues itself at /token
// (the refresh grant of an `external_account_authorized_user` credentials file).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ComputeState, GceRefusal, type GceInstance, type PowerVerb, selfLinkBase } from './gcp-compute-state.js';

export { ComputeState, GceRefusal, type GceInstance, type GceOperation, type GceOperationError } from './gcp-compute-state.js';

const namePattern = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const projectPattern = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const pageSizeLimit = 500;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
}

/** An injected failure for the next matching request(s): Google's error JSON, or a broken body. */
export interface Fault {
  /** Tested against `METHOD /path` (path without the query). Every request when absent. */
  match?: RegExp;
  status: number;
  reason?: string;
  googleStatus?: string;
  message?: string;
  /** `truncated`: JSON cut short; `html`: an HTML page instead of JSON. */
  body?: 'truncated' | 'html';
  /** Answers this JSON instead (a hostile or odd answer the client must refuse). */
  json?: unknown;
  times?: number;
}

export interface GcpStandIn {
  /** `http://127.0.0.1:PORT` */
  url: string;
  project: string;
  state: ComputeState;
  requests: RecordedRequest[];
  /** Token grants answered at /token. */
  tokenGrants: number;
  /** The credentials file a client loads: its token_url points here. */
  credentials: Record<string, string>;
  zones: string[];
  failNext(fault: Fault): void;
  /** Refuses a permission, as IAM would (`compute.instances.stop`…). */
  deny(permission: string): void;
  /** Every token issued so far stops working, as after expiry or revocation. */
  revokeTokens(): void;
  close(): Promise<void>;
}

export interface GcpStandInOptions {
  project: string;
  zones: string[];
  /** The refresh token the credentials file carries; a secret the tests grep for. */
  refreshToken?: string;
}

interface Context {
  project: string;
  zones: string[];
  state: ComputeState;
  tokens: Set<string>;
  denied: Set<string>;
  faults: Fault[];
  requests: RecordedRequest[];
  client: { id: string; secret: string; refreshToken: string };
  grants: number;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, reason: string, googleStatus: string, message: string): void {
  send(response, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: googleStatus } });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

/** The OAuth refresh grant gcloud's workforce credentials use: client id and secret in Basic auth. */
function answerToken(context: Context, request: IncomingMessage, body: string, response: ServerResponse): void {
  const basic = `Basic ${Buffer.from(`${context.client.id}:${context.client.secret}`).toString('base64')}`;
  if (request.method !== 'POST' || request.headers.authorization !== basic) {
    send(response, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    return;
  }
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== context.client.refreshToken) {
    send(response, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
    return;
  }
  const token = `ya29.stand-in-${randomBytes(24).toString('hex')}`;
  context.tokens.add(token);
  context.grants += 1;
  send(response, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
}

function takeFault(context: Context, line: string): Fault | undefined {
  const index = context.faults.findIndex((fault) => !fault.match || fault.match.test(line));
  if (index < 0) return undefined;
  const fault = context.faults[index] as Fault;
  fault.times = (fault.times ?? 1) - 1;
  if (fault.times <= 0) context.faults.splice(index, 1);
  return fault;
}

function answerFault(response: ServerResponse, fault: Fault): void {
  if (fault.json !== undefined) {
    send(response, fault.status, fault.json);
    return;
  }
  if (fault.body === 'truncated') {
    response.writeHead(fault.status, { 'content-type': 'application/json; charset=UTF-8' });
    response.end('{"kind": "compute#instanceList", "items": [{"name": "half');
    return;
  }
  if (fault.body === 'html') {
    response.writeHead(fault.status, { 'content-type': 'text/html; charset=UTF-8' });
    response.end('<!DOCTYPE html><html><body><h1>Error: Server Error</h1></body></html>');
    return;
  }
  sendError(response, fault.status, fault.reason ?? 'backendError', fault.googleStatus ?? 'INTERNAL', fault.message ?? 'Internal error.');
}

function invalid(field: string, value: string, pattern: RegExp): GceRefusal {
  return new GceRefusal(
    400,
    'invalid',
    'INVALID_ARGUMENT',
    `Invalid value for field '${field}': '${value}'. Must be a match of regex '${pattern.source}'`,
  );
}

function pageOf<T>(all: T[], query: Record<string, string>): { page: T[]; nextPageToken?: string } {
  const size = query.maxResults === undefined ? pageSizeLimit : Number(query.maxResults);
  if (!Number.isInteger(size) || size < 0 || size > pageSizeLimit) {
    throw new GceRefusal(
      400,
      'invalid',
      'INVALID_ARGUMENT',
      `Invalid value for field 'maxResults': '${query.maxResults}'. Must be between 0 and 500`,
    );
  }
  let start = 0;
  if (query.pageToken) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(query.pageToken, 'base64url').toString());
    if (!decoded) throw new GceRefusal(400, 'invalid', 'INVALID_ARGUMENT', `Invalid value for field 'pageToken': '${query.pageToken}'`);
    start = Number(decoded[1]);
  }
  const end = start + (size === 0 ? pageSizeLimit : size);
  return { page: all.slice(start, end), nextPageToken: end < all.length ? Buffer.from(`offset:${end}`).toString('base64url') : undefined };
}

function permissionFor(method: string, rest: string[]): string {
  if (rest[0] === 'aggregated') return 'compute.instances.list';
  if (rest.length <= 2) return rest.length === 1 ? 'compute.zones.list' : 'compute.zones.get';
  if (rest[2] === 'operations') return 'compute.zoneOperations.get';
  if (rest.length === 3) return 'compute.instances.list';
  if (method === 'DELETE') return 'compute.instances.delete';
  return rest.length === 4 ? 'compute.instances.get' : `compute.instances.${rest[4]}`;
}

function listZones(context: Context, query: Record<string, string>): unknown {
  const items = context.zones.map((zone, index) => ({
    kind: 'compute#zone',
    id: String(2000 + index),
    name: zone,
    description: zone,
    status: 'UP',
    region: `${selfLinkBase}/projects/${context.project}/regions/${zone.slice(0, zone.lastIndexOf('-'))}`,
    selfLink: `${selfLinkBase}/projects/${context.project}/zones/${zone}`,
  }));
  const { page, nextPageToken } = pageOf(items, query);
  return {
    kind: 'compute#zoneList',
    id: `projects/${context.project}/zones`,
    items: page,
    nextPageToken,
    selfLink: `${selfLinkBase}/projects/${context.project}/zones`,
  };
}

/** Aggregated list: one page spans zones; zones with nothing on this page carry Google's warning. */
function listAggregated(context: Context, query: Record<string, string>): unknown {
  const { page, nextPageToken } = pageOf(context.state.list(), query);
  const items: Record<string, unknown> = {};
  for (const zone of context.zones) {
    const instances = page.filter(([instanceZone]) => instanceZone === zone).map(([, instance]) => instance);
    items[`zones/${zone}`] =
      instances.length > 0
        ? { instances }
        : {
            warning: {
              code: 'NO_RESULTS_ON_PAGE',
              message: `There are no results for scope 'zones/${zone}' on this page.`,
              data: [{ key: 'scope', value: `zones/${zone}` }],
            },
          };
  }
  const base = `${selfLinkBase}/projects/${context.project}`;
  return {
    kind: 'compute#instanceAggregatedList',
    id: `projects/${context.project}/aggregated/instances`,
    items,
    nextPageToken,
    selfLink: `${base}/aggregated/instances`,
  };
}

function listZoneInstances(context: Context, zone: string, query: Record<string, string>): unknown {
  const { page, nextPageToken } = pageOf(
    context.state.list(zone).map(([, instance]): GceInstance => instance),
    query,
  );
  const link = `${selfLinkBase}/projects/${context.project}/zones/${zone}/instances`;
  return {
    kind: 'compute#instanceList',
    id: `projects/${context.project}/zones/${zone}/instances`,
    items: page,
    nextPageToken,
    selfLink: link,
  };
}

/** Routes `/compute/v1/projects/{project}/…` after auth; throws GceRefusal for Google's error answers. */
function route(context: Context, method: string, segments: string[], query: Record<string, string>): unknown {
  const [project, ...rest] = segments;
  if (!project || !projectPattern.test(project)) throw invalid('project', project ?? '', projectPattern);
  if (project !== context.project) {
    throw new GceRefusal(
      403,
      'forbidden',
      'PERMISSION_DENIED',
      `Required '${permissionFor(method, rest)}' permission for 'projects/${project}'`,
    );
  }
  const permission = permissionFor(method, rest);
  if (context.denied.has(permission)) {
    throw new GceRefusal(403, 'forbidden', 'PERMISSION_DENIED', `Required '${permission}' permission for 'projects/${project}'`);
  }
  const get = method === 'GET';
  if (get && rest.length === 2 && rest[0] === 'aggregated' && rest[1] === 'instances') return listAggregated(context, query);
  if (rest[0] !== 'zones') throw new GceRefusal(404, 'notFound', 'NOT_FOUND', 'Not Found');
  if (get && rest.length === 1) return listZones(context, query);
  const zone = rest[1] as string;
  if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone)) throw invalid('zone', zone, /^[a-z]+-[a-z]+\d+-[a-z]$/);
  if (!context.zones.includes(zone))
    throw new GceRefusal(404, 'notFound', 'NOT_FOUND', `The resource 'projects/${project}/zones/${zone}' was not found`);
  const name = rest[3];
  if (name !== undefined && !namePattern.test(name))
    throw invalid(rest[2] === 'operations' ? 'operation' : 'resourceId', name, namePattern);
  if (rest[2] === 'operations' && name && ((get && rest.length === 4) || (method === 'POST' && rest[4] === 'wait' && rest.length === 5))) {
    return context.state.readOperation(zone, name);
  }
  if (rest[2] !== 'instances') throw new GceRefusal(404, 'notFound', 'NOT_FOUND', 'Not Found');
  if (get && rest.length === 3) return listZoneInstances(context, zone, query);
  if (!name) throw new GceRefusal(404, 'notFound', 'NOT_FOUND', 'Not Found');
  if (get && rest.length === 4) return context.state.instance(zone, name);
  if (method === 'DELETE' && rest.length === 4) return context.state.act(zone, name, 'delete');
  const verb = rest[4];
  if (method === 'POST' && rest.length === 5 && (verb === 'start' || verb === 'stop' || verb === 'reset')) {
    return context.state.act(zone, name, verb as PowerVerb);
  }
  throw new GceRefusal(404, 'notFound', 'NOT_FOUND', 'Not Found');
}

async function handle(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://stand-in');
  const method = request.method ?? 'GET';
  const body = await readBody(request);
  const query = Object.fromEntries(url.searchParams);
  context.requests.push({ method, path: url.pathname, query, authorization: request.headers.authorization });
  if (url.pathname === '/token') {
    answerToken(context, request, body, response);
    return;
  }
  const fault = takeFault(context, `${method} ${url.pathname}`);
  if (fault) {
    answerFault(response, fault);
    return;
  }
  const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (!token || !context.tokens.has(token)) {
    const message =
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.';
    response.setHeader('www-authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
    sendError(response, 401, 'authError', 'UNAUTHENTICATED', message);
    return;
  }
  const prefix = '/compute/v1/projects/';
  if (!url.pathname.startsWith(prefix)) {
    sendError(response, 404, 'notFound', 'NOT_FOUND', 'Not Found');
    return;
  }
  try {
    send(response, 200, route(context, method, url.pathname.slice(prefix.length).split('/').map(decodeURIComponent), query));
  } catch (error) {
    if (!(error instanceof GceRefusal)) throw error;
    sendError(response, error.status, error.reason, error.googleStatus, error.message);
  }
}

/** Starts the stand-in on 127.0.0.1, port 0. */
export async function startGcpStandIn(options: GcpStandInOptions): Promise<GcpStandIn> {
  const context: Context = {
    project: options.project,
    zones: options.zones,
    state: new ComputeState(options.project),
    tokens: new Set(),
    denied: new Set(),
    faults: [],
    requests: [],
    client: {
      id: 'vlm-stand-in.apps.example.com',
      secret: `secret-${randomBytes(8).toString('hex')}`,
      refreshToken: options.refreshToken ?? `1//rt-${randomBytes(12).toString('hex')}`,
    },
    grants: 0,
  };
  const server = createServer((request, response) => {
    handle(context, request, response).catch((error: unknown) => {
      sendError(response, 500, 'backendError', 'INTERNAL', `stand-in failure: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    project: options.project,
    state: context.state,
    requests: context.requests,
    zones: context.zones,
    get tokenGrants() {
      return context.grants;
    },
    credentials: {
      type: 'external_account_authorized_user',
      audience: '//iam.googleapis.com/locations/global/workforcePools/vlm-tests/providers/stand-in',
      client_id: context.client.id,
      client_secret: context.client.secret,
      refresh_token: context.client.refreshToken,
      token_url: `${url}/token`,
      token_info_url: `${url}/tokeninfo`,
    },
    failNext: (fault) => {
      context.faults.push({ ...fault });
    },
    deny: (permission) => {
      context.denied.add(permission);
    },
    revokeTokens: () => context.tokens.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
