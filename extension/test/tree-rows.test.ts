import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostDefinition } from '../src/host-configuration';
import type { LabSnapshot } from '../src/host-snapshot';
import { labsTree } from '../src/labs-tree-model';
import { StableRows } from '../src/tree-rows';

const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/run/vlm/vlm-host.sock' } };
const lab = (betaStatus: 'running' | 'stopped', extra: string[] = []): LabSnapshot => ({
  name: 'tiny-pair',
  tags: [],
  vms: [
    { name: 'alpha', domain: 'tiny-pair.alpha', status: 'running', tags: [] },
    { name: 'beta', domain: 'tiny-pair.beta', status: betaStatus, tags: [] },
    ...extra.map((name) => ({ name, domain: `tiny-pair.${name}`, status: 'running' as const, tags: [] })),
  ],
});
const tree = (snapshot: LabSnapshot) => labsTree([{ host: local, state: { status: 'connected' }, labs: [snapshot] }]);

test('the first reconcile shows everything; an unchanged tree refreshes nothing', () => {
  const rows = new StableRows();
  const first = rows.reconcile(tree(lab('stopped')));
  assert.equal(first.rootsChanged, true);
  const again = rows.reconcile(tree(lab('stopped')));
  assert.equal(again.rootsChanged, false);
  assert.deepEqual(again.changed, []);
  assert.equal(again.roots[0], first.roots[0], 'the same row object, so VS Code keeps its node');
});

test('a VM that starts refreshes its row and its lab (whose count changed), keeping both objects', () => {
  const rows = new StableRows();
  const before = rows.reconcile(tree(lab('stopped')));
  const betaBefore = rows.get('vm/local/tiny-pair.beta');
  const after = rows.reconcile(tree(lab('running')));
  assert.deepEqual(after.changed.map((row) => row.id).sort(), ['lab/local/tiny-pair', 'vm/local/tiny-pair.beta']);
  assert.equal(rows.get('vm/local/tiny-pair.beta'), betaBefore);
  assert.match(betaBefore?.contextValue ?? '', /^vm running\b/);
  assert.equal(after.roots[0], before.roots[0]);
});

test('a VM joining a lab refreshes the lab, not its siblings', () => {
  const rows = new StableRows();
  rows.reconcile(tree(lab('running')));
  const after = rows.reconcile(tree(lab('running', ['gamma'])));
  assert.deepEqual(
    after.changed.map((row) => row.id),
    ['lab/local/tiny-pair'],
  );
});
