// The Clouds view's listing through the real AWS provider and SDK against the EC2 stand-in
// (SigV4 checked, loopback only): the rows a user sees, and a failed region beside the others.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AwsWorld, refusedHosts, standInSecrets, startAwsWorld } from '../../clouds/test/aws/aws-fixture';
import { listAccount } from '../src/clouds/cloud-listing';
import type { InstanceRow, LocationRow } from '../src/clouds/cloud-rows';
import { CloudTreeModel } from '../src/clouds/cloud-tree-model';

const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
let world: AwsWorld;

before(async () => {
  world = await startAwsWorld({ regions, count: 9, states: ['running', 'stopped', 'running'] });
});
after(async () => {
  await world.close();
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});

function loaded(listings: Awaited<ReturnType<typeof listAccount>>): CloudTreeModel {
  const model = new CloudTreeModel();
  model.setAccounts([{ ...world.account, settings: {} }]);
  model.setListing(world.account.id, listings);
  return model;
}

test('every region is listed at once and each instance becomes a row with its type and address', async () => {
  const listings = await listAccount(world.provider(), new AbortController().signal);
  const [account] = loaded(listings).roots();
  assert.deepEqual(
    account?.children.map((row) => row.label),
    regions,
  );
  const east = account?.children[0] as LocationRow;
  assert.deepEqual(
    east.children.map((row) => row.label),
    ['vm-1', 'vm-4', 'vm-7'],
  );
  const first = east.children[0] as InstanceRow;
  assert.match(first.description ?? '', /^t3\.micro · 203\.0\.113\.1 · up/);
  assert.match(first.contextValue, /^cloudInstance:running:([^:]*,)?stop[,:]/);
  assert.equal(account?.description, 'AWS EC2 · 6 of 9 running · 3 of 3 regions');
});

test('a region whose answer is malformed shows its own problem row; the other regions still list', async () => {
  world.standIn.failNext(1, 'malformed', 'DescribeInstances');
  const listings = await listAccount(world.provider(), new AbortController().signal);
  const failed = listings.filter((listing) => listing.problem);
  assert.equal(failed.length, 1);
  assert.match(failed[0]?.problem?.message ?? '', /^AWS EC2: /);
  assert.equal(listings.flatMap((listing) => listing.instances).length, 6);
  const [account] = loaded(listings).roots();
  const region = account?.children.find((row) => row.label === failed[0]?.location.id) as LocationRow;
  assert.equal(region.children[0]?.kind, 'message');
  assert.equal(region.children[0]?.icon.codicon, 'error');
});

test('an UnauthorizedOperation in every region reads with its code, never with the secret key', async () => {
  world.standIn.deny('DescribeInstances');
  const listings = await listAccount(world.provider(), new AbortController().signal);
  assert.equal(listings.length, 3);
  for (const listing of listings) {
    assert.match(listing.problem?.message ?? '', /\(UnauthorizedOperation\)$/);
    assert.ok(!JSON.stringify(listing.problem).includes(standInSecrets.secretAccessKey), 'no secret in the problem');
  }
});
