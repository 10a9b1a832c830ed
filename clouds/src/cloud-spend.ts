// Every cloud account's spend in a month, for the Expenses panel. An AWS account whose Cost
// Explorer answers is shown by service from it, and those lines replace (never add to) its
// instance hours × price for that month, which would count the same hours twice; any other
// account, or an AWS account Cost Explorer cannot answer for, is counted from its instances.
import type { DerivedSpend } from '@vlm/schemas';
import type { CostExplorerCacheStore } from './aws/cost-explorer-spend.js';
import type { CloudAccount, CloudProvider, SecretSource } from './cloud-provider.js';
import { type HourlyPriceTable, parseHourlyPrices, withHourlyPrices } from './hourly-prices.js';
import { listAllInstances } from './instance-listing.js';
import { instanceSpend, monthStart, plainText, type SpendLines } from './instance-spend.js';

export type { CostExplorerCacheStore } from './aws/cost-explorer-spend.js';

export interface CloudSpendOptions {
  accounts: readonly CloudAccount[];
  secrets: SecretSource;
  /** The registry's `createProvider`, or a test's. */
  createProvider(account: CloudAccount, secrets: SecretSource): Promise<CloudProvider>;
  cache: CostExplorerCacheStore;
  now?: Date;
  signal?: AbortSignal;
  /** Attempts per Cost Explorer call, the SDK's retries included (3 when not given). */
  costExplorerAttempts?: number;
}

/** Sentences longer than the panel message allows are cut. */
function sentence(text: string): string {
  return plainText(text, 1000);
}

export async function cloudSpend(month: string, options: CloudSpendOptions): Promise<SpendLines> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new RangeError(`month ${JSON.stringify(String(month).slice(0, 20))} is not a month: write YYYY-MM, such as 2026-11`);
  }
  const now = options.now ?? new Date();
  const results = await Promise.all(options.accounts.map((account) => accountSpend(account, month, now, options)));
  const lines: DerivedSpend[] = results.flatMap((result) => result.lines);
  const problems = results.flatMap((result) => result.problems).map(sentence);
  return { lines, problems: problems.length > 100 ? [...problems.slice(0, 99), `${problems.length - 99} more problems`] : problems };
}

async function accountSpend(account: CloudAccount, month: string, now: Date, options: CloudSpendOptions): Promise<SpendLines> {
  // A month not begun has no spend, and asking Cost Explorer about it would cost a call.
  if (monthStart(month) > now.getTime()) return { lines: [], problems: [] };
  const problems: string[] = [];
  if (account.provider === 'aws') {
    try {
      const { costExplorerSpend } = await import('./aws/cost-explorer-spend.js');
      const outcome = await costExplorerSpend(account, month, {
        secrets: options.secrets,
        cache: options.cache,
        now,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.costExplorerAttempts === undefined ? {} : { maxAttempts: options.costExplorerAttempts }),
      });
      if ('lines' in outcome) return outcome;
      if (outcome.fallback !== undefined) problems.push(outcome.fallback);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      problems.push(`${account.id}: Cost Explorer was not asked: ${(error as Error).message}`);
    }
  }
  const hours = await hoursSpend(account, month, now, options);
  return { lines: hours.lines, problems: [...problems, ...hours.problems] };
}

async function hoursSpend(account: CloudAccount, month: string, now: Date, options: CloudSpendOptions): Promise<SpendLines> {
  let prices: HourlyPriceTable | undefined;
  try {
    prices = parseHourlyPrices(account.settings.hourlyPrices);
  } catch (error) {
    return { lines: [], problems: [`${account.id}: ${(error as Error).message}, so its hours are not counted.`] };
  }
  let provider: CloudProvider | undefined;
  try {
    provider = await options.createProvider(account, options.secrets);
    const listing = await listAllInstances(provider, options.signal ? { signal: options.signal } : {});
    // Priced here, not in the listing: the user's price is an input to spend only, and the
    // listing stays what the provider said (a tree row shows no price the provider did not tell).
    const spend = instanceSpend(account.id, withHourlyPrices(listing.instances, prices), month, now);
    const unlisted = listing.errors.map(
      ({ location, error }) =>
        `${account.id}/${location.id} could not be listed (${error.message}), so its instances' hours are not counted.`,
    );
    return { lines: spend.lines, problems: [...unlisted, ...spend.problems] };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return {
      lines: [],
      problems: [`${account.id}: its instances could not be listed (${(error as Error).message}), so its hours are not counted.`],
    };
  } finally {
    provider?.dispose();
  }
}
