import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostEvent, HostEventBody, VmSummary } from '@vlm/schemas/src/host-protocol';
import { HostInventory } from '../src/host-inventory';

const vm = (name: string, state: VmSummary['state'], lab?: string): VmSummary => ({
  name,
  uuid: `uuid-${name}`,
  state,
  vcpu: 1,
  memoryBytes: 128 * 1024 ** 2,
  persistent: true,
  autostart: false,
  ...(lab ? { lab, labVm: name.replace(`${lab}.`, '') } : {}),
});

let sequence = 0;
const event = (body: HostEventBody): HostEvent => ({ ...body, sequence: ++sequence, time: new Date().toISOString() });

function pairInventory(): HostInventory {
  const inventory = new HostInventory();
  inventory.load(
    [{ name: 'tiny-pair', status: 'running', vmCount: 2, updatedAt: '2026-11-21T00:00:00Z' }],
    [vm('tiny-pair.alpha', 'running', 'tiny-pair'), vm('tiny-pair.beta', 'shut-off', 'tiny-pair'), vm('scratch', 'running')],
  );
  return inventory;
}

test('labs hold their VMs under their lab names; VMs of no lab come last', () => {
  const labs = pairInventory().snapshot();
  assert.deepEqual(
    labs.map((lab) => lab.name),
    ['tiny-pair', ''],
  );
  assert.deepEqual(
    labs[0]?.vms.map((entry) => [entry.name, entry.domain, entry.status]),
    [
      ['alpha', 'tiny-pair.alpha', 'running'],
      ['beta', 'tiny-pair.beta', 'stopped'],
    ],
  );
  assert.deepEqual(
    labs[1]?.vms.map((entry) => entry.name),
    ['scratch'],
  );
});

test('a vm-state event changes that VM and its lab only', () => {
  const inventory = pairInventory();
  const change = inventory.apply(event({ type: 'vm-state', vm: 'tiny-pair.beta', state: 'running', lab: 'tiny-pair', detail: 'booted' }));
  assert.deepEqual([...change.vms], ['tiny-pair.beta']);
  assert.deepEqual([...change.labs], ['tiny-pair']);
  assert.equal(change.labsAdded, false);
  assert.equal(inventory.snapshot()[0]?.vms[1]?.status, 'running');
});

test('an event that repeats the known state changes nothing', () => {
  const change = pairInventory().apply(event({ type: 'vm-state', vm: 'tiny-pair.alpha', state: 'running', detail: '' }));
  assert.equal(change.vms.size + change.labs.size, 0);
});

test('a VM the inventory has not seen is reported so its details can be read', () => {
  const change = pairInventory().apply(event({ type: 'vm-state', vm: 'new-one', state: 'running', detail: 'defined' }));
  assert.equal(change.unknownVm, 'new-one');
});

test('an undefined domain leaves; a destroyed lab leaves the host', () => {
  const inventory = pairInventory();
  inventory.apply(event({ type: 'vm-state', vm: 'scratch', state: 'undefined', detail: 'undefined' }));
  assert.deepEqual(
    inventory.snapshot().map((lab) => lab.name),
    ['tiny-pair'],
  );
  const change = inventory.apply(event({ type: 'lab-status', lab: 'tiny-pair', status: 'destroyed' }));
  assert.equal(change.labsAdded, true);
  // Its domains, until their own events arrive, show among the VMs of no lab.
  assert.deepEqual(
    inventory.snapshot().map((lab) => lab.name),
    [''],
  );
});

test('a new lab appears with its status', () => {
  const inventory = pairInventory();
  const change = inventory.apply(event({ type: 'lab-status', lab: 'web', status: 'deploying' }));
  assert.equal(change.labsAdded, true);
  assert.equal(inventory.snapshot().find((lab) => lab.name === 'web')?.status, 'deploying');
});

test('labs and VMs named constructor, prototype or valueof are ordinary rows, found by event', () => {
  const inventory = new HostInventory();
  inventory.load(
    [
      { name: 'constructor', status: 'running', vmCount: 2, updatedAt: '2026-11-21T00:00:00Z' },
      { name: 'prototype', status: 'running', vmCount: 1, updatedAt: '2026-11-21T00:00:00Z' },
    ],
    [
      vm('constructor.constructor', 'running', 'constructor'),
      vm('constructor.valueof', 'shut-off', 'constructor'),
      vm('prototype.hasownproperty', 'running', 'prototype'),
    ],
  );
  const labs = inventory.snapshot();
  assert.deepEqual(
    labs.map((lab) => [lab.name, lab.vms.map((entry) => entry.name)]),
    [
      ['constructor', ['constructor', 'valueof']],
      ['prototype', ['hasownproperty']],
    ],
  );
  const change = inventory.apply(
    event({ type: 'vm-state', vm: 'constructor.valueof', state: 'running', lab: 'constructor', detail: 'booted' }),
  );
  assert.deepEqual([...change.vms], ['constructor.valueof']);
  assert.equal(change.unknownVm, undefined);
  assert.equal(inventory.apply(event({ type: 'vm-state', vm: 'tostring', state: 'running', detail: 'defined' })).unknownVm, 'tostring');
});
