// An AWS account's month from Cost Explorer, through the cache: a fresh kept answer is shown
// without a call; otherwise Cost Explorer is asked and its answer kept. When it cannot answer
// (no right, not enabled, throttled beyond the SDK's retries), the reason is returned so the
// caller counts instance hours instead.
import type { CostExplorerCacheEntry, DerivedSpend } from '@vlm/schemas';
import { isCloudError } from '../cloud-errors.js';
import type { CloudAccount, SecretSource } from '../cloud-provider.js';
import { plainText } from '../instance-spend.js';
import { parseAwsSettings } from './aws-settings.js';
import { providerSettings } from '../hourly-prices.js';
import { costExplorerClient, fetchMonthCosts } from './cost-explorer.js';
import { costExplorerLines, findEntry, isFresh } from './cost-explorer-cache.js';

/** Where kept answers live: the dashboard store's `costExplorerCache`. */
export interface CostExplorerCacheStore {
  read(): Promise<readonly CostExplorerCacheEntry[]>;
  /** Keeps `entry` in place of the account's and month's earlier one. */
  save(entry: CostExplorerCacheEntry): Promise<void>;
}

export interface CostExplorerOptions {
  secrets: SecretSource;
  cache: CostExplorerCacheStore;
  now: Date;
  signal?: AbortSignal;
  /** Attempts per call, the SDK's retries included (3, the SDK's default, when not given). */
  maxAttempts?: number;
}

export type CostExplorerOutcome =
  | { lines: DerivedSpend[]; problems: string[] }
  /** Cost Explorer gave nothing for the month; `reason` says why, when the user should know. */
  | { fallback: string | undefined };

const maxServices = 1000;

export async function costExplorerSpend(account: CloudAccount, month: string, options: CostExplorerOptions): Promise<CostExplorerOutcome> {
  const settings = parseAwsSettings(providerSettings(account.settings));
  if (!settings.costExplorer) return { fallback: undefined };
  const kept = findEntry(await options.cache.read(), account.id, month);
  if (kept && isFresh(kept, options.now)) return { lines: costExplorerLines(kept), problems: [] };
  const client = costExplorerClient(account.id, settings, options.secrets, options.maxAttempts);
  try {
    const costs = await fetchMonthCosts(client, month, options.now, options.signal);
    const problems = costs.problems.map((problem) => `${account.id}: ${problem}`);
    if (costs.amounts.length > maxServices)
      problems.push(`${account.id}: Cost Explorer listed ${costs.amounts.length} services; the first ${maxServices} are kept.`);
    const entry: CostExplorerCacheEntry = {
      account: account.id,
      month,
      fetchedAt: options.now.toISOString(),
      amounts: costs.amounts.slice(0, maxServices),
    };
    await options.cache.save(entry);
    return { lines: costExplorerLines(entry), problems };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const reason = failureReason(account.id, month, error);
    if (!kept) return { fallback: `${reason} Instance hours × price are shown instead.` };
    return { lines: costExplorerLines(kept), problems: [`${reason} Its answer of ${kept.fetchedAt} is shown.`] };
  } finally {
    client.destroy();
  }
}

/** Why Cost Explorer gave nothing, in words a user can act on (never a key: SDK messages hold none). */
function failureReason(accountId: string, month: string, error: unknown): string {
  const name = plainText(String((error as { name?: unknown }).name ?? 'Error'), 80);
  const message = plainText(String((error as { message?: unknown }).message ?? error), 400);
  if (name === 'AccessDeniedException') {
    return `Cost Explorer refused ${accountId} (AccessDeniedException: ${message}): it needs the ce:GetCostAndUsage right, and Cost Explorer enabled in the Billing console.`;
  }
  if (name === 'DataUnavailableException') {
    return `Cost Explorer has no data for ${accountId} in ${month} (DataUnavailableException): it was enabled less than a day ago, or the month is older than it keeps.`;
  }
  // Our own checks of the answer say what was wrong themselves; AWS's errors need their code.
  if (isCloudError(error)) return `Cost Explorer's answer for ${accountId} was refused: ${message}.`;
  return `Cost Explorer could not be asked for ${accountId} (${name}: ${message}).`;
}
