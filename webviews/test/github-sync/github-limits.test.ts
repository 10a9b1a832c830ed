// What GitHub limits or refuses, over the wire through @octokit/rest and its plugins: Link paging,
// a secondary rate limit waited out, a sign-in without the scope, a repository the account cannot
// see, and hostile answers and names.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createGithubClient, GithubSyncError, listRepositories } from '../../src/github-sync/github-client';
import { pagedRepository } from './github-stand-in';
import { dashboard, repository, standInForSuite, sync, token } from './sync-fixture';

async function refusal(promise: Promise<unknown>): Promise<GithubSyncError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof GithubSyncError, `a GithubSyncError, not ${String(error)}`);
  assert.ok(!error.message.includes(token) && !String(error.stack).includes(token), 'the token is in no message');
  return error;
}

describe('GitHub limits', () => {
  const standIn = standInForSuite();
  before(() => void standIn().addIssue(repository, { title: 'An issue' }));

  it('follows the Link header through the recorded pages of issues', async () => {
    standIn().addRepository(pagedRepository);
    const before = standIn().requests.length;
    const data = dashboard(pagedRepository);
    const { result } = await sync(standIn(), data);
    const pages = standIn()
      .requests.slice(before)
      .filter((request) => request.url.startsWith('/repositories/1000/'));
    assert.deepEqual(
      pages.map((request) => request.url),
      [2, 3, 4, 5].map((page) => `/repositories/1000/issues?per_page=3&page=${page}`),
    );
    assert.equal(result.summary.tasksCreated, 13);
    const numbers = data.tasks.map((task) => task.github?.number ?? 0).sort((a, b) => a - b);
    assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('waits out a secondary rate limit for the Retry-After GitHub gave, then finishes', async () => {
    standIn().secondaryLimits = 1;
    const before = standIn().requests.length;
    const started = performance.now();
    const { result, events } = await sync(standIn(), dashboard());
    assert.ok(performance.now() - started >= 950, 'the retry came after the second GitHub asked for');
    assert.deepEqual(events, [{ kind: 'secondary-rate-limit', retryAfterSeconds: 1, url: '/repos/{owner}/{repo}' }]);
    const statuses = standIn()
      .requests.slice(before)
      .map((request) => request.status);
    assert.deepEqual(statuses.slice(0, 2), [403, 200], 'refused once, then the same request again');
    assert.equal(result.summary.tasksCreated, 1);
  });

  it('stops at a spent primary rate limit with an hour to go, saying when to sync again', async () => {
    standIn().rateLimitResetsAt = Math.floor(Date.parse('2030-01-01T10:42:00Z') / 1000);
    const before = standIn().requests.length;
    try {
      const error = await refusal(sync(standIn(), dashboard()));
      assert.match(error.message, /rate limit for this account is spent; vlm-test\/lab was not synced\. Sync again after 10:42 UTC/);
      assert.equal(standIn().requests.length - before, 1, 'no retry for a wait that long');
    } finally {
      standIn().rateLimitResetsAt = undefined;
    }
  });
});

describe('GitHub refusals', () => {
  const standIn = standInForSuite();
  before(() => void standIn().addIssue(repository, { title: 'An issue' }));

  it('refuses a sign-in without the repo scope, naming the repository and what to do', async () => {
    standIn().scopes = 'read:user, gist';
    try {
      const error = await refusal(sync(standIn(), dashboard()));
      assert.match(error.message, /vlm-test\/lab.*"read:user, gist".*needs "repo".*Sign out of GitHub/);
    } finally {
      standIn().scopes = 'repo, read:user';
    }
  });

  it('says which repository the account cannot see (404), and how to fix it', async () => {
    const error = await refusal(sync(standIn(), dashboard('vlm-test/hidden')));
    assert.match(error.message, /no repository vlm-test\/hidden that this account can see.*ask its owner/);
  });

  it('refuses a repository name that is not owner/name before any request', async () => {
    const before = standIn().requests.length;
    for (const name of ['../../user', 'vlm-test/..', 'a/b/c', 'a/b?x=1', 'vlm test/lab']) {
      const error = await refusal(sync(standIn(), dashboard(name)));
      assert.match(error.message, /is not a GitHub repository name/);
    }
    assert.equal(standIn().requests.length, before);
  });

  it("lists the account's repositories for the picker, leaving out names that are not owner/name", async () => {
    standIn().extraRepositoryNames = ['evil/..', 'evil/a b', 'vlm-test/extra'];
    const client = createGithubClient({ token, baseUrl: standIn().origin(), etags: {} });
    const names = await listRepositories(client);
    assert.ok(names.includes(repository) && names.includes('vlm-test/extra'));
    assert.ok(!names.includes('evil/..') && !names.includes('evil/a b'));
  });

  it('refuses a Link to another host instead of sending the token there', async () => {
    standIn().foreignLink = 'http://127.0.0.2:9/next';
    try {
      for (let index = 0; index < 100; index++) standIn().addIssue('vlm-test/many', { title: `Issue ${index}` });
      standIn().addIssue('vlm-test/many', { title: 'One more' });
      const error = await refusal(sync(standIn(), dashboard('vlm-test/many')));
      assert.match(error.message, /pointed its next page at another host/);
    } finally {
      standIn().foreignLink = undefined;
    }
  });

  it('keeps hostile titles and labels within what the store accepts', async () => {
    const hostile = 'Title\u0000with\u001bcontrols '.repeat(20);
    standIn().addIssue('vlm-test/hostile', { title: hostile, labels: [{ ...label, name: `bad\nlabel${'x'.repeat(60)}` }] });
    const data = dashboard('vlm-test/hostile');
    await sync(standIn(), data);
    const task = data.tasks[0];
    assert.ok((task?.title.length ?? 0) <= 200);
    assert.ok(task?.title.startsWith('Title with controls Title'), 'control characters become spaces');
    assert.deepEqual(
      task?.labels.map((name) => name.length),
      [50],
    );
  });
});

const label = {
  id: 1,
  node_id: 'MDU6TGFiZWwx',
  url: 'https://api.github.com/repos/vlm-test/hostile/labels/bad',
  name: 'bad',
  description: null,
  color: 'ededed',
  default: false,
};
