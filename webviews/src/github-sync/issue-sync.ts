// GitHub issues ↔ tasks, both ways. A task belongs to a repository once it is linked to one of
// its issues, or, before that, when it is linked to a milestone of the repository's roadmap; a
// task linked to no such milestone stays local. Pull requests, which the issues list also
// returns, are skipped.
import type { Task } from '@vlm/schemas';
import { laterSide, mergeFields, syncedHashOf } from './field-merge';
import { githubRefusal, readAllPages } from './github-client';
import { applyIssueFields, type IssueField, issueFields, issueValues, type RemoteIssue, taskValues } from './record-fields';
import { describeConflict, isTimestamp, type SyncContext, syncedLink } from './sync-context';

interface MilestoneMaps {
  number: (milestoneId: string) => number | undefined;
  id: (number: number) => string | undefined;
  roadmapIds: ReadonlySet<string>;
}

function milestoneMaps(context: SyncContext): MilestoneMaps {
  const numbers = new Map<string, number>();
  const ids = new Map<number, string>();
  for (const milestone of context.milestones) {
    if (milestone.github?.repository !== context.repository) continue;
    numbers.set(milestone.id, milestone.github.number);
    ids.set(milestone.github.number, milestone.id);
  }
  return {
    number: (milestoneId) => numbers.get(milestoneId),
    id: (number) => ids.get(number),
    roadmapIds: new Set(context.milestones.map((milestone) => milestone.id)),
  };
}

function issueBody(values: Partial<Record<IssueField, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values));
}

async function writeIssue(context: SyncContext, number: number | undefined, body: Record<string, unknown>): Promise<RemoteIssue> {
  const { owner, repo } = context;
  try {
    const response =
      number === undefined
        ? await context.client.request('POST /repos/{owner}/{repo}/issues', { owner, repo, ...body } as never)
        : await context.client.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
            owner,
            repo,
            issue_number: number,
            ...body,
          } as never);
    return response.data as RemoteIssue;
  } catch (error) {
    throw githubRefusal(error, context.repository);
  }
}

async function mergeIssue(context: SyncContext, maps: MilestoneMaps, task: Task, remote: RemoteIssue | undefined) {
  const link = task.github;
  if (link === undefined) return;
  const localValues = taskValues(task, maps.number);
  const remoteValues = remote ? issueValues(remote) : undefined;
  const sides = Object.fromEntries(
    issueFields.map((field) => [
      field,
      remoteValues ? { local: localValues[field], remote: remoteValues[field] } : { local: localValues[field] },
    ]),
  ) as Record<IssueField, { local: unknown; remote?: unknown }>;
  const merge = mergeFields(issueFields, sides, link.syncedHash, laterSide(task.updatedAt, remote?.updated_at));
  for (const { field, winner } of merge.conflicts) {
    context.summary.conflicts.push(describeConflict(`Task "${task.title}" (#${link.number})`, field, winner));
  }
  let remoteUpdatedAt = remote?.updated_at ?? link.remoteUpdatedAt;
  if (merge.toGithub.length > 0) {
    const pick = Object.fromEntries(merge.toGithub.map((field) => [field, merge.values[field]]));
    remoteUpdatedAt = (await writeIssue(context, link.number, issueBody(pick))).updated_at;
    context.summary.issuesUpdated++;
  }
  if (merge.toLocal.length > 0) {
    const pick = Object.fromEntries(merge.toLocal.map((field) => [field, merge.values[field]]));
    applyIssueFields(task, pick, maps.id, maps.roadmapIds);
    task.updatedAt = context.now();
    context.summary.tasksUpdated++;
  }
  if (merge.syncedHash !== link.syncedHash || merge.toGithub.length > 0 || merge.toLocal.length > 0) {
    task.github = syncedLink(context, link.number, remoteUpdatedAt, merge.syncedHash);
    context.changedTaskIds.add(task.id);
  }
}

function importIssue(context: SyncContext, maps: MilestoneMaps, remote: RemoteIssue): void {
  const values = issueValues(remote);
  const order = Math.max(0, ...context.tasks.map((task) => task.order)) + 1;
  const task: Task = {
    id: context.newId(),
    title: values.title,
    status: 'todo',
    priority: 'normal',
    labels: [],
    links: [],
    order,
    updatedAt: context.now(),
  };
  applyIssueFields(task, values, maps.id, maps.roadmapIds);
  task.github = syncedLink(context, remote.number, remote.updated_at, syncedHashOf(issueFields, values));
  context.tasks.push(task);
  context.changedTaskIds.add(task.id);
  context.summary.tasksCreated++;
}

async function exportTask(context: SyncContext, maps: MilestoneMaps, task: Task): Promise<void> {
  const values = taskValues(task, maps.number);
  const { state, ...fields } = values;
  let created = await writeIssue(context, undefined, issueBody(fields));
  // GitHub opens every new issue; a done task's issue is closed right after.
  if (state === 'closed') created = await writeIssue(context, created.number, { state });
  task.github = syncedLink(context, created.number, created.updated_at, syncedHashOf(issueFields, values));
  context.changedTaskIds.add(task.id);
  context.summary.issuesCreated++;
}

function inScope(context: SyncContext, maps: MilestoneMaps, task: Task): boolean {
  if (task.github !== undefined) return task.github.repository === context.repository;
  return task.links.some((link) => link.kind === 'milestone' && maps.roadmapIds.has(link.id));
}

/** Syncs the repository's issues with the tasks, both ways; run after syncMilestones. */
export async function syncIssues(context: SyncContext): Promise<void> {
  const { owner, repo } = context;
  const remote = await readAllPages<RemoteIssue>(
    context.client,
    context.repository,
    'GET /repos/{owner}/{repo}/issues',
    { owner, repo, state: 'all', sort: 'updated', direction: 'desc', per_page: 100 },
    true,
    context.etags,
  );
  if (remote === undefined) context.summary.notModified.push('issues');
  const issues = (remote ?? []).filter((issue) => {
    if (issue.pull_request === undefined) return validIssue(issue);
    context.summary.pullRequestsSkipped++;
    return false;
  });
  const byNumber = new Map(issues.map((issue) => [issue.number, issue]));
  const maps = milestoneMaps(context);
  for (const task of context.tasks.filter((candidate) => inScope(context, maps, candidate))) {
    const number = task.github?.number;
    if (number === undefined) continue;
    // An issue gone from the list (deleted or moved) leaves its task as it is.
    if (remote === undefined || byNumber.has(number)) await mergeIssue(context, maps, task, byNumber.get(number));
    byNumber.delete(number);
  }
  for (const issue of byNumber.values()) importIssue(context, maps, issue);
  for (const task of context.tasks.filter((candidate) => candidate.github === undefined)) {
    if (inScope(context, maps, task)) await exportTask(context, maps, task);
  }
}

function validIssue(issue: RemoteIssue): boolean {
  return (
    Number.isInteger(issue.number) &&
    issue.number > 0 &&
    typeof issue.title === 'string' &&
    Array.isArray(issue.labels) &&
    isTimestamp(issue.updated_at)
  );
}
