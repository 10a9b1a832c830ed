// Tasks that stay running for a while, as on a vCenter: the row shows the transition on every
// poll until the task ends, a failure that comes late still carries vCenter's fault, and a
// follow can be stopped (the view was hidden) without stopping the task.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CloudInstance, CloudProvider } from '../../src/cloud-provider.js';
import { startVsphereSimulator, type VsphereSimulator } from '../stand-ins/vsphere-simulator.js';
import { providerFor, rejectsWith } from './vsphere-fixture.js';

describe('vSphere tasks that take time', () => {
  let simulator: VsphereSimulator;
  let provider: CloudProvider;
  let location: string;
  let vm: CloudInstance;
  before(async () => {
    simulator = await startVsphereSimulator({ taskDelayMs: 700 });
    provider = providerFor(simulator);
    location = (await provider.listLocations())[0]?.id ?? '';
    const { instances } = await provider.listInstances(location);
    const found = instances.find((instance) => instance.name === 'DC0_H0_VM0');
    assert.ok(found);
    vm = found;
  });
  after(async () => {
    provider.dispose();
    assert.deepEqual(await simulator.stop(), []);
  });

  test('power off: the row stays stopping while the task runs, then turns stopped', async () => {
    const operation = await provider.runAction(location, vm.id, 'forceStop');
    const states: string[] = [];
    const final = await provider.followOperation(operation, { onInstance: (row) => states.push(row.state) });
    assert.equal(final.state, 'stopped');
    assert.equal(states.at(-1), 'stopped');
    const before = states.slice(0, -1);
    assert.ok(before.length >= 2, `expected the running task to be polled more than once: ${states.join(', ')}`);
    assert.ok(before.every((state) => state === 'stopping'));
  });

  test('power off again: the task runs, then fails with InvalidPowerState as wrongState', async () => {
    const operation = await provider.runAction(location, vm.id, 'forceStop');
    const error = await rejectsWith(provider.followOperation(operation), 'wrongState', 'InvalidPowerState');
    assert.match(error.message, /already poweredOff/);
  });

  test('a follow stopped by its signal rejects at once; the task still ends, and a new follow sees it', async () => {
    const operation = await provider.runAction(location, vm.id, 'start');
    const controller = new AbortController();
    const hidden = new Error('the view was hidden');
    const following = provider.followOperation(operation, {
      signal: controller.signal,
      onInstance: () => controller.abort(hidden),
    });
    await assert.rejects(following, (error) => error === hidden);
    const final = await provider.followOperation(operation);
    assert.equal(final.state, 'running');
  });
});
