// Indexed reads that the code knows are in range: a wrong index fails with the count instead of
// reading on with `undefined` (tsconfig's noUncheckedIndexedAccess types every read as possibly absent).

/** The item at `index`, or a failure that says how many items there were. */
export function elementAt<T>(items: ArrayLike<T>, index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`Expected an item at index ${index}, but there are ${items.length}.`);
  return item;
}
