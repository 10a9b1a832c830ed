// What the store checks of the kept Cost Explorer answers beyond their schema: one entry per
// account and month (a second would make "which one is shown" a guess), and real currencies.
import type { CostExplorerCacheEntry } from '@vlm/schemas';
import { currencyProblem } from '../expenses/model/money';

export function costExplorerCacheProblem(cache: readonly CostExplorerCacheEntry[]): string | undefined {
  const seen = new Set<string>();
  for (const [index, entry] of cache.entries()) {
    const key = `${entry.account}\u0000${entry.month}`;
    if (seen.has(key)) return `costExplorerCache[${index}] repeats the account ${entry.account} and month ${entry.month}`;
    seen.add(key);
    for (const [amountIndex, amount] of entry.amounts.entries()) {
      const problem = currencyProblem(amount.currency);
      if (problem !== undefined) return `costExplorerCache[${index}].amounts[${amountIndex}].currency: ${problem}`;
    }
  }
  return undefined;
}
