// One repository's sync, start to end: check the sign-in and the repository, then milestones, then
// issues; and how its outcome lands in the dashboard's file. The network work runs on a copy of
// the data read before it; only the records it changed are written back, into the file as it is
// then, so another window's edits to other records stay.
import { randomUUID } from 'node:crypto';
import type { DashboardData, Milestone, Task } from '@vlm/schemas';
import { checkRepository, createGithubClient, type GithubClientEvent, GithubSyncError } from './github-client';
import { syncIssues } from './issue-sync';
import { syncMilestones } from './milestone-sync';
import { emptySummary, type SyncContext, type SyncSummary } from './sync-context';

export type { SyncSummary } from './sync-context';

export type RepositorySettings = DashboardData['github']['repositories'][number];

export interface SyncOptions {
  token: string;
  baseUrl?: string;
  onEvent?: (event: GithubClientEvent) => void;
  now?: () => string;
  newId?: () => string;
}

export interface RepositorySyncResult {
  repository: string;
  roadmapId: string;
  tasks: Task[];
  milestones: Milestone[];
  etags: Record<string, string>;
  lastSyncAt: string;
  summary: SyncSummary;
}

const repositoryName = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;

/** Checks an owner/name the user typed or picked, before it goes into a URL. */
export function checkedRepositoryName(repository: string): string {
  const [, name] = repository.split('/');
  if (!repositoryName.test(repository) || name === '.' || name === '..') {
    throw new GithubSyncError(`"${repository}" is not a GitHub repository name: write owner/name, with letters, digits, "-", "_" and ".".`);
  }
  return repository;
}

/** Syncs one repository with its roadmap and the tasks, reading `data` and returning what changed. */
export async function syncRepository(
  data: DashboardData,
  settings: RepositorySettings,
  options: SyncOptions,
): Promise<RepositorySyncResult> {
  const repository = checkedRepositoryName(settings.repository);
  const [owner = '', repo = ''] = repository.split('/');
  const roadmap = data.roadmaps.find((candidate) => candidate.id === settings.roadmapId);
  if (roadmap === undefined) {
    throw new GithubSyncError(
      `The roadmap tied to ${repository} no longer exists; run "Virtual Labs: Choose GitHub Repositories to Sync" to tie it to another.`,
    );
  }
  const etags = { ...settings.etags };
  const client = createGithubClient({ token: options.token, baseUrl: options.baseUrl, etags, onEvent: options.onEvent });
  const now = options.now ?? (() => new Date().toISOString());
  const context: SyncContext = {
    client,
    etags,
    repository,
    owner,
    repo,
    milestones: structuredClone(roadmap.milestones),
    tasks: structuredClone(data.tasks),
    changedTaskIds: new Set(),
    changedMilestoneIds: new Set(),
    now,
    newId: options.newId ?? randomUUID,
    summary: emptySummary(repository),
  };
  await checkRepository(client, repository);
  await syncMilestones(context);
  await syncIssues(context);
  return {
    repository,
    roadmapId: roadmap.id,
    tasks: context.tasks.filter((task) => context.changedTaskIds.has(task.id)),
    milestones: context.milestones.filter((milestone) => context.changedMilestoneIds.has(milestone.id)),
    etags,
    lastSyncAt: now(),
    summary: context.summary,
  };
}

function upsert<T extends { id: string }>(records: T[], changed: readonly T[]): void {
  for (const record of changed) {
    const index = records.findIndex((candidate) => candidate.id === record.id);
    if (index >= 0) records[index] = record;
    else records.push(record);
  }
}

/** Writes a sync's outcome into the file's data as it is now. */
export function applySyncResult(draft: DashboardData, result: RepositorySyncResult): void {
  upsert(draft.tasks, result.tasks);
  const roadmap = draft.roadmaps.find((candidate) => candidate.id === result.roadmapId);
  if (roadmap !== undefined) upsert(roadmap.milestones, result.milestones);
  const settings = draft.github.repositories.find((candidate) => candidate.repository === result.repository);
  if (settings !== undefined) {
    settings.etags = result.etags;
    settings.lastSyncAt = result.lastSyncAt;
  }
}

/** The summary in one sentence per repository, for a notification. */
export function describeSummary(summary: SyncSummary): string {
  const parts = [
    [summary.issuesCreated, 'issue(s) created'],
    [summary.issuesUpdated, 'issue(s) updated'],
    [summary.tasksCreated, 'task(s) added'],
    [summary.tasksUpdated, 'task(s) updated'],
    [summary.githubMilestonesCreated + summary.githubMilestonesUpdated, 'GitHub milestone(s) written'],
    [summary.milestonesCreated + summary.milestonesUpdated, 'roadmap milestone(s) changed'],
    [summary.conflicts.length, 'conflict(s) settled'],
  ] as const;
  const changes = parts.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}`);
  return `${summary.repository}: ${changes.length > 0 ? changes.join(', ') : 'no change'}.`;
}
