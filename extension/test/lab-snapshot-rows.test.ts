// Lab snapshots in the tree: rows under their lab, contextValues that say what a menu may offer,
// the busy lab, the inventory that holds them, and the name check of the input box.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabSnapshotSummary } from '@vlm/schemas/src/host-protocol';
import type { HostDefinition } from '../src/host-configuration';
import { HostInventory } from '../src/host-inventory';
import type { LabSnapshot } from '../src/host-snapshot';
import { snapshotNameProblem } from '../src/lab-snapshot-name';
import { labsTree } from '../src/labs-tree-model';
import { StableRows } from '../src/tree-rows';

const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/run/user/0/vlm/host.sock' } };

function labSnapshot(name: string, missing: string[] = []): LabSnapshotSummary {
  return {
    lab: 'web-lab',
    name,
    description: 'before the upgrade',
    createdAt: '2026-11-29T15:00:00.000Z',
    members: [{ vm: 'db', domain: 'web-lab.db', wasRunning: true, createdAt: '2026-11-29T15:00:00.000Z' }],
    missing,
  };
}

function tree(lab: LabSnapshot) {
  return labsTree([{ host: local, state: { status: 'connected' }, labs: [lab] }])[0]?.children[0];
}

test('lab snapshots are rows after the VMs; an incomplete one cannot be reverted, only deleted', () => {
  const lab = tree({
    name: 'web-lab',
    status: 'running',
    tags: [],
    vms: [{ name: 'db', status: 'running', tags: [] }],
    labSnapshots: [labSnapshot('base'), labSnapshot('old', ['web'])],
  });
  assert.equal(lab?.contextValue, 'lab idle running');
  assert.deepEqual(
    lab?.children.map((row) => [row.kind, row.label, row.contextValue, row.description]),
    [
      ['vm', 'db', 'vm running settled lab', 'running'],
      ['labSnapshot', 'base', 'labSnapshot idle complete', 'lab snapshot · 2026-11-29 15:00'],
      ['labSnapshot', 'old', 'labSnapshot idle incomplete', 'lab snapshot · 2026-11-29 15:00 · lacks web'],
    ],
  );
  assert.equal(lab?.children[1]?.id, 'labSnapshot/local/web-lab/base');
  assert.match(lab?.children[2]?.tooltip ?? '', /No part for: web: it cannot be reverted\./);
});

test('a lab busy with a lab snapshot operation spins, says so, and offers no lab or snapshot actions', () => {
  const lab = tree({ name: 'web-lab', status: 'running', tags: [], vms: [], labSnapshots: [labSnapshot('base')], activity: 'reverting' });
  assert.equal(lab?.contextValue, 'lab busy');
  assert.equal(lab?.icon.codicon, 'loading~spin');
  assert.equal(lab?.description, 'reverting · 0 of 0 running');
  assert.equal(lab?.children[0]?.contextValue, 'labSnapshot busy complete');
});

test('the inventory keeps each lab’s snapshots and activity; the stable rows redraw the lab when they change', () => {
  const inventory = new HostInventory();
  inventory.load([{ name: 'web-lab', status: 'running', vmCount: 0, updatedAt: '2026-11-29T15:00:00.000Z' }], []);
  const rows = new StableRows();
  const draw = () => rows.reconcile(labsTree([{ host: local, state: { status: 'connected' }, labs: inventory.snapshot() }]));
  draw();
  assert.deepEqual([...inventory.setLabSnapshots('web-lab', [labSnapshot('base')]).labs], ['web-lab']);
  const withSnapshot = draw();
  assert.deepEqual(
    withSnapshot.changed.map((row) => row.id),
    ['lab/local/web-lab'],
  );
  inventory.setActivity('web-lab', 'snapshotting');
  assert.equal(inventory.snapshot()[0]?.activity, 'snapshotting');
  inventory.setActivity('web-lab', undefined);
  assert.equal(inventory.snapshot()[0]?.activity, undefined);
});

test('the input box refuses what the host would refuse, and a name the lab already has', () => {
  assert.equal(snapshotNameProblem('lab-20261129'), undefined);
  for (const bad of ['../x', "a'b", '<x>', '-dash', 'x'.repeat(64), 'a b'])
    assert.match(snapshotNameProblem(bad) ?? '', /^Not a snapshot name\./, bad);
  assert.match(snapshotNameProblem('') ?? '', /^Give a name/);
  assert.equal(snapshotNameProblem('base', ['base']), 'The lab already has a snapshot named "base".');
});
