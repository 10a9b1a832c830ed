// GitHub milestones ↔ the milestones of the roadmap a repository is tied to, both ways.
import type { Milestone } from '@vlm/schemas';
import { laterSide, mergeFields, syncedHashOf } from './field-merge';
import { githubRefusal, readAllPages } from './github-client';
import {
  applyMilestoneFields,
  dueOn,
  type MilestoneField,
  milestoneFields,
  milestoneValues,
  type RemoteMilestone,
  remoteMilestoneValues,
} from './record-fields';
import { describeConflict, isTimestamp, type SyncContext, syncedLink } from './sync-context';

function linkedHere(context: SyncContext, milestone: Milestone): boolean {
  return milestone.github?.repository === context.repository;
}

/** The body GitHub takes for these milestone fields. */
function milestoneBody(values: Partial<Record<MilestoneField, unknown>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if ('title' in values) body.title = values.title;
  if ('state' in values) body.state = values.state;
  if ('description' in values) body.description = values.description;
  if ('due' in values) body.due_on = dueOn(values.due);
  return body;
}

async function writeMilestone(context: SyncContext, number: number | undefined, body: Record<string, unknown>): Promise<RemoteMilestone> {
  const { owner, repo } = context;
  try {
    const response =
      number === undefined
        ? await context.client.request('POST /repos/{owner}/{repo}/milestones', { owner, repo, ...body } as never)
        : await context.client.request('PATCH /repos/{owner}/{repo}/milestones/{milestone_number}', {
            owner,
            repo,
            milestone_number: number,
            ...body,
          } as never);
    return response.data as RemoteMilestone;
  } catch (error) {
    throw githubRefusal(error, context.repository);
  }
}

async function mergeMilestone(context: SyncContext, local: Milestone, remote: RemoteMilestone | undefined) {
  const link = local.github;
  if (link === undefined) return;
  const localValues = milestoneValues(local);
  const remoteValues = remote ? remoteMilestoneValues(remote) : undefined;
  const sides = Object.fromEntries(
    milestoneFields.map((field) => [
      field,
      remoteValues ? { local: localValues[field], remote: remoteValues[field] } : { local: localValues[field] },
    ]),
  ) as Record<MilestoneField, { local: unknown; remote?: unknown }>;
  const merge = mergeFields(milestoneFields, sides, link.syncedHash, laterSide(local.updatedAt, remote?.updated_at));
  for (const { field, winner } of merge.conflicts) {
    context.summary.conflicts.push(describeConflict(`Milestone "${local.title}"`, field, winner));
  }
  let remoteUpdatedAt = remote?.updated_at ?? link.remoteUpdatedAt;
  if (merge.toGithub.length > 0) {
    const pick = Object.fromEntries(merge.toGithub.map((field) => [field, merge.values[field]]));
    remoteUpdatedAt = (await writeMilestone(context, link.number, milestoneBody(pick))).updated_at;
    context.summary.githubMilestonesUpdated++;
  }
  if (merge.toLocal.length > 0) {
    applyMilestoneFields(local, Object.fromEntries(merge.toLocal.map((field) => [field, merge.values[field]])));
    local.updatedAt = context.now();
    context.summary.milestonesUpdated++;
  }
  if (merge.syncedHash !== link.syncedHash || merge.toGithub.length > 0 || merge.toLocal.length > 0) {
    local.github = syncedLink(context, link.number, remoteUpdatedAt, merge.syncedHash);
    context.changedMilestoneIds.add(local.id);
  }
}

function importMilestone(context: SyncContext, remote: RemoteMilestone): void {
  const values = remoteMilestoneValues(remote);
  const milestone: Milestone = { id: context.newId(), title: values.title, updatedAt: context.now() };
  applyMilestoneFields(milestone, values);
  milestone.github = syncedLink(context, remote.number, remote.updated_at, syncedHashOf(milestoneFields, values));
  context.milestones.push(milestone);
  context.changedMilestoneIds.add(milestone.id);
  context.summary.milestonesCreated++;
}

async function exportMilestone(context: SyncContext, local: Milestone): Promise<void> {
  const values = milestoneValues(local);
  const created = await writeMilestone(context, undefined, milestoneBody(values));
  local.github = syncedLink(context, created.number, created.updated_at, syncedHashOf(milestoneFields, values));
  context.changedMilestoneIds.add(local.id);
  context.summary.githubMilestonesCreated++;
}

/** Syncs the roadmap's milestones with the repository's, both ways. */
export async function syncMilestones(context: SyncContext): Promise<void> {
  const { owner, repo } = context;
  const remote = await readAllPages<RemoteMilestone>(
    context.client,
    context.repository,
    'GET /repos/{owner}/{repo}/milestones',
    { owner, repo, state: 'all', per_page: 100 },
    false,
    context.etags,
  );
  if (remote === undefined) context.summary.notModified.push('milestones');
  const byNumber = new Map((remote ?? []).filter(validMilestone).map((milestone) => [milestone.number, milestone]));
  for (const local of context.milestones.filter((milestone) => linkedHere(context, milestone))) {
    const number = local.github?.number ?? 0;
    // A milestone deleted on GitHub is created again from the local one below.
    if (remote !== undefined && !byNumber.has(number)) delete local.github;
    else await mergeMilestone(context, local, byNumber.get(number));
    byNumber.delete(number);
  }
  for (const milestone of byNumber.values()) importMilestone(context, milestone);
  for (const local of context.milestones.filter((milestone) => milestone.github === undefined)) {
    await exportMilestone(context, local);
  }
}

function validMilestone(milestone: RemoteMilestone): boolean {
  return (
    Number.isInteger(milestone.number) && milestone.number > 0 && typeof milestone.title === 'string' && isTimestamp(milestone.updated_at)
  );
}
