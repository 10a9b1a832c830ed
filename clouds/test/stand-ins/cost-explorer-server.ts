// A loopback server speaking Cost Explorer's GetCostAndUsage (AWS JSON 1.1: POST /, the operation
// in X-Amz-Target, SigV4 for the service `ce` checked by the EC2 stand-in's verifier), answering
// from per-month costs in the API's shapes, with pages, and AccessDeniedException,
// ThrottlingException and the signature errors as AWS's JSON protocol sends them. Run directly
// (`node --import tsx cost-explorer-server.ts '{"costs":{…}}'`) it prints its URL and keys.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type StandInCredential, verifySignature } from './ec2-signature.js';

export { standInCredentials } from './ec2-server.js';

import { standInCredentials, standInOwnerId } from './ec2-server.js';

/** One service's cost in a month, as Cost Explorer would total it; `amount` is sent as given, hostile or not. */
export interface ServiceCost {
  service: string;
  amount: string;
  unit: string;
}

export interface CostExplorerStandInOptions {
  /** Costs per month (`2026-11`). */
  costs?: Record<string, ServiceCost[]>;
  /** Groups per page (Cost Explorer decides its own; tests set it small to see paging). */
  pageSize?: number;
  credentials?: StandInCredential[];
}

export type CostExplorerFault = 'throttle' | 'accessDenied' | 'notEnabled' | 'internal';

export interface CostExplorerStandIn {
  readonly url: string;
  /** Every request received, whether it was answered or refused. */
  readonly requests: Array<{ target: string; body: unknown }>;
  readonly costs: Record<string, ServiceCost[]>;
  /** Answers every page with the same NextPageToken, as a broken service (or a hostile one) would. */
  loopPages: boolean;
  /** The next `count` requests fail with `fault`. */
  failNext(count: number, fault: CostExplorerFault): void;
  /** Every request fails with `fault` until `allow()`. */
  deny(fault: CostExplorerFault): void;
  allow(): void;
  close(): Promise<void>;
}

const target = 'AWSInsightsIndexService.GetCostAndUsage';
const faultAnswers: Record<CostExplorerFault, [number, string, string]> = {
  throttle: [400, 'com.amazon.coral.availability#ThrottlingException', 'Rate exceeded'],
  accessDenied: [
    400,
    'com.amazon.coral.service#AccessDeniedException',
    `User: arn:aws:iam::${standInOwnerId}:user/vlm-test is not authorized to perform: ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:${standInOwnerId}:/GetCostAndUsage because no identity-based policy allows the ce:GetCostAndUsage action`,
  ],
  notEnabled: [400, 'com.amazon.coral.service#AccessDeniedException', 'User not enabled for cost explorer access'],
  internal: [500, 'com.amazon.coral.service#InternalFailure', 'We encountered an internal error. Please try again.'],
};

/** The JSON protocol's names for what the EC2 verifier calls its refusals. */
const signatureErrors: Record<string, [string, string | undefined]> = {
  AuthFailure: ['com.amazon.coral.service#UnrecognizedClientException', 'The security token included in the request is invalid.'],
  SignatureDoesNotMatch: ['com.amazon.coral.service#InvalidSignatureException', undefined],
  IncompleteSignature: ['com.amazon.coral.service#IncompleteSignatureException', undefined],
  RequestExpired: ['com.amazon.coral.service#InvalidSignatureException', 'Signature expired.'],
};

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  response.end(JSON.stringify(body));
}

function fail(response: ServerResponse, status: number, type: string, message: string): void {
  send(response, status, { __type: type, Message: message });
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** What Cost Explorer checks of a request, as ValidationException messages; undefined when it is fine. */
function validationProblem(body: Record<string, unknown>): string | undefined {
  const period = body.TimePeriod as { Start?: unknown; End?: unknown } | undefined;
  if (
    typeof period?.Start !== 'string' ||
    typeof period.End !== 'string' ||
    !datePattern.test(period.Start) ||
    !datePattern.test(period.End)
  ) {
    return 'TimePeriod must have Start and End dates as yyyy-MM-dd';
  }
  if (period.Start >= period.End) return 'Start date (inclusive) must be before end date (exclusive)';
  if (!['DAILY', 'MONTHLY', 'HOURLY'].includes(String(body.Granularity))) return 'Granularity must be one of DAILY, MONTHLY, HOURLY';
  const metrics = body.Metrics;
  if (!Array.isArray(metrics) || metrics.length === 0) return 'Metrics is required';
  const groupBy = body.GroupBy as Array<{ Type?: unknown; Key?: unknown }> | undefined;
  if (groupBy !== undefined && (!Array.isArray(groupBy) || groupBy.length > 2)) return 'GroupBy takes up to two groups';
  for (const group of groupBy ?? []) {
    if (group.Type !== 'DIMENSION' || group.Key !== 'SERVICE') return 'The stand-in groups by the SERVICE dimension only';
  }
  return undefined;
}

/** Why the signature or the protocol is refused, as the JSON protocol answers it; undefined when both are right. */
function refusal(request: IncomingMessage, raw: Buffer, credentials: StandInCredential[]): [number, string, string] | undefined {
  const verdict = verifySignature(
    { method: request.method ?? '', target: request.url ?? '/', rawHeaders: request.rawHeaders, body: raw },
    credentials,
    new Date(),
    'ce',
  );
  if (!verdict.ok) {
    const [type, message] = signatureErrors[verdict.code] ?? ['com.amazon.coral.service#InvalidSignatureException', undefined];
    return [400, type, message ?? verdict.message];
  }
  if (verdict.region !== 'us-east-1')
    return [400, 'com.amazon.coral.service#InvalidSignatureException', 'Credential should be scoped to a valid region.'];
  if (request.method !== 'POST' || request.headers['content-type'] !== 'application/x-amz-json-1.1') {
    return [400, 'com.amazon.coral.service#SerializationException', 'The stand-in takes application/x-amz-json-1.1 POSTs only.'];
  }
  if (request.headers['x-amz-target'] !== target) return [400, 'com.amazon.coral.service#UnknownOperationException', ''];
  return undefined;
}

interface PageState {
  costs: Record<string, ServiceCost[]>;
  pageSize: number;
  /** Tokens handed out, so a made-up or altered one is refused as Cost Explorer refuses it. */
  tokens: Map<string, number>;
  loopPages(): boolean;
}

function answer(state: PageState, body: Record<string, unknown>, response: ServerResponse): void {
  const period = body.TimePeriod as { Start: string; End: string };
  const month = period.Start.slice(0, 7);
  const all = state.costs[month] ?? [];
  let offset = 0;
  if (body.NextPageToken !== undefined) {
    const found = state.tokens.get(String(body.NextPageToken));
    if (found === undefined) {
      fail(response, 400, 'InvalidNextTokenException', 'Invalid pagination token');
      return;
    }
    offset = found;
  }
  const page = all.slice(offset, offset + state.pageSize);
  let next: string | undefined;
  if (state.loopPages()) {
    next = 'the-same-token';
    state.tokens.set(next, 0);
  } else if (offset + state.pageSize < all.length) {
    next = Buffer.from(randomUUID()).toString('base64');
    state.tokens.set(next, offset + state.pageSize);
  }
  const closed = period.End <= new Date().toISOString().slice(0, 10);
  send(response, 200, {
    GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    ResultsByTime: [
      {
        TimePeriod: { Start: period.Start, End: period.End },
        Total: {},
        Groups: page.map((cost) => ({ Keys: [cost.service], Metrics: { UnblendedCost: { Amount: cost.amount, Unit: cost.unit } } })),
        Estimated: !closed,
      },
    ],
    DimensionValueAttributes: [],
    ...(next === undefined ? {} : { NextPageToken: next }),
  });
}

export async function startCostExplorerStandIn(options: CostExplorerStandInOptions = {}): Promise<CostExplorerStandIn> {
  const costs = options.costs ?? {};
  const pageSize = options.pageSize ?? 100;
  const credentials = options.credentials ?? [standInCredentials];
  const requests: CostExplorerStandIn['requests'] = [];
  const faults: Array<{ remaining: number; fault: CostExplorerFault }> = [];
  let denied: CostExplorerFault | undefined;
  const state: PageState = { costs, pageSize, tokens: new Map(), loopPages: () => standIn.loopPages };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      requests.push({ target: String(request.headers['x-amz-target']), body: undefined });
      return fail(response, 400, 'com.amazon.coral.service#SerializationException', 'Start of structure or map found where not expected.');
    }
    requests.push({ target: String(request.headers['x-amz-target']), body });
    const refused = refusal(request, raw, credentials);
    if (refused) return fail(response, ...refused);
    const pending = faults.find((candidate) => candidate.remaining > 0);
    const fault = pending ? pending.fault : denied;
    if (pending) pending.remaining -= 1;
    if (fault) return fail(response, ...faultAnswers[fault]);
    const problem = validationProblem(body);
    if (problem) return fail(response, 400, 'com.amazon.coral.validate#ValidationException', problem);
    answer(state, body, response);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) fail(response, 500, 'com.amazon.coral.service#InternalFailure', String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standIn: CostExplorerStandIn = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    loopPages: false,
    requests,
    costs,
    failNext: (count, fault) => faults.push({ remaining: count, fault }),
    deny: (fault) => {
      denied = fault;
    },
    allow: () => {
      denied = undefined;
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
  startCostExplorerStandIn(JSON.parse(process.argv[2] ?? '{}') as CostExplorerStandInOptions).then((standIn) => {
    console.log(JSON.stringify({ url: standIn.url, ...standInCredentials }));
    process.once('SIGTERM', () => void standIn.close());
    process.once('SIGINT', () => void standIn.close());
  });
}
