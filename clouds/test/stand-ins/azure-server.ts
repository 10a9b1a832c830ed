// An Azure stand-in on loopback HTTPS: the Microsoft Entra token endpoint a client-secret
// credential uses, and the ARM compute surface of virtual machines (list with nextLink, instance
// view, power actions and delete as long-running operations behind Azure-AsyncOperation). It checks
// what Azure checks (client secret, scope, bearer token, api-version, names) and answers in ARM's shapes.
// Run directly (`node --import tsx azure-server.ts '{"count":8}'`) it prints its URL, CA file and
// test identities as JSON, for the extension's end-to-end tests (NODE_EXTRA_CA_CERTS=caPath).
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeTestCertificates, type TestCertificates } from './test-certificate-authority.js';
import { armError, computeRoutes, type ComputeState, type RouteAnswer, type StandInVirtualMachine } from './azure-compute-routes.js';

export type { StandInVirtualMachine } from './azure-compute-routes.js';

/** The api-version @azure/arm-compute 24.1.0 sends; ARM refuses a request without a known one. */
export const computeApiVersion = '2026-03-01';

export interface InjectedFault {
  method?: string;
  /** Matched against the request's path and query. */
  path: RegExp;
  status: number;
  code?: string;
  message?: string;
  headers?: Record<string, string>;
  /** Sent as is instead of ARM's error body (for malformed answers). */
  rawBody?: string;
  /** How many matching requests fail; then the route answers normally. */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  bearer: boolean;
}

export interface AzureStandIn {
  url: string;
  caPem: string;
  caPath: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  virtualMachines: Map<string, StandInVirtualMachine>;
  requests: RecordedRequest[];
  /** Polls an operation answers InProgress before it ends. */
  operationPolls: number;
  /** VM names whose next operation ends Failed with this error. */
  failOperations: Map<string, { code: string; message: string }>;
  pageSize: number;
  inject(fault: InjectedFault): void;
  /** Every issued token is refused from now on, as after expiry. */
  expireTokens(): void;
  addVirtualMachine(vm: Partial<StandInVirtualMachine> & { name: string; resourceGroup: string; location: string }): StandInVirtualMachine;
  close(): Promise<void>;
}

export interface AzureStandInOptions {
  pageSize?: number;
  /** Running VMs to start with, spread over two resource groups and two locations. */
  count?: number;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID(), ...headers });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function entraError(status: number, error: string, description: string): RouteAnswer {
  return {
    status,
    body: {
      error,
      error_description: description,
      error_codes: [Number(description.slice(5, 12)) || 0],
      trace_id: randomUUID(),
    },
  };
}

class StandIn {
  readonly tenantId = randomUUID();
  readonly clientId = randomUUID();
  readonly clientSecret = randomBytes(24).toString('base64url');
  readonly subscriptionId = randomUUID();
  /** Issued tokens and the audience (ARM endpoint) each is for. */
  readonly tokens = new Map<string, string>();
  readonly faults: InjectedFault[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly compute: ComputeState;
  url = '';

  constructor(pageSize: number) {
    this.compute = {
      subscriptionId: this.subscriptionId,
      virtualMachines: new Map(),
      operations: new Map(),
      operationPolls: 1,
      failOperations: new Map(),
      pageSize,
      baseUrl: '',
    };
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const path = `${url.pathname}${url.search}`;
    const authorization = request.headers.authorization ?? '';
    this.requests.push({ method: request.method ?? '', path, bearer: authorization.startsWith('Bearer ') });
    const body = await readBody(request);
    if (url.pathname.startsWith(`/${this.tenantId}/`) || url.pathname.startsWith('/common/')) {
      const answer = this.entra(url, body);
      return sendJson(response, answer.status, answer.body);
    }
    const fault = this.takeFault(request.method ?? '', path);
    if (fault) {
      if (fault.rawBody !== undefined) {
        response.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        response.end(fault.rawBody);
        return;
      }
      return sendJson(
        response,
        fault.status,
        armError(fault.code ?? 'InternalServerError', fault.message ?? 'An internal error occurred.'),
        fault.headers,
      );
    }
    if (!this.authorized(authorization, response)) return;
    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion === null)
      return sendJson(
        response,
        400,
        armError('MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.'),
      );
    if (apiVersion !== computeApiVersion)
      return sendJson(
        response,
        400,
        armError(
          'InvalidApiVersionParameter',
          `The api-version '${apiVersion}' is invalid. The supported versions are '${computeApiVersion}'.`,
        ),
      );
    const answer = computeRoutes(this.compute, request.method ?? 'GET', url);
    sendJson(response, answer.status, answer.body, answer.headers);
  }

  takeFault(method: string, path: string): InjectedFault | undefined {
    const index = this.faults.findIndex((fault) => (fault.method === undefined || fault.method === method) && fault.path.test(path));
    if (index < 0) return undefined;
    const fault = this.faults[index] as InjectedFault;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  authorized(authorization: string, response: ServerResponse): boolean {
    const challenge = { 'www-authenticate': `Bearer authorization_uri="${this.url}/${this.tenantId}", error="invalid_token"` };
    if (authorization === '') {
      sendJson(response, 401, armError('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."), challenge);
      return false;
    }
    const token = /^Bearer (\S+)$/.exec(authorization)?.[1];
    const audience = token === undefined ? undefined : this.tokens.get(token);
    if (audience === undefined) {
      sendJson(response, 401, armError('InvalidAuthenticationToken', 'The access token is invalid or has expired.'), challenge);
      return false;
    }
    if (audience !== this.url) {
      sendJson(
        response,
        401,
        armError('InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${audience}'.`),
        challenge,
      );
      return false;
    }
    return true;
  }

  entra(url: URL, body: string): RouteAnswer {
    const tenantPrefix = `/${this.tenantId}`;
    if (url.pathname === `${tenantPrefix}/v2.0/.well-known/openid-configuration`) {
      const base = `${this.url}${tenantPrefix}`;
      return {
        status: 200,
        body: {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          issuer: `${base}/v2.0`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        },
      };
    }
    if (url.pathname !== `${tenantPrefix}/oauth2/v2.0/token`) return entraError(404, 'invalid_request', 'AADSTS9000404: Not found.');
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials')
      return entraError(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    if (form.get('client_id') !== this.clientId)
      return entraError(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`,
      );
    if (form.get('client_secret') !== this.clientSecret)
      return entraError(
        401,
        'invalid_client',
        `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is the client secret value.`,
      );
    const audience = /^(https:\/\/[^/]+)\/\.default$/.exec(form.get('scope') ?? '')?.[1];
    if (audience === undefined)
      return entraError(400, 'invalid_scope', `AADSTS1002012: The provided value for scope ${form.get('scope')} is not valid.`);
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, audience);
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token } };
  }
}

/** Starts the stand-in on 127.0.0.1 with a fresh test CA; close() stops it and removes the files. */
export async function startAzureStandIn(options: AzureStandInOptions = {}): Promise<AzureStandIn> {
  const certificates: TestCertificates = await makeTestCertificates();
  const state = new StandIn(options.pageSize ?? 50);
  const server: Server = createServer({ key: certificates.key, cert: certificates.cert }, (request, response) => {
    state.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, armError('InternalServerError', String(error)));
      else response.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.compute.baseUrl = state.url;
  const compute = state.compute;
  const standIn: AzureStandIn = {
    url: state.url,
    caPem: certificates.ca,
    caPath: certificates.caFile,
    tenantId: state.tenantId,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    subscriptionId: state.subscriptionId,
    virtualMachines: compute.virtualMachines,
    requests: state.requests,
    get operationPolls() {
      return compute.operationPolls;
    },
    set operationPolls(value: number) {
      compute.operationPolls = value;
    },
    failOperations: compute.failOperations,
    get pageSize() {
      return compute.pageSize;
    },
    set pageSize(value: number) {
      compute.pageSize = value;
    },
    inject: (fault) => state.faults.push(fault),
    expireTokens: () => state.tokens.clear(),
    addVirtualMachine: (vm) => {
      const full: StandInVirtualMachine = {
        size: 'Standard_B2s',
        powerState: 'running',
        tags: {},
        vmId: randomUUID(),
        deleting: false,
        ...vm,
      };
      compute.virtualMachines.set(`${vm.resourceGroup}/${vm.name}`.toLowerCase(), full);
      return full;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      await certificates.dispose();
    },
  };
  for (let index = 0; index < (options.count ?? 0); index += 1)
    standIn.addVirtualMachine({
      name: `vm-${index}`,
      resourceGroup: `rg-${index % 2}`,
      location: index % 2 === 0 ? 'westeurope' : 'eastus',
    });
  return standIn;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  startAzureStandIn(JSON.parse(process.argv[2] ?? '{}') as AzureStandInOptions).then((standIn) => {
    const { url, caPath, tenantId, clientId, clientSecret, subscriptionId } = standIn;
    console.log(JSON.stringify({ url, caPath, tenantId, clientId, clientSecret, subscriptionId }));
    process.once('SIGTERM', () => void standIn.close());
    process.once('SIGINT', () => void standIn.close());
  });
}
