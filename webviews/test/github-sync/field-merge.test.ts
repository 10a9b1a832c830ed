// The rule when both sides changed: per field, the side that changed it; both, the later one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { laterSide, mergeFields, syncedHashOf } from '../../src/github-sync/field-merge';

const fields = ['title', 'state', 'labels'] as const;
const base = { title: 'Plan', state: 'open', labels: ['a'] };
const syncedHash = syncedHashOf(fields, base);

function sides(local: typeof base, remote?: typeof base) {
  return Object.fromEntries(
    fields.map((field) => [field, remote ? { local: local[field], remote: remote[field] } : { local: local[field] }]),
  ) as Record<(typeof fields)[number], { local: unknown; remote?: unknown }>;
}

describe('field merge', () => {
  it('changes nothing when neither side changed', () => {
    const merge = mergeFields(fields, sides(base, base), syncedHash, 'github');
    assert.deepEqual([merge.toGithub, merge.toLocal, merge.conflicts], [[], [], []]);
    assert.equal(merge.syncedHash, syncedHash);
  });

  it('takes each field from the side that changed it, both sides at once', () => {
    const local = { ...base, title: 'Plan the lab' };
    const remote = { ...base, state: 'closed' };
    const merge = mergeFields(fields, sides(local, remote), syncedHash, 'local');
    assert.deepEqual(merge.toGithub, ['title']);
    assert.deepEqual(merge.toLocal, ['state']);
    assert.deepEqual(merge.values, { title: 'Plan the lab', state: 'closed', labels: ['a'] });
    assert.deepEqual(merge.conflicts, []);
  });

  it('gives a field both sides changed to the side updated later', () => {
    const local = { ...base, title: 'Local title' };
    const remote = { ...base, title: 'GitHub title' };
    const localLater = mergeFields(fields, sides(local, remote), syncedHash, 'local');
    assert.deepEqual([localLater.values.title, localLater.toGithub], ['Local title', ['title']]);
    assert.deepEqual(localLater.conflicts, [{ field: 'title', winner: 'local' }]);
    const githubLater = mergeFields(fields, sides(local, remote), syncedHash, 'github');
    assert.deepEqual([githubLater.values.title, githubLater.toLocal], ['GitHub title', ['title']]);
  });

  it('sees no conflict when both sides made the same change', () => {
    const changed = { ...base, labels: ['a', 'b'] };
    const merge = mergeFields(fields, sides(changed, changed), syncedHash, 'github');
    assert.deepEqual([merge.toGithub, merge.toLocal, merge.conflicts], [[], [], []]);
    assert.notEqual(merge.syncedHash, syncedHash);
  });

  it('sends local changes when GitHub answered 304 (its side unchanged)', () => {
    const local = { ...base, state: 'closed' };
    const merge = mergeFields(fields, sides(local), syncedHash, 'github');
    assert.deepEqual([merge.toGithub, merge.toLocal], [['state'], []]);
  });

  it('treats a missing or foreign syncedHash as both sides changed', () => {
    const remote = { ...base, title: 'GitHub title' };
    for (const hash of [undefined, 'v0:zz', 'v1:abc']) {
      const merge = mergeFields(fields, sides(base, remote), hash, 'github');
      assert.deepEqual(merge.toLocal, ['title']);
    }
  });

  it('picks the later side by time, GitHub on a tie or a missing time', () => {
    assert.equal(laterSide('2026-01-02T00:00:00.000Z', '2026-01-01T00:00:00Z'), 'local');
    assert.equal(laterSide('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00Z'), 'github');
    assert.equal(laterSide(undefined, '2026-01-01T00:00:00Z'), 'github');
  });
});
