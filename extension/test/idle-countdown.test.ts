// The idle shutdown countdown in the sidebar: the host's vm-idle events and listings reach the
// VM's row as a description and a tooltip line, and the words follow the clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostEvent, HostEventBody, VmSummary } from '@vlm/schemas/src/host-protocol';
import type { HostDefinition } from '../src/host-configuration';
import { HostInventory } from '../src/host-inventory';
import { hasIdleCountdown, idleShutdownWords, labsTree } from '../src/labs-tree-model';

const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/run/user/0/vlm/host.sock' } };
const vm = (name: string, extra: Partial<VmSummary> = {}): VmSummary => ({
  name: `idle-lab.${name}`,
  uuid: `uuid-${name}`,
  state: 'running',
  vcpu: 1,
  memoryBytes: 128 * 1024 ** 2,
  persistent: true,
  autostart: false,
  lab: 'idle-lab',
  labVm: name,
  ...extra,
});
let sequence = 0;
const event = (body: HostEventBody): HostEvent => ({ ...body, sequence: ++sequence, time: new Date().toISOString() });
const at = Date.parse('2026-11-29T15:00:00Z');

function rowsOf(inventory: HostInventory, now: number): { description?: string; tooltip: string }[] {
  const snapshots = [{ host: local, state: { status: 'connected' as const }, labs: inventory.snapshot() }];
  return labsTree(snapshots, '', now)[0]?.children[0]?.children ?? [];
}

test('the countdown reads in whole minutes, rounded up, then "now"', () => {
  const shutdownAt = new Date(at + 4 * 60_000 + 10_000).toISOString();
  assert.equal(idleShutdownWords(shutdownAt, at)?.short, 'idle: shutdown in 5 min');
  assert.equal(idleShutdownWords(shutdownAt, at + 4 * 60_000)?.short, 'idle: shutdown in under 1 min');
  assert.equal(idleShutdownWords(shutdownAt, at + 5 * 60_000)?.short, 'idle: shutdown now');
  assert.equal(idleShutdownWords('<script>', at), undefined, 'a host answer that is not a time shows nothing');
  assert.match(
    idleShutdownWords(shutdownAt, at)?.long ?? '',
    /power off in 5 min \(15:04 UTC\), unless its CPU gets busy or a console opens\./,
  );
});

test('a listing with idleShutdownAt and vm-idle events set and clear the row countdown', () => {
  const inventory = new HostInventory();
  inventory.load(
    [{ name: 'idle-lab', status: 'running', vmCount: 2, updatedAt: '2026-11-29T00:00:00Z' }],
    [vm('a', { idleShutdownAt: new Date(at + 60_000).toISOString() }), vm('b')],
  );
  let [a, b] = rowsOf(inventory, at);
  assert.equal(a?.description, 'running · idle: shutdown in under 1 min');
  assert.match(a?.tooltip ?? '', /^VM a of lab idle-lab: running\nIdle: the host will ask it to power off/);
  assert.equal(b?.description, 'running');

  const change = inventory.apply(
    event({ type: 'vm-idle', vm: 'idle-lab.b', lab: 'idle-lab', shutdownAt: new Date(at + 10 * 60_000).toISOString() }),
  );
  assert.deepEqual([...change.vms], ['idle-lab.b']);
  inventory.apply(event({ type: 'vm-idle', vm: 'idle-lab.a', lab: 'idle-lab', shutdownAt: null }));
  [a, b] = rowsOf(inventory, at + 60_000);
  assert.equal(a?.description, 'running');
  assert.doesNotMatch(a?.tooltip ?? '', /Idle/);
  assert.equal(b?.description, 'running · idle: shutdown in 9 min');
  assert.equal(
    inventory.apply(event({ type: 'vm-idle', vm: 'idle-lab.b', lab: 'idle-lab', shutdownAt: new Date(at + 10 * 60_000).toISOString() })).vms
      .size,
    0,
    'the same time again changes nothing',
  );
  assert.equal(inventory.apply(event({ type: 'vm-idle', vm: 'nobody', lab: 'idle-lab', shutdownAt: null })).vms.size, 0);
});

test('a stopped VM shows no countdown, and the tree ticks only while one is shown', () => {
  const inventory = new HostInventory();
  inventory.load(
    [{ name: 'idle-lab', status: 'running', vmCount: 1, updatedAt: '2026-11-29T00:00:00Z' }],
    [vm('a', { state: 'shut-off', idleShutdownAt: new Date(at + 60_000).toISOString() })],
  );
  assert.equal(rowsOf(inventory, at)[0]?.description, 'stopped');
  const snapshots = [{ host: local, state: { status: 'connected' as const }, labs: inventory.snapshot() }];
  assert.equal(hasIdleCountdown(snapshots), true);
  inventory.apply(event({ type: 'vm-idle', vm: 'idle-lab.a', lab: 'idle-lab', shutdownAt: null }));
  assert.equal(hasIdleCountdown([{ host: local, state: { status: 'connected' }, labs: inventory.snapshot() }]), false);
});
