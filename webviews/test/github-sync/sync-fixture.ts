// What the GitHub sync tests share: a stand-in on loopback, a dashboard with one roadmap tied to
// one repository, and a sync that writes its outcome back the way the extension does.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { DashboardData } from '@vlm/schemas';
import type { GithubClientEvent } from '../../src/github-sync/github-client';
import { applySyncResult, type RepositorySyncResult, syncRepository } from '../../src/github-sync/repository-sync';
import { dashboardDataProblem, emptySections } from '../../src/store/dashboard-data';
import { GithubStandIn } from './github-stand-in';

export const token = 'gho_standInToken0123456789abcdefghijklmn';
export const repository = 'vlm-test/lab';

export function dashboard(repositoryName = repository): DashboardData {
  return {
    schema_version: 2,
    revision: 0,
    ...emptySections(),
    roadmaps: [{ id: 'roadmap-1', name: 'Lab plan', milestones: [] }],
    github: { repositories: [{ repository: repositoryName, roadmapId: 'roadmap-1' }] },
  };
}

export interface SyncRun {
  result: RepositorySyncResult;
  events: GithubClientEvent[];
}

let ids = 0;

/** Syncs the first repository and writes the outcome into `data`, checked as the store checks it. */
export async function sync(standIn: GithubStandIn, data: DashboardData): Promise<SyncRun> {
  const events: GithubClientEvent[] = [];
  const settings = data.github.repositories[0];
  if (settings === undefined) throw new Error('no repository to sync');
  const result = await syncRepository(data, settings, {
    token,
    baseUrl: standIn.origin(),
    onEvent: (event) => events.push(event),
    newId: () => `id-${++ids}`,
  });
  applySyncResult(data, result);
  const problem = dashboardDataProblem(data);
  if (problem !== undefined) throw new Error(`the synced data is refused by the store: ${problem}`);
  return { result, events };
}

/** A stand-in for the enclosing describe: started before its tests, closed and checked after. */
export function standInForSuite(): () => GithubStandIn {
  const standIn = new GithubStandIn(token);
  before(() => standIn.start());
  after(async () => {
    await standIn.close();
    assert.deepEqual(standIn.failures, [], "every answer matched GitHub's OpenAPI description");
  });
  return () => standIn;
}

export const pullRequestFields = {
  pull_request: {
    url: 'https://api.github.com/repos/vlm-test/lab/pulls/9',
    html_url: 'https://github.com/vlm-test/lab/pull/9',
    diff_url: 'https://github.com/vlm-test/lab/pull/9.diff',
    patch_url: 'https://github.com/vlm-test/lab/pull/9.patch',
    merged_at: null,
  },
};
