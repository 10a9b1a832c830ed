// mapConcurrent: the listings' way of reading many objects within the bus's limit on pending calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapConcurrent } from '../../src/libvirt/libvirt-objects';

/** A map whose calls stay pending until the test settles them, and which records how many were in flight. */
function controlledMap() {
  const pending = new Map<number, { resolve(value: string): void; reject(error: Error): void }>();
  const started: number[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const map = (item: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(item);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      const done = () => {
        inFlight--;
        pending.delete(item);
      };
      pending.set(item, {
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
    });
  /** Lets the promise reactions of settled calls (and the refills they make) run. */
  const settleReactions = async () => {
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
  };
  return { pending, started, map, settleReactions, mostInFlight: () => mostInFlight };
}

test('mapConcurrent keeps the order, stays within the limit and refills freed places in batches', async () => {
  const items = Array.from({ length: 10 }, (_, index) => index);
  const control = controlledMap();
  const mapped = mapConcurrent(items, 4, control.map);
  assert.deepEqual(control.started, [0, 1, 2, 3]);
  // One freed place of four is not refilled yet; the second is, with two calls at once.
  control.pending.get(2)?.resolve('r2');
  await control.settleReactions();
  assert.deepEqual(control.started, [0, 1, 2, 3]);
  control.pending.get(0)?.resolve('r0');
  await control.settleReactions();
  assert.deepEqual(control.started, [0, 1, 2, 3, 4, 5]);
  // Settle everything in reverse order of start, whatever is pending, until all is done.
  while (control.pending.size > 0) {
    const last = Math.max(...control.pending.keys());
    control.pending.get(last)?.resolve(`r${last}`);
    await control.settleReactions();
  }
  assert.deepEqual(
    await mapped,
    items.map((item) => `r${item}`),
  );
  assert.deepEqual(control.started, items);
  assert.equal(control.mostInFlight(), 4);
});

test('mapConcurrent rejects with the first failure and maps no further item', async () => {
  const control = controlledMap();
  const mapped = mapConcurrent([0, 1, 2, 3, 4, 5], 2, control.map);
  control.pending.get(1)?.reject(new Error('libvirt refused'));
  await assert.rejects(mapped, /libvirt refused/);
  control.pending.get(0)?.resolve('late');
  await control.settleReactions();
  assert.deepEqual(control.started, [0, 1]);
});

test('mapConcurrent handles no items, a limit of one, and a map that throws at once', async () => {
  assert.deepEqual(await mapConcurrent([], 4, async () => 'never'), []);
  assert.deepEqual(await mapConcurrent([1, 2, 3], 1, async (item) => item * 2), [2, 4, 6]);
  await assert.rejects(
    mapConcurrent([1, 2], 4, () => {
      throw new Error('bad item');
    }),
    /bad item/,
  );
});

test('mapConcurrent refuses a limit that would never start anything, and maps nothing', async () => {
  for (const limit of [0, -1, 0.5, Number.NaN]) {
    let mapped = 0;
    await assert.rejects(
      mapConcurrent([1, 2], limit, async (item) => {
        mapped += 1;
        return item;
      }),
      /limit must be a whole number of at least 1, not/,
    );
    assert.equal(mapped, 0, `limit ${limit}`);
  }
});
