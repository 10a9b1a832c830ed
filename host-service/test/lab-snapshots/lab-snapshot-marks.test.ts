// The mark that makes VM snapshots one lab snapshot: written, read back, and not found in
// descriptions that only look like it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupLabSnapshots, labSnapshotDescription, readLabSnapshotMark, type LabMember } from '../../src/lab-snapshots/lab-snapshot-marks';
import type { SnapshotSummary } from '../../src/libvirt/hypervisor';

test('a mark is read back with the user’s words after it, which may hold anything', () => {
  const words = 'line one\nvlm-lab-snapshot lab=other was=running\n<b>&</b>';
  assert.deepEqual(readLabSnapshotMark(labSnapshotDescription('web-lab', true, words)), {
    lab: 'web-lab',
    wasRunning: true,
    description: words,
  });
  assert.deepEqual(readLabSnapshotMark(labSnapshotDescription('web-lab', false, undefined)), {
    lab: 'web-lab',
    wasRunning: false,
    description: '',
  });
  for (const description of [
    '',
    'before the upgrade',
    ' vlm-lab-snapshot lab=web-lab was=running',
    'vlm-lab-snapshot lab=Web_Lab was=running',
    'vlm-lab-snapshot lab=web-lab was=maybe',
  ]) {
    assert.equal(readLabSnapshotMark(description), undefined, JSON.stringify(description));
  }
});

test('snapshots are grouped by name for this lab only; a VM without its part is missing', () => {
  const snapshot = (name: string, description: string, createdAt: string): SnapshotSummary => ({
    name,
    description,
    createdAt,
    domainState: 'paused',
    current: false,
  });
  const db: LabMember = { vm: 'db', domain: 'web-lab.db' };
  const web: LabMember = { vm: 'web', domain: 'web-lab.web' };
  const grouped = groupLabSnapshots(
    'web-lab',
    new Map([
      [
        db,
        [
          snapshot('base', labSnapshotDescription('web-lab', true, 'x'), '2026-11-29T15:00:01.000Z'),
          snapshot('own', 'mine', '2026-11-29T15:00:00.000Z'),
        ],
      ],
      [
        web,
        [
          snapshot('base', labSnapshotDescription('web-lab', false, 'x'), '2026-11-29T15:00:00.000Z'),
          snapshot('alien', labSnapshotDescription('other-lab', true, undefined), '2026-11-29T15:00:00.000Z'),
        ],
      ],
    ]),
  );
  assert.deepEqual(grouped, [
    {
      lab: 'web-lab',
      name: 'base',
      description: 'x',
      createdAt: '2026-11-29T15:00:00.000Z',
      members: [
        { vm: 'db', domain: 'web-lab.db', wasRunning: true, createdAt: '2026-11-29T15:00:01.000Z' },
        { vm: 'web', domain: 'web-lab.web', wasRunning: false, createdAt: '2026-11-29T15:00:00.000Z' },
      ],
      missing: [],
    },
  ]);
});
