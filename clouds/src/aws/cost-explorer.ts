// One month of an AWS account's cost from Cost Explorer: GetCostAndUsage, monthly, unblended
// cost grouped by service, every page. Each call costs USD 0.01, so callers go through the cache
// (cost-explorer-cache.ts). Every figure in the answer is checked before it is kept.
import { CostExplorerClient, GetCostAndUsageCommand, type GetCostAndUsageResponse } from '@aws-sdk/client-cost-explorer';
import type { CostExplorerCacheEntry } from '@vlm/schemas';
import { nextMonth } from '@vlm/webviews/src/expenses/model/calendar-dates';
import { CloudError } from '../cloud-errors.js';
import type { SecretSource } from '../cloud-provider.js';
import { plainText } from '../instance-spend.js';
import { decimalToMinor } from '../spend-amounts.js';
import { awsCredentials } from './aws-credentials.js';
import type { AwsSettings } from './aws-settings.js';

export type CostAmount = CostExplorerCacheEntry['amounts'][number];

/** Cost Explorer has one endpoint, in us-east-1, for every account. */
const costExplorerRegion = 'us-east-1';
/** More pages than any account's services fill (AWS has a few hundred services); a longer run is a loop. */
const maxPages = 50;

export function costExplorerClient(accountId: string, settings: AwsSettings, secrets: SecretSource, maxAttempts = 3): CostExplorerClient {
  return new CostExplorerClient({
    region: costExplorerRegion,
    credentials: awsCredentials(accountId, settings, secrets),
    maxAttempts,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    ...(settings.costExplorerEndpoint === undefined ? {} : { endpoint: settings.costExplorerEndpoint }),
  });
}

/** The days GetCostAndUsage is asked for: the month, or its days up to today (End is exclusive). */
export function monthPeriod(month: string, now: Date): { Start: string; End: string } {
  const end = `${nextMonth(month)}-01`;
  const tomorrow = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
  return { Start: `${month}-01`, End: tomorrow < end ? tomorrow : end };
}

export interface MonthCosts {
  amounts: CostAmount[];
  /** Groups left out because a figure in them was not one, a sentence each. */
  problems: string[];
}

/** Every page of the month's cost per service; a figure that is not an amount is left out and named. */
export async function fetchMonthCosts(client: CostExplorerClient, month: string, now: Date, signal?: AbortSignal): Promise<MonthCosts> {
  const byService = new Map<string, CostAmount>();
  const problems: string[] = [];
  const seenTokens = new Set<string>();
  let token: string | undefined;
  for (let page = 0; ; page += 1) {
    const input = {
      TimePeriod: monthPeriod(month, now),
      Granularity: 'MONTHLY' as const,
      Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'DIMENSION' as const, Key: 'SERVICE' }],
      ...(token === undefined ? {} : { NextPageToken: token }),
    };
    const answer: GetCostAndUsageResponse = await client.send(new GetCostAndUsageCommand(input), signal ? { abortSignal: signal } : {});
    readPage(answer, byService, problems);
    token = answer.NextPageToken || undefined;
    if (token === undefined) break;
    if (seenTokens.has(token) || page + 1 >= maxPages) {
      throw new CloudError('malformed', 'aws', `Cost Explorer kept paging (${page + 1} pages, or a token repeated) for ${month}`);
    }
    seenTokens.add(token);
  }
  return { amounts: [...byService.values()], problems: problems.slice(0, 20) };
}

function readPage(answer: GetCostAndUsageResponse, byService: Map<string, CostAmount>, problems: string[]): void {
  for (const period of answer.ResultsByTime ?? []) {
    for (const group of period.Groups ?? []) {
      const service = plainText(String(group.Keys?.[0] ?? '').trim(), 200) || 'Unnamed service';
      const metric = group.Metrics?.UnblendedCost;
      const currency = String(metric?.Unit ?? '');
      const amount = decimalToMinor(metric?.Amount, currency);
      if ('problem' in amount) {
        problems.push(`Cost Explorer's figure for ${service} was left out: ${plainText(amount.problem, 300)}.`);
        continue;
      }
      const key = `${service}\u0000${currency}`;
      const earlier = byService.get(key);
      const amountMinor = (earlier?.amountMinor ?? 0) + amount.minor;
      byService.set(key, { service, amountMinor, currency });
    }
  }
}
