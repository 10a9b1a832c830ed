// Listing EC2 through the real SDK against the stand-in: regions, paging, the rows users see,
// and regions or ids that must be refused before any request is sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CloudError } from '../../src/cloud-errors.js';
import type { CloudInstance } from '../../src/cloud-provider.js';
import type { AwsProvider } from '../../src/aws/aws-provider.js';
import { type AwsWorld, refusedHosts, startAwsWorld } from './aws-fixture.js';

const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
let world: AwsWorld;

before(async () => {
  world = await startAwsWorld({ regions, count: 23, states: ['running', 'stopped', 'running'], tags: { team: 'lab' } });
});
after(async () => {
  await world.close();
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});

async function listAll(provider: AwsProvider, region: string): Promise<{ rows: CloudInstance[]; pages: number }> {
  const rows: CloudInstance[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await provider.listInstances(region, pageToken === undefined ? {} : { pageToken });
    rows.push(...page.instances);
    pageToken = page.nextPageToken;
    pages += 1;
  } while (pageToken !== undefined);
  return { rows, pages };
}

test('every enabled region is a location, in the order EC2 lists them', async () => {
  const locations = await world.provider().listLocations();
  assert.deepEqual(
    locations.map((location) => location.id),
    regions,
  );
});

test('listing every region page by page finds each instance once, with the rows users see', async () => {
  const provider = world.provider({ credentials: 'accessKey' }, undefined, { pageSize: 5 });
  const results = await Promise.all(regions.map((region) => listAll(provider, region)));
  const rows = results.flatMap((result) => result.rows);
  assert.equal(rows.length, 23);
  assert.equal(new Set(rows.map((row) => row.id)).size, 23);
  assert.deepEqual(
    results.map((result) => result.pages),
    [2, 2, 2],
    'eight, eight and seven instances come in pages of five',
  );
  assert.ok(world.standIn.calls.some((call) => call.parameters.NextToken !== undefined));
  const first = rows.find((row) => row.id === 'i-00000000000000001');
  assert.ok(first);
  assert.equal(first.name, 'vm-1');
  assert.equal(first.location, 'us-east-1');
  assert.equal(first.state, 'running');
  assert.equal(first.size, 't3.micro');
  assert.match(first.publicAddress ?? '', /^203\.0\.113\.\d+$/);
  assert.equal(first.privateAddress, '10.0.0.0');
  assert.equal(first.startedAt, '2026-01-01T00:00:00.000Z');
  assert.deepEqual(first.tags, { Name: 'vm-1', team: 'lab' });
  assert.deepEqual(first.actions, ['stop', 'forceStop', 'reboot', 'delete']);
  assert.equal(first.pricePerHour, undefined, 'EC2 does not tell a price in DescribeInstances');
  assert.equal(
    first.consoleUrl,
    'https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=i-00000000000000001',
  );
  const stopped = rows.find((row) => row.state === 'stopped');
  assert.ok(stopped);
  assert.equal(stopped.publicAddress, undefined, 'a stopped instance has no public address');
  assert.equal(stopped.startedAt, undefined, 'no uptime while stopped');
  assert.deepEqual(stopped.actions, ['start', 'delete']);
});

test('one instance by id, and a missing one as notFound with the EC2 code', async () => {
  const provider = world.provider();
  const instance = await provider.getInstance('eu-west-1', 'i-00000000000000002');
  assert.equal(instance.name, 'vm-2');
  await assert.rejects(provider.getInstance('eu-west-1', 'i-0000000000000ffff'), (error: CloudError) => {
    assert.equal(error.kind, 'notFound');
    assert.equal(error.details.code, 'InvalidInstanceID.NotFound');
    assert.match(error.describe(), /i-0000000000000ffff.*refresh the list/);
    return true;
  });
});

test('a region the account has not enabled is refused with the enabled ones named', async () => {
  const provider = world.provider({ credentials: 'accessKey', regions: ['us-east-1', 'eu-nowhere-9'] });
  await assert.rejects(provider.listLocations(), (error: CloudError) => {
    assert.equal(error.kind, 'notFound');
    assert.match(error.message, /eu-nowhere-9 is not enabled/);
    assert.match(error.details.hint ?? '', /us-east-1, eu-west-1, ap-southeast-2/);
    return true;
  });
  const before = world.standIn.calls.length;
  await assert.rejects(world.provider().listInstances('eu-nowhere-9'), { kind: 'notFound' });
  assert.ok(
    world.standIn.calls.slice(before).every((call) => call.action === 'DescribeRegions'),
    'no listing was sent to it',
  );
});

test('hostile region names and instance ids are refused before any request', async () => {
  const provider = world.provider();
  await provider.listLocations();
  const before = world.standIn.calls.length;
  for (const region of ['../../etc', 'us-east-1/../x', 'US-EAST-1', '', 'us-east-1\n']) {
    await assert.rejects(
      provider.listInstances(region),
      (error: CloudError) => error.kind === 'invalidInput' && /region/.test(error.message),
    );
  }
  for (const id of ['i-123', 'i-0123456789abcdef0&Action=TerminateInstances', 'vm-1', 'I-00000000000000001']) {
    await assert.rejects(
      provider.getInstance('us-east-1', id),
      (error: CloudError) => error.kind === 'invalidInput' && /instance id/.test(error.message),
    );
    await assert.rejects(provider.runAction('us-east-1', id, 'delete'), { kind: 'invalidInput' });
  }
  await assert.rejects(provider.listInstances('us-east-1', { pageToken: 'x'.repeat(5000) }), { kind: 'invalidInput' });
  assert.equal(world.standIn.calls.length, before, 'nothing reached EC2');
});

test('an instance id in an answer that is not an EC2 id is refused as malformed', async () => {
  const target = world.standIn.instances.find((instance) => instance.region === 'ap-southeast-2');
  assert.ok(target);
  const id = target.id;
  target.id = 'i-../../x';
  try {
    await assert.rejects(world.provider().listInstances('ap-southeast-2'), { kind: 'malformed' });
  } finally {
    target.id = id;
  }
});

test('tags from EC2 come back as plain text, whatever characters they hold', async () => {
  const target = world.standIn.instances.find((instance) => instance.id === 'i-00000000000000004');
  assert.ok(target);
  target.tags = { Name: 'db <primary> & "old"', 'owner:team': "o'brien", empty: '' };
  const row = await world.provider().getInstance(target.region, target.id);
  assert.equal(row.name, 'db <primary> & "old"');
  assert.deepEqual(row.tags, { Name: 'db <primary> & "old"', 'owner:team': "o'brien", empty: '' });
});

test('a region name in an answer that is not one is refused as malformed', async () => {
  const hostile = await startAwsWorld({ regions: ['us-east-1', 'us-east-1/../../admin'], count: 1 });
  try {
    await assert.rejects(hostile.provider().listLocations(), (error: CloudError) => {
      assert.equal(error.kind, 'malformed');
      assert.match(error.message, /a region EC2 listed, "us-east-1\/..\/..\/admin" is not an AWS region name/);
      return true;
    });
  } finally {
    await hostile.close();
  }
});
