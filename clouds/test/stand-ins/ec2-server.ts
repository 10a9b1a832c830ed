// A loopback server speaking the EC2 Query API (version 2016-11-15) for tests, the extension's
// end-to-end tests and the benchmark: form-encoded POSTs, SigV4 verified against the known test
// keys, XML answers and errors in the service's shapes, instances per region, and injected faults.
// Run directly (`node --import tsx ec2-server.ts '{"count":8}'`) it prints its URL and keys as JSON.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { answerAction, type Ec2Call, Ec2Fault, type Ec2State } from './ec2-actions.js';
import { advance, defaultRegions, type Ec2Instance, type Ec2Seed, seedInstances } from './ec2-instances.js';
import { type StandInCredential, verifySignature } from './ec2-signature.js';

export type { Ec2Call } from './ec2-actions.js';
export type { Ec2Instance, Ec2Seed, Ec2StateName } from './ec2-instances.js';
export type { StandInCredential } from './ec2-signature.js';

/** The keys tests sign with. Not a real AWS key: the stand-in is the only one that knows it. */
export const standInCredentials: StandInCredential = {
  accessKeyId: 'AKIAVLMSTANDIN00001',
  secretAccessKey: 'vlm/stand-in/secret/key/known/only/to/tests',
};

export const standInOwnerId = '123456789012';

export interface Ec2StandInOptions extends Ec2Seed {
  /** Credentials the stand-in accepts (default: `standInCredentials`). */
  credentials?: StandInCredential[];
  /** Added before every answer, as a far-away service would (the benchmark uses 80 ms). */
  latencyMs?: number;
}

export type FaultKind = 'throttle' | 'internal' | 'malformed' | 'instanceLimit';

export interface Ec2StandIn {
  /** `http://127.0.0.1:PORT`, for the SDK's `endpoint` option. */
  readonly url: string;
  readonly regions: string[];
  /** The live instances; tests may read and change them. */
  readonly instances: Ec2Instance[];
  /** Every request that passed the signature check, in order. */
  readonly calls: Ec2Call[];
  latencyMs: number;
  /** The next `count` calls (of `action`, or any) fail with this fault. */
  failNext(count: number, kind: FaultKind, action?: string): void;
  /** Answers `UnauthorizedOperation` to every call of this action. */
  deny(action: string): void;
  /** Ends a `deny`. */
  allow(action: string): void;
  /** Settles every transitional instance at once. */
  settle(): void;
  close(): Promise<void>;
}

interface PendingFault {
  remaining: number;
  kind: FaultKind;
  action?: string;
}

const faultAnswers: Record<Exclude<FaultKind, 'malformed'>, [number, string, string]> = {
  throttle: [503, 'RequestLimitExceeded', 'Request limit exceeded.'],
  internal: [500, 'InternalError', 'An internal error has occurred'],
  instanceLimit: [400, 'InstanceLimitExceeded', 'You have requested more instances than your current instance limit allows.'],
};

function errorXml(code: string, message: string, requestId: string): string {
  const escaped = message.replace(/[<>&]/g, (character) => `&#${character.charCodeAt(0)};`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${escaped}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': randomUUID() });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startEc2StandIn(options: Ec2StandInOptions = {}): Promise<Ec2StandIn> {
  const regions = options.regions ?? defaultRegions;
  const state: Ec2State = {
    instances: seedInstances({ ...options, regions }),
    steps: options.describesPerTransition ?? 2,
    ownerId: standInOwnerId,
    regions,
  };
  const credentials = options.credentials ?? [standInCredentials];
  const calls: Ec2Call[] = [];
  const faults: PendingFault[] = [];
  const denied = new Set<string>();

  function takeFault(action: string): FaultKind | undefined {
    const fault = faults.find((candidate) => candidate.remaining > 0 && (candidate.action ?? action) === action);
    if (!fault) return undefined;
    fault.remaining -= 1;
    return fault.kind;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    if (standIn.latencyMs > 0) await delay(standIn.latencyMs);
    const requestId = randomUUID();
    const fail = (status: number, code: string, message: string) => send(response, status, errorXml(code, message, requestId));
    const verdict = verifySignature(
      { method: request.method ?? '', target: request.url ?? '/', rawHeaders: request.rawHeaders, body },
      credentials,
      new Date(),
    );
    if (!verdict.ok) return fail(verdict.status, verdict.code, verdict.message);
    if (request.method !== 'POST' || !(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return fail(400, 'InvalidParameterValue', 'The stand-in takes form-encoded POST requests only.');
    }
    const parameters = new URLSearchParams(body.toString('utf8'));
    const action = parameters.get('Action') ?? '';
    calls.push({ action, region: verdict.region, parameters: Object.fromEntries(parameters) });
    if (!regions.includes(verdict.region)) {
      // What EC2 answers for a region the account has not enabled.
      return fail(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
    }
    const fault = takeFault(action);
    if (fault === 'malformed') {
      response.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
      return void response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response><reservationSet><item><instancesSet><ite`);
    }
    if (fault) return fail(...faultAnswers[fault]);
    if (denied.has(action)) {
      const message = `You are not authorized to perform this operation. User: arn:aws:iam::${standInOwnerId}:user/vlm-test is not authorized to perform: ec2:${action} because no identity-based policy allows the ec2:${action} action. Encoded authorization failure message: ${Buffer.from(randomUUID()).toString('base64')}`;
      return fail(403, 'UnauthorizedOperation', message);
    }
    try {
      send(response, 200, answerAction(state, action, parameters, verdict.region, requestId));
    } catch (error) {
      if (!(error instanceof Ec2Fault)) throw error;
      fail(error.status, error.code, error.message);
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, errorXml('InternalError', String(error), randomUUID()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const standIn: Ec2StandIn = {
    url: `http://127.0.0.1:${port}`,
    regions,
    instances: state.instances,
    calls,
    latencyMs: options.latencyMs ?? 0,
    failNext: (count, kind, action) => faults.push({ remaining: count, kind, ...(action ? { action } : {}) }),
    deny: (action) => denied.add(action),
    allow: (action) => denied.delete(action),
    settle: () => {
      for (const instance of state.instances) {
        instance.describesLeft = 1;
        advance(instance);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return standIn;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  startEc2StandIn(JSON.parse(process.argv[2] ?? '{}') as Ec2StandInOptions).then((standIn) => {
    console.log(JSON.stringify({ url: standIn.url, regions: standIn.regions, ...standInCredentials }));
    process.once('SIGTERM', () => void standIn.close());
    process.once('SIGINT', () => void standIn.close());
  });
}
