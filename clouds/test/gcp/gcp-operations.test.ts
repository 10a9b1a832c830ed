// Power actions return at once with the zone operation; following it reports each state the
// instance passes through until the operation is DONE, or shows the error it ended with.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudError } from '../../src/cloud-errors.js';
import type { CloudProvider } from '../../src/cloud-provider.js';
import { type GcpFixture, openGcpFixture, strayConnections } from './gcp-fixture.js';

const zone = 'europe-west1-b';

function isCloudError(kind: string, code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof CloudError, String(error));
    assert.equal(error.kind, kind);
    assert.equal(error.details.code, code);
    return true;
  };
}

let fixture: GcpFixture;
let provider: CloudProvider;
before(async () => {
  fixture = await openGcpFixture();
  const { state } = fixture.standIn;
  state.addInstance(zone, 'web-1');
  state.addInstance(zone, 'db-1', { status: 'TERMINATED' });
  state.addInstance(zone, 'batch-1');
  state.addInstance(zone, 'gpu-1', { status: 'TERMINATED' });
  state.addInstance(zone, 'busy-1', { status: 'STOPPING' });
  provider = fixture.provider();
});
after(() => fixture.close());

const follow = async (id: string, action: 'start' | 'stop' | 'reboot' | 'delete') => {
  const operation = await provider.runAction(zone, id, action);
  const states: string[] = [];
  const settled = await provider.followOperation(operation, { onInstance: (instance) => states.push(instance.state) });
  return { operation, states, settled };
};

test('stop returns at once with the zone operation, then is followed through stopping to stopped', async () => {
  const operation = await provider.runAction(zone, 'web-1', 'stop');
  assert.match(operation.handle, /^operation-\d+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/);
  assert.deepEqual(
    { ...operation, handle: '' },
    { provider: 'gcp', accountId: 'gcp-test', location: zone, instanceId: 'web-1', action: 'stop', handle: '' },
  );
  assert.equal(fixture.standIn.state.instance(zone, 'web-1').status, 'STOPPING', 'the action returned before the operation was done');
  const stop = fixture.standIn.requests
    .slice()
    .reverse()
    .find((request) => request.path.endsWith('/instances/web-1/stop'));
  assert.equal(stop?.method, 'POST');
  assert.equal(stop?.query.discardLocalSsd, 'false', 'local SSD contents are kept');
  const states: string[] = [];
  const settled = await provider.followOperation(operation, { onInstance: (instance) => states.push(instance.state) });
  assert.deepEqual(states, ['stopping', 'stopped']);
  assert.equal(settled.providerState, 'TERMINATED');
  const waits = fixture.standIn.requests.filter((request) => request.path.endsWith(`/zones/${zone}/operations/${operation.handle}/wait`));
  assert.deepEqual(
    waits.map((request) => request.method),
    ['POST', 'POST'],
  );
});

test('start and reboot (GCE reset: a hard reset) are followed the same way', async () => {
  const started = await follow('db-1', 'start');
  assert.deepEqual(started.states, ['pending', 'running']);
  assert.ok(started.settled.startedAt, 'a started instance tells when it started');
  const rebooted = await follow('db-1', 'reboot');
  assert.deepEqual(rebooted.states, ['running', 'running']);
  assert.ok(fixture.standIn.requests.some((request) => request.method === 'POST' && request.path.endsWith('/instances/db-1/reset')));
});

test('delete ends with the instance gone', async () => {
  const deleted = await follow('batch-1', 'delete');
  assert.deepEqual(deleted.states, ['stopping', 'terminated']);
  assert.equal(deleted.settled.providerState, 'DELETED');
  await assert.rejects(provider.getInstance(zone, 'batch-1'), isCloudError('notFound', 'notFound'));
});

test('an operation that ends with an error shows its code, message and what to do', async () => {
  const message = "Quota 'CPUS' exceeded.  Limit: 24.0 in region europe-west1.";
  fixture.standIn.state.failNextOperation(zone, 'gpu-1', { code: 'QUOTA_EXCEEDED', message });
  await assert.rejects(follow('gpu-1', 'start'), (error: unknown) => {
    assert.ok(isCloudError('quota', 'QUOTA_EXCEEDED')(error) && error instanceof CloudError);
    assert.match(
      error.describe(),
      /^gcp: Quota 'CPUS' exceeded\. {2}Limit: 24\.0 in region europe-west1\. \(QUOTA_EXCEEDED\)\. Free some quota/,
    );
    assert.equal(error.details.status, 403);
    return true;
  });
  assert.equal(fixture.standIn.state.instance(zone, 'gpu-1').status, 'TERMINATED');
  fixture.standIn.state.failNextOperation(zone, 'gpu-1', {
    code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
    message: 'The zone does not have enough resources.',
  });
  await assert.rejects(follow('gpu-1', 'start'), (error: unknown) => {
    assert.ok(isCloudError('provider', 'ZONE_RESOURCE_POOL_EXHAUSTED')(error) && error instanceof CloudError);
    assert.match(error.details.hint ?? '', /another zone/);
    return true;
  });
});

test('an action in the wrong state is refused with resourceNotReady; force stop does not exist on GCE', async () => {
  await assert.rejects(provider.runAction(zone, 'busy-1', 'start'), isCloudError('wrongState', 'resourceNotReady'));
  const sentBefore = fixture.standIn.requests.length;
  await assert.rejects(provider.runAction(zone, 'busy-1', 'forceStop'), (error: unknown) => {
    assert.ok(error instanceof CloudError && error.kind === 'invalidInput');
    assert.match(error.message, /no forceStop/);
    return true;
  });
  assert.equal(fixture.standIn.requests.length, sentBefore, 'nothing was sent');
});

test('following stops as soon as its signal aborts (a hidden view)', async () => {
  fixture.standIn.state.readsToDone = 1_000;
  const operation = await provider.runAction(zone, 'db-1', 'stop');
  const controller = new AbortController();
  const following = provider.followOperation(operation, { signal: controller.signal, onInstance: () => controller.abort() });
  await assert.rejects(following, { name: 'AbortError' });
  const waits = fixture.standIn.requests.filter((request) => request.path.endsWith(`/operations/${operation.handle}/wait`));
  assert.equal(waits.length, 1);
  await provider.getInstance(zone, 'web-1', new AbortController().signal);
  assert.ok(!process.getActiveResourcesInfo().includes('Timeout'), 'no timer is left running to hold the process');
  assert.deepEqual(strayConnections(), []);
});
