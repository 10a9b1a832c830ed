// Edit distance between names, to suggest the closest known one.

export function editDistance(left: string, right: string): number {
  if (left === right) return 0;
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1]! + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length]!;
}

/**
 * How far `value` is from `candidate`: the edit distance, or, when `value` looks like the start
 * of `candidate` being typed (`ubunty` for `ubuntu-24.04`), the distance to that start plus one.
 */
export function nameDistance(value: string, candidate: string): number {
  const whole = editDistance(value, candidate);
  if (value.length === 0 || value.length >= candidate.length) return whole;
  return Math.min(whole, editDistance(value, candidate.slice(0, value.length)) + 1);
}

/** Candidates sorted closest first (ties keep their order); at most `limit`, all by default. */
export function closestNames(value: string, candidates: readonly string[], limit = candidates.length): string[] {
  return candidates
    .map((name, order) => ({ name, order, distance: nameDistance(value, name) }))
    .sort((left, right) => left.distance - right.distance || left.order - right.order)
    .slice(0, limit)
    .map((entry) => entry.name);
}
