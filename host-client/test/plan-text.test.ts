import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlanResult } from '@vlm/schemas/src/host-protocol';
import { clipLines, destroyLines, planDocument, planSummary } from '../src/plan-text';

const plan: PlanResult = {
  lab: 'tiny-pair',
  newLab: false,
  unchanged: 3,
  steps: [
    { action: 'create', kind: 'domain', resource: 'tiny-pair.beta', labItem: 'beta', changes: [] },
    { action: 'change', kind: 'domain', resource: 'tiny-pair.alpha', labItem: 'alpha', changes: ['ram_mb 128 → 256'] },
    { action: 'delete', kind: 'port', resource: 'ssh:22003', labItem: 'gamma', changes: [] },
  ],
};

test('a plan reads as + ~ - lines under a one-line summary', () => {
  assert.equal(planSummary(plan), '1 to create, 1 to change, 1 to delete, 3 unchanged');
  assert.equal(
    planDocument(plan, 'local'),
    [
      '# Plan for lab tiny-pair on host local',
      '# 1 to create, 1 to change, 1 to delete, 3 unchanged',
      '',
      '+ domain tiny-pair.beta [beta]',
      '~ domain tiny-pair.alpha [alpha] (ram_mb 128 → 256)',
      '- port ssh:22003 [gamma]',
      '',
    ].join('\n'),
  );
});

test('an empty plan says there is nothing to do', () => {
  assert.match(planDocument({ ...plan, steps: [] }, 'local'), /Nothing to do/);
});

test('destroying names every VM, disk, network and port it removes', () => {
  const lines = destroyLines({
    domains: [{ name: 'tiny-pair.alpha', vm: 'alpha' }],
    volumes: [{ pool: 'default', name: 'tiny-pair.alpha.qcow2', vm: 'alpha' }],
    networks: [{ name: 'tiny-pair.lan', network: 'lan' }],
    ports: [{ kind: 'ssh', port: 22001, vm: 'alpha' }],
  });
  assert.deepEqual(lines, [
    'VM alpha (libvirt domain tiny-pair.alpha)',
    'disk tiny-pair.alpha.qcow2 in pool default',
    'network lan (libvirt network tiny-pair.lan)',
    'SSH port 22001 of alpha',
  ]);
  assert.equal(clipLines(['a', 'b', 'c'], 2), 'a\nb\n… and 1 more');
});
