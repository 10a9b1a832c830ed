// GitHub sync over the wire, through @octokit/rest and its plugins, against the loopback stand-in:
// both ways, a conflict, and a 304 on a sync that finds nothing changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboard, pullRequestFields, repository, standInForSuite, sync, token } from './sync-fixture';

describe('GitHub sync', () => {
  const standIn = standInForSuite();

  it('brings issues and milestones in, sends tasks and milestones out, and skips pull requests', async () => {
    standIn().addMilestone(repository, { title: 'Networking', due_on: '2026-03-01T08:00:00Z', state: 'open' });
    standIn().addIssue(repository, { title: 'Bridge the lab', milestone: standIn().repositories.get(repository)?.milestones[0] });
    standIn().addIssue(repository, { title: 'A pull request', ...pullRequestFields });
    const data = dashboard();
    data.roadmaps[0]?.milestones.push({ id: 'local-m', title: 'Storage', due: '2026-04-01', updatedAt: '2026-01-01T00:00:00.000Z' });
    data.tasks.push({
      ...{ id: 'local-t', title: 'Add a disk', status: 'done', priority: 'high', labels: ['disk'] },
      ...{ links: [{ kind: 'milestone', id: 'local-m' }], order: 1, updatedAt: '2026-01-01T00:00:00.000Z' },
    });
    const { result } = await sync(standIn(), data);

    assert.deepEqual([result.summary.tasksCreated, result.summary.issuesCreated, result.summary.pullRequestsSkipped], [1, 1, 1]);
    const imported = data.tasks.find((task) => task.title === 'Bridge the lab');
    const networking = data.roadmaps[0]?.milestones.find((milestone) => milestone.title === 'Networking');
    assert.equal(networking?.due, '2026-03-01');
    assert.deepEqual(imported?.links, [{ kind: 'milestone', id: networking?.id }]);
    const remote = standIn().repositories.get(repository);
    const storage = remote?.milestones.find((milestone) => milestone.title === 'Storage');
    assert.equal(storage?.due_on, '2026-04-01T00:00:00Z');
    const sent = remote?.issues.find((issue) => issue.title === 'Add a disk');
    const milestoneNumber = (sent?.milestone as { number: number } | undefined)?.number;
    assert.deepEqual([sent?.state, milestoneNumber], ['closed', storage?.number]);
    assert.equal(data.tasks.find((task) => task.id === 'local-t')?.github?.number, sent?.number);
    assert.ok(!JSON.stringify(data).includes(token), 'the token never reaches the store');
  });

  it('settles a field both sides changed by the later side, and takes the rest from where they changed', async () => {
    const data = dashboard('vlm-test/conflict');
    standIn().addIssue('vlm-test/conflict', { title: 'Old title', labels: [] });
    await sync(standIn(), data);
    const task = data.tasks[0];
    assert.ok(task);
    const issue = standIn().repositories.get('vlm-test/conflict')?.issues[0] ?? {};
    Object.assign(issue, { title: 'GitHub title', body: 'Written on GitHub', updated_at: standIn().tick() });
    Object.assign(task, { title: 'Local title', status: 'doing', updatedAt: '2030-01-01T00:00:00.000Z' });
    const { result } = await sync(standIn(), data);
    const synced = data.tasks[0];

    assert.equal(issue.title, 'Local title', 'the local side changed the title later');
    assert.equal(synced?.notes, 'Written on GitHub', 'only GitHub changed the body');
    assert.equal(synced?.status, 'doing', 'todo and doing are both an open issue');
    assert.deepEqual(result.summary.conflicts, [
      `Task "Local title" (#${issue.number}): title changed on both sides; the local value kept`,
    ]);
  });

  it('asks conditionally, and a sync that finds nothing changed costs three 304s and no write', async () => {
    standIn().addMilestone('vlm-test/quiet', { title: 'Quiet' });
    standIn().addIssue('vlm-test/quiet', { title: 'Quiet issue' });
    const data = dashboard('vlm-test/quiet');
    await sync(standIn(), data);
    const before = standIn().requests.length;
    const revisionBefore = JSON.stringify(data.tasks);
    const { result } = await sync(standIn(), data);
    const second = standIn().requests.slice(before);
    assert.deepEqual(
      second.map((request) => request.status),
      [304, 304, 304],
    );
    assert.deepEqual(result.summary.notModified, ['milestones', 'issues']);
    assert.equal(JSON.stringify(data.tasks), revisionBefore);
  });
});
