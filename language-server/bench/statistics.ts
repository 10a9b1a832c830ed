// Order statistics for latency samples.
import { elementAt } from '../src/element-at';

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new Error('no samples: a benchmark must run at least once');
  return [...samples].sort((left, right) => left - right);
}

export function median(samples: readonly number[]): number {
  const ordered = sorted(samples);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 === 1 ? elementAt(ordered, middle) : (elementAt(ordered, middle - 1) + elementAt(ordered, middle)) / 2;
}

/** Nearest-rank percentile: the smallest sample at or above the given share of all samples. */
export function percentile(samples: readonly number[], share: number): number {
  const ordered = sorted(samples);
  const rank = Math.max(1, Math.ceil(share * ordered.length));
  return elementAt(ordered, rank - 1);
}
