// Power actions through the real SDK against the stand-in: each returns at once, and its operation
// is followed by the SDK's EC2 waiter to the end, the row passing through every state it shows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CloudError } from '../../src/cloud-errors.js';
import type { CloudInstance, PowerAction } from '../../src/cloud-provider.js';
import { type AwsWorld, refusedHosts, startAwsWorld } from './aws-fixture.js';

let world: AwsWorld;

before(async () => {
  // Instance n (1-based) is in us-east-1 when n is odd; states go running, stopped, running, stopped…
  world = await startAwsWorld({ regions: ['us-east-1', 'eu-west-1'], count: 12, states: ['running', 'running', 'stopped', 'stopped'] });
});
after(async () => {
  await world.close();
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});

/** Runs an action and follows it, returning the states the row passed through and the settled row. */
async function actAndFollow(region: string, id: string, action: PowerAction): Promise<{ seen: string[]; settled: CloudInstance }> {
  const provider = world.provider();
  const operation = await provider.runAction(region, id, action);
  assert.equal(operation.instanceId, id);
  assert.equal(operation.location, region);
  assert.match(operation.handle, /^[0-9a-f-]{36}$/, 'the handle is the EC2 request id');
  const seen: string[] = [];
  const settled = await provider.followOperation(operation, { onInstance: (row) => seen.push(row.providerState) });
  return { seen, settled };
}

test('stop returns at once with the instance stopping, and is followed to stopped', async () => {
  const { seen, settled } = await actAndFollow('us-east-1', 'i-00000000000000001', 'stop');
  assert.deepEqual(seen, ['stopping', 'stopped']);
  assert.equal(settled.state, 'stopped');
  assert.equal(settled.publicAddress, undefined);
  const call = world.standIn.calls.find((candidate) => candidate.action === 'StopInstances');
  assert.equal(call?.parameters['InstanceId.1'], 'i-00000000000000001');
  assert.equal(call?.parameters.Force, undefined);
});

test('start goes pending then running, with a public address and a new launch time', async () => {
  const startedBefore = Date.now();
  const { seen, settled } = await actAndFollow('us-east-1', 'i-00000000000000003', 'start');
  assert.deepEqual(seen, ['pending', 'running']);
  assert.equal(settled.state, 'running');
  assert.ok(settled.publicAddress);
  assert.ok(Date.parse(settled.startedAt ?? '') >= startedBefore - 1000, 'uptime starts again');
});

test('force stop sends Force=true', async () => {
  const { seen, settled } = await actAndFollow('eu-west-1', 'i-00000000000000002', 'forceStop');
  assert.deepEqual(seen, ['stopped'], 'a forced stop settles at the first look');
  assert.equal(settled.state, 'stopped');
  const call = world.standIn.calls.filter((candidate) => candidate.action === 'StopInstances').at(-1);
  assert.equal(call?.parameters.Force, 'true');
  assert.equal(world.standIn.instances.find((instance) => instance.id === 'i-00000000000000002')?.forcedStop, true);
});

test('reboot reaches the instance and leaves it running', async () => {
  const { settled } = await actAndFollow('us-east-1', 'i-00000000000000005', 'reboot');
  assert.equal(settled.state, 'running');
  assert.equal(world.standIn.instances.find((instance) => instance.id === 'i-00000000000000005')?.reboots, 1);
});

test('terminate goes shutting-down then terminated, and nothing more can be done', async () => {
  const { seen, settled } = await actAndFollow('eu-west-1', 'i-00000000000000004', 'delete');
  assert.deepEqual(seen, ['shutting-down', 'terminated']);
  assert.equal(settled.state, 'terminated');
  assert.deepEqual(settled.actions, []);
});

test('starting a terminated instance is a wrongState error with the EC2 code, and changes nothing', async () => {
  const provider = world.provider();
  await assert.rejects(provider.runAction('eu-west-1', 'i-00000000000000004', 'start'), (error: CloudError) => {
    assert.equal(error.kind, 'wrongState');
    assert.equal(error.details.code, 'IncorrectInstanceState');
    assert.match(error.describe(), /not in a state from which it can be started.*Wait until/);
    return true;
  });
  assert.equal((await provider.getInstance('eu-west-1', 'i-00000000000000004')).state, 'terminated');
});

test('an instance that goes elsewhere than the waiter expects ends the follow with wrongState', async () => {
  const provider = world.provider();
  const operation = await provider.runAction('us-east-1', 'i-00000000000000007', 'start');
  const instance = world.standIn.instances.find((candidate) => candidate.id === 'i-00000000000000007');
  assert.ok(instance);
  // Someone terminates it while it is starting.
  instance.state = 'terminated';
  await assert.rejects(provider.followOperation(operation), (error: CloudError) => {
    assert.equal(error.kind, 'wrongState');
    assert.match(error.message, /became terminated instead of running/);
    return true;
  });
});

test('a follow stops when its signal aborts', async () => {
  const provider = world.provider({ credentials: 'accessKey' }, undefined, { waiter: { minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 60 } });
  const operation = await provider.runAction('us-east-1', 'i-00000000000000009', 'stop');
  const instance = world.standIn.instances.find((candidate) => candidate.id === 'i-00000000000000009');
  assert.ok(instance);
  instance.describesLeft = Number.POSITIVE_INFINITY; // stuck in stopping
  const controller = new AbortController();
  const seen: string[] = [];
  const following = provider.followOperation(operation, {
    signal: controller.signal,
    onInstance: (row) => {
      seen.push(row.providerState);
      controller.abort(new Error('the view was closed'));
    },
  });
  await assert.rejects(following, /the view was closed/);
  assert.deepEqual(seen, ['stopping']);
  instance.describesLeft = 1;
});

test('closing the account ends a follow at once', async () => {
  const provider = world.provider({ credentials: 'accessKey' }, undefined, { waiter: { minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 60 } });
  const operation = await provider.runAction('us-east-1', 'i-00000000000000005', 'stop');
  const instance = world.standIn.instances.find((candidate) => candidate.id === 'i-00000000000000005');
  assert.ok(instance);
  instance.describesLeft = Number.POSITIVE_INFINITY; // stuck in stopping
  const following = provider.followOperation(operation, { onInstance: () => provider.dispose() });
  await assert.rejects(following, (error: CloudError) => error.kind === 'provider' && /account was closed/.test(error.message));
  instance.describesLeft = 1;
});
