// The GitHub REST client the sync uses: @octokit/rest with the throttling and retry plugins, ETags
// sent back as If-None-Match, pages followed through the Link header, and GitHub's refusals turned
// into sentences that name the repository and what to do. The token stays inside Octokit's auth:
// no message, log line or result of this module carries it.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

export const githubDotComApi = 'https://api.github.com';

/** What the sync reports while it runs: waits GitHub asked for, pages read. */
export type GithubClientEvent =
  | { kind: 'secondary-rate-limit'; retryAfterSeconds: number; url: string }
  | { kind: 'rate-limit'; retryAfterSeconds: number; url: string };

export interface GithubClientOptions {
  token: string;
  /** The REST API's root: https://api.github.com, or a GitHub Enterprise Server's https://HOST/api/v3. */
  baseUrl?: string;
  /** ETags by request URL, from the last sync; updated in place as answers arrive. */
  etags: Record<string, string>;
  onEvent?: (event: GithubClientEvent) => void;
}

/** A refusal the user can act on; its message names the repository and what to do. */
export class GithubSyncError extends Error {
  override readonly name = 'GithubSyncError';
}

export const requiredScope = 'repo';
const longestWaitSeconds = 60;
const ThrottledOctokit = Octokit.plugin(throttling, retry);

export type GithubClient = InstanceType<typeof ThrottledOctokit>;

/** Checks an API root given by a setting: http(s), no credentials, no query. */
export function checkedBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new GithubSyncError(`The GitHub API address "${baseUrl}" is not a URL; give one such as ${githubDotComApi}.`);
  }
  if (!['https:', 'http:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw new GithubSyncError(
      `The GitHub API address "${baseUrl}" must be an http(s) URL without a user name, password, query or fragment.`,
    );
  }
  return url.toString().replace(/\/+$/, '');
}

export function createGithubClient(options: GithubClientOptions): GithubClient {
  const octokit = new ThrottledOctokit({
    auth: options.token,
    baseUrl: checkedBaseUrl(options.baseUrl ?? githubDotComApi),
    userAgent: 'virtual-lab-manager',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    throttle: {
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        options.onEvent?.({ kind: 'secondary-rate-limit', retryAfterSeconds: retryAfter, url: request.url });
        return retryCount < 2 && retryAfter <= longestWaitSeconds;
      },
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        options.onEvent?.({ kind: 'rate-limit', retryAfterSeconds: retryAfter, url: request.url });
        return retryCount < 1 && retryAfter <= longestWaitSeconds;
      },
    },
  });
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const url = octokit.request.endpoint(requestOptions).url;
    // Only first pages are asked conditionally: a list that changed changes its first page, since
    // the sync reads lists sorted by last update.
    const conditional = requestOptions.method === 'GET' && !/[?&]page=/.test(url);
    const etag = conditional ? options.etags[url] : undefined;
    if (etag !== undefined) requestOptions.headers = { ...requestOptions.headers, 'if-none-match': etag };
    const response = await request(requestOptions);
    const received = response.headers.etag;
    if (conditional && typeof received === 'string' && received.length <= 200) {
      options.etags[url] = received;
    }
    return response;
  });
  return octokit;
}

/** The URL of the Link header's rel="next", if any. */
export function nextPageUrl(link: string | undefined): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const match = part.match(/^\s*<([^>]+)>\s*;(.*)$/);
    if (match?.[2]?.split(';').some((parameter) => /^\s*rel="?([^"]*\s)?next(\s[^"]*)?"?\s*$/.test(parameter))) {
      return match[1];
    }
  }
  return undefined;
}

function sameOrigin(url: string, baseUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(baseUrl).origin;
  } catch {
    return false;
  }
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : undefined;
}

/**
 * Reads every page of a list. With a stored ETag for the first page, a 304 answer means the list
 * is as it was: `undefined` is returned and later pages are not read. A list not sorted by last
 * update can change on a later page alone, so when it has several its ETag is dropped.
 */
export async function readAllPages<T>(
  client: GithubClient,
  repository: string,
  route: string,
  parameters: Record<string, string | number>,
  sortedByUpdate: boolean,
  etags?: Record<string, string>,
): Promise<T[] | undefined> {
  const items: T[] = [];
  let response: { data: unknown; headers: { link?: string } };
  try {
    response = await client.request(route, parameters);
  } catch (error) {
    if (statusOf(error) === 304) return undefined;
    throw githubRefusal(error, repository);
  }
  for (;;) {
    if (!Array.isArray(response.data)) throw new GithubSyncError(`GitHub answered ${route} for ${repository} without a list.`);
    items.push(...(response.data as T[]));
    const next = nextPageUrl(response.headers.link);
    if (next === undefined) return items;
    if (!sortedByUpdate && etags !== undefined) delete etags[client.request.endpoint(route, parameters).url];
    // The token goes with each request: a Link to another host is refused, not followed.
    if (!sameOrigin(next, client.request.endpoint.DEFAULTS.baseUrl)) {
      throw new GithubSyncError(`GitHub's answer for ${repository} pointed its next page at another host; the sync stopped.`);
    }
    try {
      response = await client.request({ method: 'GET', url: next });
    } catch (error) {
      throw githubRefusal(error, repository);
    }
  }
}

/** Checks the token's scopes and that the repository is visible; GitHub answers both in one request. */
export async function checkRepository(client: GithubClient, repository: string): Promise<void> {
  const [owner = '', repo = ''] = repository.split('/');
  let scopes: string | undefined;
  try {
    const response = await client.request('GET /repos/{owner}/{repo}', { owner, repo });
    scopes = response.headers['x-oauth-scopes'];
  } catch (error) {
    if (statusOf(error) !== 304) throw githubRefusal(error, repository);
    scopes = (error as { response?: { headers?: Record<string, string> } }).response?.headers?.['x-oauth-scopes'];
  }
  // Fine-grained and app tokens send no X-OAuth-Scopes; GitHub refuses what they may not do.
  if (scopes === undefined) return;
  const granted = scopes.split(',').map((scope) => scope.trim());
  if (!granted.includes(requiredScope)) {
    throw new GithubSyncError(
      `The GitHub sign-in cannot change issues in ${repository}: it has the scopes "${scopes}" but needs "${requiredScope}". ` +
        'Sign out of GitHub from the Accounts menu, then run "Virtual Labs: Sync Tasks with GitHub" again to grant it.',
    );
  }
}

/** A sentence for GitHub's refusal of a request about `repository`. */
export function githubRefusal(error: unknown, repository: string): Error {
  if (error instanceof GithubSyncError) return error;
  const status = statusOf(error);
  if (status === 404) {
    return new GithubSyncError(
      `GitHub has no repository ${repository} that this account can see. Check its name, or ask its owner for access, ` +
        'then run "Virtual Labs: Choose GitHub Repositories to Sync" again.',
    );
  }
  if (status === 401) {
    return new GithubSyncError('GitHub refused the sign-in (401). Sign out of GitHub from the Accounts menu and sign in again.');
  }
  const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers;
  if ((status === 403 || status === 429) && headers?.['x-ratelimit-remaining'] === '0') {
    const reset = new Date(Number(headers['x-ratelimit-reset'] ?? 0) * 1000);
    const when = Number.isNaN(reset.getTime()) ? 'later' : `after ${reset.toISOString().slice(11, 16)} UTC`;
    return new GithubSyncError(`GitHub's rate limit for this account is spent; ${repository} was not synced. Sync again ${when}.`);
  }
  if (status === 403 || status === 429) {
    return new GithubSyncError(
      `GitHub refused a request about ${repository} (${status}): the rate limit is spent or the account may not change it. Try again later.`,
    );
  }
  if (status !== undefined) return new GithubSyncError(`GitHub answered ${status} to a request about ${repository}.`);
  const reason = error instanceof Error ? error.message.replace(/(token|bearer)\s+\S+/gi, '$1 …') : String(error);
  return new GithubSyncError(`GitHub could not be reached for ${repository}: ${reason}`);
}

/** The repositories the account can reach, most recently updated first: the first 100, for a picker. */
export async function listRepositories(client: GithubClient): Promise<string[]> {
  let data: unknown;
  try {
    data = (await client.request('GET /user/repos', { sort: 'updated', per_page: 100 })).data;
  } catch (error) {
    throw githubRefusal(error, 'your account');
  }
  const names = Array.isArray(data) ? data.map((repository: { full_name?: unknown }) => repository.full_name) : [];
  return names.filter(
    (name): name is string =>
      typeof name === 'string' && /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/.test(name) && !/\/\.\.?$/.test(name),
  );
}
