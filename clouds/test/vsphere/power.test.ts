// Power actions on the simulator's VMs, each a real vSphere task (or a guest shutdown) followed
// to its end: the rows move through their states, and refused actions carry vCenter's fault.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CloudInstance, CloudProvider, PowerAction } from '../../src/cloud-provider.js';
import { startVsphereSimulator, type VsphereSimulator } from '../stand-ins/vsphere-simulator.js';
import { defaultVmNames, providerFor, rejectsWith } from './vsphere-fixture.js';

let simulator: VsphereSimulator;
let provider: CloudProvider;
let location: string;
const byName = new Map<string, CloudInstance>();

before(async () => {
  // Three objects per page at most, as a vCenter caps its pages: four VMs take two.
  simulator = await startVsphereSimulator({ pageLimit: 3 });
  provider = providerFor(simulator);
  location = (await provider.listLocations())[0]?.id ?? '';
});
after(async () => {
  provider.dispose();
  assert.deepEqual(await simulator.stop(), []);
});

async function listAll(): Promise<CloudInstance[]> {
  const first = await provider.listInstances(location);
  assert.ok(first.nextPageToken, 'four VMs at three per page should give a second page');
  const second = await provider.listInstances(location, { pageToken: first.nextPageToken });
  assert.equal(second.nextPageToken, undefined);
  return [...first.instances, ...second.instances];
}

async function act(name: string, action: PowerAction): Promise<{ states: string[]; final: CloudInstance }> {
  const instance = byName.get(name);
  assert.ok(instance, `no VM named ${name}`);
  const operation = await provider.runAction(location, instance.id, action);
  const states: string[] = [];
  const final = await provider.followOperation(operation, { onInstance: (row) => states.push(row.state) });
  return { states, final };
}

describe('vSphere listing and power off against the simulator', () => {
  test('lists the four default VMs over two pages, running, with size, placement and console link', async () => {
    const instances = await listAll();
    for (const instance of instances) byName.set(instance.name, instance);
    assert.deepEqual([...byName.keys()].sort(), defaultVmNames);
    for (const instance of instances) {
      assert.equal(instance.state, 'running');
      assert.equal(instance.providerState, 'poweredOn');
      assert.match(instance.id, /^vm-\d+$/);
      assert.equal(instance.size, '1 vCPU/32 MiB');
      assert.equal(instance.pricePerHour, undefined);
      assert.deepEqual(instance.actions, ['stop', 'reboot', 'forceStop']);
      assert.match(
        instance.consoleUrl ?? '',
        new RegExp(`/ui/app/vm;nav=v/urn:vmomi:VirtualMachine:${instance.id}:[0-9a-f-]{36}/summary$`),
      );
    }
    assert.deepEqual(byName.get('DC0_C0_RP0_VM0')?.tags.cluster, 'DC0_C0');
    assert.match(byName.get('DC0_H0_VM0')?.tags.host ?? '', /^DC0_H0$/);
  });

  test('a page token of the right form that vCenter does not know is its InvalidArgument fault', async () => {
    const first = await provider.listInstances(location);
    const view = first.nextPageToken?.split('|')[0];
    assert.ok(view);
    const error = await rejectsWith(provider.listInstances(location, { pageToken: `${view}|999` }), 'provider', 'InvalidArgument');
    assert.match(error.describe(), /unknown token \(InvalidArgument\)/);
  });

  test('power off: the task is followed to success and the row turns stopped', async () => {
    const { states, final } = await act('DC0_H0_VM0', 'forceStop');
    assert.deepEqual(states, ['stopping', 'stopped']);
    assert.equal(final.state, 'stopped');
    assert.deepEqual(final.actions, ['start', 'delete']);
    const row = (await listAll()).find((instance) => instance.name === 'DC0_H0_VM0');
    assert.equal(row?.state, 'stopped');
  });

  test('power off an already-off VM: the task fails with InvalidPowerState as wrongState', async () => {
    const instance = byName.get('DC0_H0_VM0');
    assert.ok(instance);
    const operation = await provider.runAction(location, instance.id, 'forceStop');
    assert.match(operation.handle, /^task-\d+$/);
    const error = await rejectsWith(provider.followOperation(operation), 'wrongState', 'InvalidPowerState');
    assert.match(error.message, /the VM is already poweredOff/);
  });
});

describe('vSphere power on, reset, guest shutdown and destroy against the simulator', () => {
  test('power on: running again, with a boot time', async () => {
    const before = Date.now();
    const { states, final } = await act('DC0_H0_VM0', 'start');
    assert.deepEqual(states, ['pending', 'running']);
    assert.ok(final.startedAt && Date.parse(final.startedAt) >= before - 1000, `startedAt ${final.startedAt}`);
  });

  test('reset: rebooting, then running', async () => {
    const { states, final } = await act('DC0_H0_VM1', 'reboot');
    assert.deepEqual(states, ['rebooting', 'running']);
    assert.equal(final.state, 'running');
  });

  test('guest shutdown (stop) has no task and is followed through the power state; a second one is refused', async () => {
    const { states, final } = await act('DC0_C0_RP0_VM1', 'stop');
    assert.deepEqual(states, ['stopping', 'stopped']);
    assert.equal(final.providerState, 'poweredOff');
    const instance = byName.get('DC0_C0_RP0_VM1');
    assert.ok(instance);
    await rejectsWith(provider.runAction(location, instance.id, 'stop'), 'wrongState', 'InvalidPowerState');
  });

  test('destroy: the VM is gone from the list and from get', async () => {
    const { states, final } = await act('DC0_C0_RP0_VM1', 'delete');
    assert.deepEqual(states, ['terminated']);
    assert.equal(final.state, 'terminated');
    const first = await provider.listInstances(location);
    assert.equal(first.nextPageToken, undefined, 'three VMs fit one page');
    assert.deepEqual(first.instances.map((instance) => instance.name).sort(), ['DC0_C0_RP0_VM0', 'DC0_H0_VM0', 'DC0_H0_VM1']);
    const gone = byName.get('DC0_C0_RP0_VM1');
    assert.ok(gone);
    await rejectsWith(provider.getInstance(location, gone.id), 'notFound', 'ManagedObjectNotFound');
  });
});
