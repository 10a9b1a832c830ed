// What one repository's sync carries from step to step: the client, the repository's parts of the
// dashboard being changed, the clock, and the tally the user is shown at the end.
import type { GithubLink, Milestone, Task } from '@vlm/schemas';
import type { GithubClient } from './github-client';

export interface SyncSummary {
  repository: string;
  issuesCreated: number;
  issuesUpdated: number;
  tasksCreated: number;
  tasksUpdated: number;
  githubMilestonesCreated: number;
  githubMilestonesUpdated: number;
  milestonesCreated: number;
  milestonesUpdated: number;
  pullRequestsSkipped: number;
  /** One line per field both sides changed: what, which field, which side won. */
  conflicts: string[];
  /** The lists GitHub answered 304 for: unchanged since the last sync, at no rate-limit cost. */
  notModified: ('issues' | 'milestones')[];
}

export interface SyncContext {
  readonly client: GithubClient;
  /** ETags by request URL, shared with the client. */
  readonly etags: Record<string, string>;
  readonly repository: string;
  readonly owner: string;
  readonly repo: string;
  /** The roadmap's milestones, changed in place, new ones appended. */
  readonly milestones: Milestone[];
  /** Every task; those the sync touches are changed in place, new ones appended. */
  readonly tasks: Task[];
  /** Ids of the tasks and milestones the sync changed or created. */
  readonly changedTaskIds: Set<string>;
  readonly changedMilestoneIds: Set<string>;
  readonly now: () => string;
  readonly newId: () => string;
  readonly summary: SyncSummary;
}

export function emptySummary(repository: string): SyncSummary {
  return {
    repository,
    issuesCreated: 0,
    issuesUpdated: 0,
    tasksCreated: 0,
    tasksUpdated: 0,
    githubMilestonesCreated: 0,
    githubMilestonesUpdated: 0,
    milestonesCreated: 0,
    milestonesUpdated: 0,
    pullRequestsSkipped: 0,
    conflicts: [],
    notModified: [],
  };
}

/** The link to keep after a sync of one record. */
export function syncedLink(context: SyncContext, number: number, remoteUpdatedAt: string | undefined, syncedHash: string): GithubLink {
  const link: GithubLink = { repository: context.repository, number, syncedAt: context.now(), syncedHash };
  if (remoteUpdatedAt !== undefined && isTimestamp(remoteUpdatedAt)) link.remoteUpdatedAt = remoteUpdatedAt;
  return link;
}

const timestamp = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/;

export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && timestamp.test(value);
}

/** A field list for the summary, in words. */
export function describeConflict(what: string, field: string, winner: 'local' | 'github'): string {
  return `${what}: ${field} changed on both sides; ${winner === 'github' ? "GitHub's" : 'the local'} value kept`;
}
