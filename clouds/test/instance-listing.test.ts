// Listing an account: every location, every page, a bounded number at once, failures beside
// results, and Ctrl-C (abort) ends it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudError } from '../src/cloud-errors';
import { type LocationListing, listAllInstances } from '../src/instance-listing';
import { inMemoryProvider, instance } from './in-memory-provider';

function instancesIn(location: string, count: number) {
  return Array.from({ length: count }, (_, index) => instance('test', location, `${location}-i${index}`));
}

describe('listing every location of an account', () => {
  it('follows the pages of each location and keeps the locations in order', async () => {
    const pages: string[] = [];
    const provider = inMemoryProvider({
      pageSize: 2,
      instances: { 'eu-west-1': instancesIn('eu-west-1', 5), 'us-east-1': instancesIn('us-east-1', 2), 'ap-south-1': [] },
      onList: (location, token) => {
        pages.push(`${location}:${token ?? 'first'}`);
      },
    });
    const finished: string[] = [];
    const listing = await listAllInstances(provider, { onLocation: (done: LocationListing) => finished.push(done.location.id) });
    assert.deepEqual(
      listing.instances.map((found) => found.id),
      [...instancesIn('eu-west-1', 5), ...instancesIn('us-east-1', 2)].map((found) => found.id),
    );
    assert.deepEqual(
      listing.locations.map((done) => [done.location.id, done.instances.length]),
      [
        ['eu-west-1', 5],
        ['us-east-1', 2],
        ['ap-south-1', 0],
      ],
    );
    assert.deepEqual(
      pages.filter((page) => page.startsWith('eu-west-1')),
      ['eu-west-1:first', 'eu-west-1:2', 'eu-west-1:4'],
    );
    assert.deepEqual(finished.sort(), ['ap-south-1', 'eu-west-1', 'us-east-1']);
    assert.deepEqual(listing.errors, []);
  });

  it('has at most `concurrency` locations in flight, and all of them when allowed', async () => {
    const locations = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`region-${index}`, instancesIn(`region-${index}`, 1)]));
    for (const concurrency of [1, 4, 17]) {
      let inFlight = 0;
      let highest = 0;
      const provider = inMemoryProvider({
        instances: locations,
        onList: async () => {
          inFlight += 1;
          highest = Math.max(highest, inFlight);
          await new Promise<void>((resolve) => setImmediate(resolve));
          inFlight -= 1;
        },
      });
      const listing = await listAllInstances(provider, { concurrency });
      assert.equal(listing.instances.length, 17);
      assert.equal(highest, concurrency);
    }
    await assert.rejects(listAllInstances(inMemoryProvider({ instances: {} }), { concurrency: 0 }), RangeError);
  });

  it('reports a failing location beside the results of the others, with the pages it read', async () => {
    const refused = new CloudError('permission', 'aws', 'not allowed in me-south-1', { code: 'UnauthorizedOperation' });
    const provider = inMemoryProvider({
      pageSize: 1,
      instances: { 'eu-west-1': instancesIn('eu-west-1', 2), 'me-south-1': [], 'sa-east-1': [] },
      failing: { 'me-south-1': refused, 'sa-east-1': new TypeError('x is undefined') },
    });
    const listing = await listAllInstances(provider);
    assert.equal(listing.instances.length, 2);
    assert.deepEqual(
      listing.errors.map(({ location, error }) => [location.id, error.kind, error.message]),
      [
        ['me-south-1', 'permission', 'not allowed in me-south-1'],
        ['sa-east-1', 'provider', 'x is undefined'],
      ],
    );
    assert.equal(listing.errors[0]?.error, refused, "the provider's own error is kept, with its code");
  });

  it('stops a location that answers the same page token again', async () => {
    const provider = inMemoryProvider({ instances: { a: [], b: instancesIn('b', 1) }, stuckTokenAt: 'a' });
    const listing = await listAllInstances(provider);
    assert.equal(listing.instances.length, 1);
    assert.equal(listing.errors[0]?.error.kind, 'malformed');
    assert.match(listing.errors[0]?.error.message ?? '', /returned a page token it had already returned/);
  });

  it('rejects with the abort reason when aborted, instead of reporting locations as failed', async () => {
    const controller = new AbortController();
    const provider = inMemoryProvider({
      instances: { a: instancesIn('a', 1), b: instancesIn('b', 1) },
      onList: () => controller.abort(new Error('cancelled by the user')),
    });
    await assert.rejects(listAllInstances(provider, { signal: controller.signal }), /cancelled by the user/);
  });

  it('rejects when the locations themselves cannot be listed', async () => {
    const provider = inMemoryProvider({ instances: {} });
    provider.listLocations = () => Promise.reject(new CloudError('auth', 'aws', 'the token expired'));
    await assert.rejects(listAllInstances(provider), /the token expired/);
  });
});
