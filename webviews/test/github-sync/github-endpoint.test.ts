// Which API address each sign-in provider leads to, the settings refused, and the store's check of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { githubEndpoint } from '../../src/github-sync/github-endpoint';
import { dashboardDataProblem } from '../../src/store/dashboard-data';
import { dashboard } from './sync-fixture';

describe('GitHub endpoint from the settings', () => {
  it('uses api.github.com with the github provider, and an empty provider means github', () => {
    assert.deepEqual(githubEndpoint('github', '', ''), { providerId: 'github', baseUrl: 'https://api.github.com' });
    assert.deepEqual(githubEndpoint(' ', '', ''), { providerId: 'github', baseUrl: 'https://api.github.com' });
  });

  it("uses GitHub Enterprise's /api/v3 under VS Code's github-enterprise.uri", () => {
    assert.deepEqual(githubEndpoint('github-enterprise', 'https://github.example.com/', ''), {
      providerId: 'github-enterprise',
      baseUrl: 'https://github.example.com/api/v3',
    });
    assert.throws(() => githubEndpoint('github-enterprise', '', ''), /set github-enterprise.uri/);
  });

  it('takes vlm.github.apiUrl over both, for another provider such as a test one', () => {
    assert.deepEqual(githubEndpoint('vlm-test-github', '', 'http://127.0.0.1:4000'), {
      providerId: 'vlm-test-github',
      baseUrl: 'http://127.0.0.1:4000',
    });
  });

  it('refuses addresses that are not plain http(s), and provider ids with odd characters', () => {
    for (const url of ['ftp://example.com', 'https://user:pass@example.com', 'https://example.com/?x=1', 'not a url']) {
      assert.throws(() => githubEndpoint('github', '', url), /GitHub API address/);
    }
    assert.throws(() => githubEndpoint('git hub/..', '', ''), /not an authentication provider id/);
  });
});

describe('the github section of the store', () => {
  it('refuses a repository chosen twice, whatever its case', () => {
    const data = dashboard();
    data.github.repositories.push({ repository: 'VLM-test/Lab', roadmapId: 'roadmap-1' });
    assert.equal(dashboardDataProblem(data), 'github.repositories[1] repeats the repository VLM-test/Lab');
  });
});
