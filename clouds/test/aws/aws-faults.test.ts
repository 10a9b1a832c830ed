// What goes wrong, through the real SDK against the stand-in: throttling retried, refusals and
// server errors surfaced with EC2's code and a hint, unreadable answers, and the stand-in's own
// signature check refusing a request signed with the wrong secret.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CloudError } from '../../src/cloud-errors.js';
import { type AwsWorld, refusedHosts, standInSecrets, startAwsWorld } from './aws-fixture.js';

let world: AwsWorld;

before(async () => {
  world = await startAwsWorld({ regions: ['us-east-1', 'eu-west-1'], count: 6, states: ['running'] });
});
after(async () => {
  await world.close();
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});

function callsOf(action: string): number {
  return world.standIn.calls.filter((call) => call.action === action).length;
}

test('a throttled listing is retried by the SDK and succeeds', async () => {
  const provider = world.provider();
  await provider.listLocations();
  const before = callsOf('DescribeInstances');
  world.standIn.failNext(2, 'throttle', 'DescribeInstances');
  const page = await provider.listInstances('us-east-1');
  assert.equal(page.instances.length, 3);
  assert.equal(callsOf('DescribeInstances') - before, 3, 'two RequestLimitExceeded answers, then the listing');
});

test('throttling that outlasts the retries is a throttled error with a hint', async () => {
  const provider = world.provider();
  world.standIn.failNext(3, 'throttle', 'DescribeRegions');
  await assert.rejects(provider.listLocations(), (error: CloudError) => {
    assert.equal(error.kind, 'throttled');
    assert.equal(error.details.code, 'RequestLimitExceeded');
    assert.equal(error.details.status, 503);
    assert.match(error.details.hint ?? '', /wait a minute/);
    return true;
  });
});

test('UnauthorizedOperation is a permission error naming the missing right, without the encoded blob', async () => {
  world.standIn.deny('StopInstances');
  await assert.rejects(world.provider().runAction('us-east-1', 'i-00000000000000001', 'stop'), (error: CloudError) => {
    assert.equal(error.kind, 'permission');
    assert.equal(error.details.code, 'UnauthorizedOperation');
    assert.equal(error.details.status, 403);
    assert.match(error.message, /not authorized to perform: ec2:StopInstances/);
    assert.doesNotMatch(error.message, /Encoded authorization failure/);
    assert.match(error.details.hint ?? '', /ec2:StopInstances permission/);
    return true;
  });
  assert.equal(world.standIn.instances[0]?.state, 'running', 'nothing changed');
});

test('a 500 that lasts through the retries is a provider error with the code and status', async () => {
  world.standIn.failNext(3, 'internal', 'DescribeInstances');
  await assert.rejects(world.provider().getInstance('us-east-1', 'i-00000000000000001'), (error: CloudError) => {
    assert.equal(error.kind, 'provider');
    assert.equal(error.details.code, 'InternalError');
    assert.equal(error.details.status, 500);
    assert.match(error.describe(), /^aws: An internal error has occurred \(InternalError\)\. EC2 had an internal error/);
    return true;
  });
});

test('an instance limit is a quota error', async () => {
  const instance = world.standIn.instances.find((candidate) => candidate.id === 'i-00000000000000003');
  assert.ok(instance);
  instance.state = 'stopped';
  world.standIn.failNext(1, 'instanceLimit', 'StartInstances');
  await assert.rejects(world.provider().runAction('us-east-1', 'i-00000000000000003', 'start'), (error: CloudError) => {
    assert.equal(error.kind, 'quota');
    assert.equal(error.details.code, 'InstanceLimitExceeded');
    assert.match(error.details.hint ?? '', /Service Quotas/);
    return true;
  });
});

test('an answer that is not readable XML is a malformed error', async () => {
  world.standIn.failNext(1, 'malformed', 'DescribeInstances');
  await assert.rejects(world.provider().listInstances('us-east-1'), (error: CloudError) => {
    assert.equal(error.kind, 'malformed');
    assert.match(error.describe(), /DescribeInstances could not be read.*check the account endpoint/);
    return true;
  });
});

test('the stand-in refuses a request signed with the wrong secret, and the secret is never shown', async () => {
  const wrongSecret = 'this-is-not-the-secret-0123456789abcdef';
  const before = world.standIn.calls.length;
  const provider = world.provider({ credentials: 'accessKey' }, { ...standInSecrets, secretAccessKey: wrongSecret });
  await assert.rejects(provider.listLocations(), (error: CloudError) => {
    assert.equal(error.kind, 'auth');
    assert.equal(error.details.code, 'SignatureDoesNotMatch');
    assert.equal(error.details.status, 403);
    assert.match(error.details.hint ?? '', /enter the key pair again/);
    assert.doesNotMatch(`${error.describe()} ${error.stack}`, new RegExp(wrongSecret));
    return true;
  });
  assert.equal(world.standIn.calls.length, before, 'the stand-in acted on nothing');
});

test('an access key the service does not know is an AuthFailure', async () => {
  const provider = world.provider({ credentials: 'accessKey' }, { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: 'x' });
  await assert.rejects(provider.listLocations(), (error: CloudError) => error.kind === 'auth' && error.details.code === 'AuthFailure');
});

test('no stored access key is an auth error that says what to do, before any request', async () => {
  const before = world.standIn.calls.length;
  const provider = world.provider({ credentials: 'accessKey' }, { accessKeyId: 'AKIAONLYHALF00000001' });
  await assert.rejects(provider.listLocations(), (error: CloudError) => {
    assert.equal(error.kind, 'auth');
    assert.match(error.message, /no access key is stored for the account aws-test/);
    assert.match(error.details.hint ?? '', /Enter the access key id and secret access key/);
    return true;
  });
  assert.equal(world.standIn.calls.length, before);
});

test('a follow whose waiter is refused ends at once with the refusal, not at the waiter deadline', async () => {
  const provider = world.provider({ credentials: 'accessKey' }, undefined, {
    waiter: { minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 600 },
  });
  const operation = await provider.runAction('eu-west-1', 'i-00000000000000002', 'reboot');
  world.standIn.deny('DescribeInstances');
  try {
    await assert.rejects(provider.followOperation(operation), (error: CloudError) => {
      assert.equal(error.kind, 'permission');
      assert.match(error.details.hint ?? '', /ec2:DescribeInstances/);
      return true;
    });
  } finally {
    world.standIn.allow('DescribeInstances');
  }
});

test('an endpoint that does not answer is unreachable', async () => {
  const closed = await startAwsWorld({ count: 1 });
  const provider = closed.provider();
  await closed.close();
  await assert.rejects(provider.listLocations(), (error: CloudError) => {
    assert.equal(error.kind, 'unreachable');
    assert.equal(error.details.code, 'ECONNREFUSED');
    assert.match(error.describe(), /EC2 did not answer DescribeRegions.*Check the network/);
    return true;
  });
});
