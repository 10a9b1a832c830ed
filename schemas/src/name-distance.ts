// Edit distance between names, to suggest the closest known one (lab rules, schema messages, quick fixes).

export function editDistance(left: string, right: string): number {
  if (left === right) return 0;
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = (previous[column - 1] ?? 0) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

// Names are at most 63 characters; longer text is compared by its start, so one comparison
// costs at most this many squared steps whatever a document holds.
const comparedLength = 128;

/**
 * How far `value` is from `candidate`: the edit distance, or, when `value` looks like the start
 * of `candidate` being typed (`ubunty` for `ubuntu-24.04`), the distance to that start plus one.
 */
export function nameDistance(fullValue: string, fullCandidate: string): number {
  const value = fullValue.slice(0, comparedLength);
  const candidate = fullCandidate.slice(0, comparedLength);
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

/** Whether `candidate` is close enough to `value` to be what a typo of it meant. */
export function isLikelyTypo(value: string, candidate: string): boolean {
  return nameDistance(value, candidate) <= Math.max(2, Math.floor(Math.min(value.length, comparedLength) / 3));
}

/**
 * Suggestions for one validation: a lab can hold thousands of unknown names, each compared with
 * thousands of candidates, so the comparisons share a budget of steps. Once it is spent, no more
 * suggestions are made (the problems are still reported, without "did you mean").
 */
export class SuggestionBudget {
  constructor(private steps = 2_000_000) {}

  /** The closest candidate (see closestNames), or undefined when the budget is spent. */
  closest(value: string, candidates: readonly string[]): string | undefined {
    const valueLength = Math.min(value.length, comparedLength);
    let cost = 0;
    for (const candidate of candidates) cost += (valueLength + 1) * (Math.min(candidate.length, comparedLength) + 1) * 2;
    if (cost > this.steps) {
      this.steps = 0;
      return undefined;
    }
    this.steps -= cost;
    return closestNames(value, candidates, 1)[0];
  }

  /** The closest candidate if it is likely what a typo meant. */
  typoOf(value: string, candidates: readonly string[]): string | undefined {
    const closest = this.closest(value, candidates);
    return closest !== undefined && isLikelyTypo(value, closest) ? closest : undefined;
  }
}
