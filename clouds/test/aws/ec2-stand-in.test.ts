// The EC2 stand-in itself, through the SDK's own client: it must refuse what EC2 refuses, or the
// provider's tests would pass against a server more forgiving than the real one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { DescribeInstancesCommand, DescribeRegionsCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { type Ec2StandIn, standInCredentials, startEc2StandIn } from '../stand-ins/ec2-server.js';
import { refusedHosts, startAwsWorld } from './aws-fixture.js';

let standIn: Ec2StandIn;
let close: () => Promise<void>;
const clients: EC2Client[] = [];

function client(region = 'us-east-1', credentials = standInCredentials): EC2Client {
  const made = new EC2Client({ region, endpoint: standIn.url, credentials, maxAttempts: 1 });
  clients.push(made);
  return made;
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    const sdkError = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: sdkError.name, status: sdkError.$metadata?.httpStatusCode, message: sdkError.message };
  }
  throw new Error('the stand-in accepted it');
}

before(async () => {
  const world = await startAwsWorld({ count: 10 });
  standIn = world.standIn;
  close = world.close;
});
after(async () => {
  for (const made of clients) made.destroy();
  await close();
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});

test('filters by instance id, state and tag', async () => {
  const answer = await client().send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: 'instance-id', Values: ['i-00000000000000001', 'i-00000000000000003', 'i-00000000000000002'] },
        { Name: 'instance-state-name', Values: ['running'] },
        { Name: 'tag:Name', Values: ['vm-1', 'vm-2'] },
      ],
    }),
  );
  const ids = (answer.Reservations ?? []).flatMap((reservation) => (reservation.Instances ?? []).map((instance) => instance.InstanceId));
  assert.deepEqual(ids, ['i-00000000000000001']);
  assert.deepEqual(await refusal(client().send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] }))), {
    name: 'InvalidParameterValue',
    status: 400,
    message: "The filter 'colour' is invalid",
  });
});

test('refuses paging parameters EC2 refuses', async () => {
  const combined = await refusal(client().send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000001'], MaxResults: 5 })));
  assert.equal(combined.name, 'InvalidParameterCombination');
  assert.equal((await refusal(client().send(new DescribeInstancesCommand({ MaxResults: 4 })))).name, 'InvalidParameterValue');
  assert.equal(
    (await refusal(client().send(new DescribeInstancesCommand({ NextToken: 'bm90LWEtdG9rZW4' })))).name,
    'InvalidParameterValue',
  );
});

test('refuses malformed, missing and unknown instance ids', async () => {
  assert.deepEqual(await refusal(client().send(new StopInstancesCommand({ InstanceIds: ['i-xyz'] }))), {
    name: 'InvalidInstanceID.Malformed',
    status: 400,
    message: 'Invalid id: "i-xyz"',
  });
  assert.equal((await refusal(client().send(new StopInstancesCommand({ InstanceIds: [] })))).name, 'MissingParameter');
  const missing = await refusal(client().send(new StopInstancesCommand({ InstanceIds: ['i-00000000000000002'] })));
  assert.equal(missing.name, 'InvalidInstanceID.NotFound', 'instance 2 lives in eu-west-1, not us-east-1');
});

test('refuses a region the account has not enabled, read from the signature scope', async () => {
  const refused = await refusal(client('ap-east-1').send(new DescribeRegionsCommand({})));
  assert.equal(refused.name, 'AuthFailure');
  assert.equal(refused.status, 401);
  assert.equal(standIn.calls.at(-1)?.region, 'ap-east-1');
});

test('refuses a wrong secret, an unknown key and a dry run the way EC2 does', async () => {
  const wrong = await refusal(
    client('us-east-1', { ...standInCredentials, secretAccessKey: 'wrong' }).send(new DescribeRegionsCommand({})),
  );
  assert.equal(wrong.name, 'SignatureDoesNotMatch');
  assert.equal(wrong.status, 403);
  const unknown = await refusal(
    client('us-east-1', { accessKeyId: 'AKIANOTKNOWN0000001', secretAccessKey: 'x' }).send(new DescribeRegionsCommand({})),
  );
  assert.equal(unknown.name, 'AuthFailure');
  const dryRun = await refusal(client().send(new StopInstancesCommand({ InstanceIds: ['i-00000000000000001'], DryRun: true })));
  assert.equal(dryRun.name, 'DryRunOperation');
  assert.equal(standIn.instances[0]?.state, 'running');
});

test('a separate stand-in keeps its own instances, its own pace of transitions, and settles on demand', async () => {
  const other = await startEc2StandIn({ regions: ['eu-central-1'], count: 1, states: ['running'], describesPerTransition: 3 });
  const otherClient = new EC2Client({ region: 'eu-central-1', endpoint: other.url, credentials: standInCredentials });
  clients.push(otherClient);
  const stateNow = async () =>
    (await otherClient.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000001'] }))).Reservations?.[0]?.Instances?.[0]
      ?.State?.Name;
  try {
    assert.notEqual(other.url, standIn.url);
    const answer = await otherClient.send(new StopInstancesCommand({ InstanceIds: ['i-00000000000000001'] }));
    assert.deepEqual(answer.StoppingInstances?.[0]?.PreviousState, { Code: 16, Name: 'running' });
    assert.equal(await stateNow(), 'stopping');
    assert.equal(await stateNow(), 'stopping');
    other.settle();
    assert.equal(await stateNow(), 'stopped');
  } finally {
    await other.close();
  }
});

test('the network guard of these tests refuses a connection that would leave loopback', () => {
  assert.throws(() => connect({ host: '169.254.169.254', port: 80 }), /test network guard: refused a connection to 169\.254\.169\.254/);
  assert.deepEqual(refusedHosts.splice(0), ['169.254.169.254']);
});

test('run as a program, it prints its URL and keys, serves the seed, and ends on SIGTERM', async () => {
  const script = join(__dirname, '../stand-ins/ec2-server.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ regions: ['eu-north-1'], count: 3 })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const printed = JSON.parse(line) as { url: string; regions: string[]; accessKeyId: string; secretAccessKey: string };
    assert.match(printed.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(printed.regions, ['eu-north-1']);
    const remote = new EC2Client({ region: 'eu-north-1', endpoint: printed.url, credentials: printed });
    clients.push(remote);
    const answer = await remote.send(new DescribeInstancesCommand({}));
    assert.equal(answer.Reservations?.length, 3);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
  assert.equal(child.exitCode, 0);
});
