// A stand-in for GitHub's REST API on loopback, for the sync's tests: issues and milestones kept in
// memory, built from responses recorded from the real API (@octokit/fixtures) and the examples of
// GitHub's OpenAPI description; the paging scenario served as recorded. It checks what GitHub
// checks (the token, the repository, the body), answers as GitHub does (ETag and 304, Link,
// X-OAuth-Scopes, secondary rate limits with Retry-After), and every answer is checked against
// GitHub's OpenAPI description before it is sent.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAgainstOpenApi, openApiExample } from './openapi-responses';

type Json = Record<string, unknown>;

interface Recorded {
  method: string;
  path: string;
  status: number;
  response: unknown;
  headers: Record<string, string>;
}

function recorded(scenario: string): Recorded[] {
  const path = require.resolve(`@octokit/fixtures/scenarios/api.github.com/${scenario}/normalized-fixture.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as Recorded[];
}

export const recordedScopes = recorded('paginate-issues')[0]?.headers['x-oauth-scopes'] ?? 'repo';
/** The repository whose issues are served as recorded, five pages of three. */
export const pagedRepository = 'octokit-fixture-org/paginate-issues';

export interface RepositoryState {
  issues: Json[];
  milestones: Json[];
}

interface Route {
  template: string;
  pattern: RegExp;
}

const routes: Route[] = [
  '/repos/{owner}/{repo}',
  '/repos/{owner}/{repo}/issues',
  '/repos/{owner}/{repo}/issues/{issue_number}',
  '/repos/{owner}/{repo}/milestones',
  '/repos/{owner}/{repo}/milestones/{milestone_number}',
].map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`),
}));

export class GithubStandIn {
  readonly repositories = new Map<string, RepositoryState>();
  /** Answers sent, by status. */
  readonly statuses = new Map<number, number>();
  readonly requests: { method: string; url: string; status: number }[] = [];
  /** Answers refused by the OpenAPI check, or requests the stand-in could not answer. */
  readonly failures: string[] = [];
  scopes = recordedScopes;
  /** When set, list pages point their next page here: a hostile answer. */
  foreignLink: string | undefined;
  /** When set, every request is refused: the primary rate limit is spent until then (epoch seconds). */
  rateLimitResetsAt: number | undefined;
  /** Requests still to refuse with a secondary rate limit. */
  secondaryLimits = 0;
  private clock = Date.parse('2026-01-01T00:00:00Z');
  private server: Server | undefined;
  private readonly issueTemplate = recorded('paginate-issues')[0]?.response as Json[];
  private readonly repositoryTemplate = recorded('get-repository')[0]?.response as Json;

  constructor(readonly token: string) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.answer(request, response).catch((error: unknown) => {
        // An answer GitHub would not give is the test's failure: 400, which no plugin retries.
        this.failures.push(String(error));
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.origin();
  }

  origin(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    return `http://127.0.0.1:${address?.port ?? 0}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  count(status: number): number {
    return this.statuses.get(status) ?? 0;
  }

  addRepository(repository: string): RepositoryState {
    const state: RepositoryState = { issues: [], milestones: [] };
    this.repositories.set(repository, state);
    return state;
  }

  /** Adds an issue shaped as GitHub's recorded one. */
  addIssue(repository: string, fields: Json): Json {
    const state = this.repositories.get(repository) ?? this.addRepository(repository);
    const number = state.issues.length + state.milestones.length + 1;
    const issue = { ...structuredClone(this.issueTemplate[0]), number, id: number, ...fields, updated_at: this.tick() };
    state.issues.push(issue);
    return issue;
  }

  /** Adds a milestone shaped as the OpenAPI description's example. */
  addMilestone(repository: string, fields: Json): Json {
    const state = this.repositories.get(repository) ?? this.addRepository(repository);
    const number = state.issues.length + state.milestones.length + 1;
    const milestone = { ...(openApiExample('milestone') as Json), number, id: number, ...fields, updated_at: this.tick() };
    state.milestones.push(milestone);
    return milestone;
  }

  /** GitHub's clock: each write is a second later than the last. */
  tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace('.000Z', 'Z');
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin());
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const send = (status: number, data: unknown, template: string, headers: Record<string, string> = {}) => {
      checkAgainstOpenApi(method, template, status, data);
      this.statuses.set(status, this.count(status) + 1);
      this.requests.push({ method, url: url.pathname + url.search, status });
      const text = data === undefined ? '' : JSON.stringify(data);
      response.writeHead(status, {
        ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-oauth-scopes': this.scopes,
        'x-ratelimit-remaining': '4999',
        ...headers,
      });
      response.end(text);
    };
    const authorization = request.headers.authorization ?? '';
    if (url.pathname === '/user/repos' && authorization === `token ${this.token}`) {
      return void send(200, this.userRepositories(), '/user/repos');
    }
    const recordedPage = url.pathname === '/repositories/1000/issues';
    const route = recordedPage ? { template: '/repos/{owner}/{repo}/issues', parameters: [] as string[] } : matchRoute(url.pathname);
    if (route === undefined) return void send(404, notFound, '/repos/{owner}/{repo}');
    if (authorization !== `token ${this.token}` && authorization !== `bearer ${this.token}`) {
      return void send(401, { message: 'Bad credentials', documentation_url: docs }, route.template);
    }
    if (this.rateLimitResetsAt !== undefined) {
      const message = 'API rate limit exceeded for user ID 1.';
      const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(this.rateLimitResetsAt) };
      return void send(403, { message, documentation_url: docs }, route.template, headers);
    }
    if (this.secondaryLimits > 0) {
      this.secondaryLimits--;
      const message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
      return void send(403, { message, documentation_url: docs }, route.template, { 'retry-after': '1' });
    }
    const repository = recordedPage ? pagedRepository : `${route.parameters[0]}/${route.parameters[1]}`;
    const state = this.repositories.get(repository);
    if (state === undefined) return void send(404, notFound, route.template);
    const answer = this.route(method, route.template, route.parameters, url, state, body, repository);
    const conditional = method === 'GET' ? request.headers['if-none-match'] : undefined;
    const etag = `"${createHash('sha256').update(JSON.stringify(answer.data)).digest('hex').slice(0, 32)}"`;
    if (conditional === etag) return void send(304, undefined, route.template, { etag });
    const headers = method === 'GET' ? { etag, ...answer.headers } : (answer.headers ?? {});
    send(answer.status, answer.data, route.template, headers);
  }

  /** The account's repositories, each shaped as the recorded one, and any extra names given. */
  extraRepositoryNames: string[] = [];
  private userRepositories(): Json[] {
    const names = [...this.repositories.keys(), ...this.extraRepositoryNames];
    return names.map((full_name) => ({ has_discussions: false, ...this.repositoryTemplate, full_name }));
  }

  private route(
    method: string,
    template: string,
    parameters: string[],
    url: URL,
    state: RepositoryState,
    body: Json,
    repository: string,
  ): { status: number; data: unknown; headers?: Record<string, string> } {
    if (template === '/repos/{owner}/{repo}') {
      // Recorded before GitHub added has_discussions, which its description now requires.
      return { status: 200, data: { has_discussions: false, ...this.repositoryTemplate, full_name: repository } };
    }
    if (repository === pagedRepository && template === '/repos/{owner}/{repo}/issues') return this.recordedPage(url);
    const kind = template.includes('/issues') ? 'issues' : 'milestones';
    const list = state[kind];
    if (method === 'GET' && parameters.length === 2) return this.page(list, url, kind === 'issues');
    if (method !== 'GET' && 'title' in body && (typeof body.title !== 'string' || body.title.trim() === '')) {
      return {
        status: 422,
        data: {
          message: 'Validation Failed',
          errors: [{ resource: kind, code: 'missing_field', field: 'title' }],
          documentation_url: docs,
        },
      };
    }
    if (method === 'POST') {
      if (typeof body.title !== 'string') return { status: 422, data: { message: 'Validation Failed', documentation_url: docs } };
      const record = kind === 'issues' ? this.addIssue(repository, issueFields(body, state)) : this.addMilestone(repository, body);
      return { status: 201, data: record };
    }
    const record = list.find((candidate) => String(candidate.number) === parameters[2]);
    if (record === undefined) return { status: 404, data: notFound };
    if (method === 'PATCH') {
      Object.assign(record, kind === 'issues' ? issueFields(body, state) : body, { updated_at: this.tick() });
      if (body.state !== undefined) record.closed_at = body.state === 'closed' ? record.updated_at : null;
    }
    return { status: 200, data: record };
  }

  private page(list: Json[], url: URL, byUpdate: boolean) {
    const perPage = Number(url.searchParams.get('per_page') ?? 30);
    const page = Number(url.searchParams.get('page') ?? 1);
    const sorted = byUpdate ? [...list].sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at))) : list;
    const data = sorted.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(sorted.length / perPage));
    const link = (n: number, rel: string) => {
      const target = new URL(this.foreignLink ?? url);
      target.searchParams.set('page', String(n));
      return `<${target}>; rel="${rel}"`;
    };
    const links = [page < last ? link(page + 1, 'next') : '', page < last ? link(last, 'last') : ''].filter(Boolean);
    const headers: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {};
    return { status: 200, data, headers };
  }

  /** The recorded paging scenario, with its Link headers pointed at this server. */
  private recordedPage(url: URL) {
    const page = url.searchParams.get('page') ?? '1';
    const answer = recorded('paginate-issues').find((candidate) =>
      page === '1' ? candidate.path.startsWith('/repos/') : candidate.path.endsWith(`&page=${page}`),
    );
    const link = answer?.headers.link?.replaceAll('https://api.github.com', this.origin()) ?? '';
    return { status: 200, data: answer?.response ?? [], headers: { link } };
  }
}

const docs = 'https://docs.github.com/rest';
const notFound = { message: 'Not Found', documentation_url: docs };

function matchRoute(pathname: string): { template: string; parameters: string[] } | undefined {
  for (const route of routes) {
    const match = pathname.match(route.pattern);
    if (match) return { template: route.template, parameters: match.slice(1).map(decodeURIComponent) };
  }
  return undefined;
}

/** The issue fields GitHub takes: labels as names become label objects, a milestone number its object. */
function issueFields(body: Json, state: RepositoryState): Json {
  const fields: Json = { ...body };
  if (Array.isArray(body.labels)) {
    fields.labels = body.labels.map((name, index) => ({
      id: index + 1,
      node_id: 'MDU6TGFiZWwx',
      url: `https://api.github.com/labels/${encodeURIComponent(String(name))}`,
      name: String(name),
      description: null,
      color: 'ededed',
      default: false,
    }));
  }
  if ('milestone' in body) {
    fields.milestone = state.milestones.find((milestone) => milestone.number === body.milestone) ?? null;
  }
  return fields;
}

async function readBody(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Json) : {};
}
