// What an account's instances cost in a month, from what the provider reports now: a running
// instance has run without a break since its last start, so its hours in the month are known from
// then on; anything earlier (runs before that start, a stopped instance's hours) needs history the
// providers do not keep, and is reported as not known rather than guessed.
import type { DerivedSpend } from '@vlm/schemas';
import { currencyProblem } from '@vlm/webviews/src/expenses/model/money';
import { nextMonth } from '@vlm/webviews/src/expenses/model/calendar-dates';
import type { CloudInstance, HourlyPrice } from './cloud-provider.js';
import { hourlyCostMinor } from './spend-amounts.js';

export interface SpendLines {
  lines: DerivedSpend[];
  /** Why some spend could not be counted, a sentence each. */
  problems: string[];
}

/** The category computed cloud spend is shown under, so one budget covers hours and Cost Explorer alike. */
export const cloudCategory = 'Cloud';

/** States in which an instance is up, and billed by the hour. */
const upStates = new Set(['running', 'rebooting']);
const dayMs = 86_400_000;

/** Text from a provider (a Name tag) made safe for a note: no control characters, bounded. */
export function plainText(text: string, maxLength: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed.
  const plain = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\ufffd');
  return plain.length > maxLength ? `${plain.slice(0, maxLength - 1)}…` : plain;
}

/** millionths as decimal text: 10400 → "0.0104". */
function microsText(micros: number): string {
  const text = String(micros).padStart(7, '0');
  return `${text.slice(0, -6)}.${text.slice(-6)}`.replace(/\.?0+$/, '');
}

function priceProblem(price: HourlyPrice): string | undefined {
  if (!Number.isSafeInteger(price.micros) || price.micros < 0)
    return `its price ${JSON.stringify(price.micros)} is not a whole number of millionths ≥ 0`;
  return currencyProblem(price.currency);
}

/** The instant `month` (YYYY-MM) starts, in UTC. */
export function monthStart(month: string): number {
  return Date.parse(`${month}-01T00:00:00Z`);
}

/**
 * Lines of `source: 'cloud'`, one per instance and UTC day it was up in `month` (up to `now`):
 * seconds up that day × its hourly price, rounded to the currency's minor unit per line.
 */
export function instanceSpend(accountId: string, instances: readonly CloudInstance[], month: string, now: Date): SpendLines {
  const from = monthStart(month);
  const until = Math.min(now.getTime(), monthStart(nextMonth(month)));
  const lines: DerivedSpend[] = [];
  const problems: string[] = [];
  const notUp: string[] = [];
  const noStart: string[] = [];
  const noPrice: string[] = [];
  for (const instance of instances) {
    const name = plainText(instance.name === instance.id ? instance.id : `${instance.name} (${instance.id})`, 200);
    if (!upStates.has(instance.state)) {
      if (instance.state !== 'terminated') notUp.push(name);
      continue;
    }
    const started = instance.startedAt === undefined ? Number.NaN : Date.parse(instance.startedAt);
    if (Number.isNaN(started)) {
      noStart.push(name);
      continue;
    }
    const begin = Math.max(started, from);
    if (begin >= until) continue;
    if (!instance.pricePerHour) {
      noPrice.push(name);
      continue;
    }
    const problem = priceProblem(instance.pricePerHour);
    if (problem !== undefined) {
      problems.push(`${name} of ${accountId}: ${problem}, so its hours are not costed.`);
      continue;
    }
    lines.push(...dailyLines(accountId, instance, name, instance.pricePerHour, begin, until, started > from));
  }
  const list = (names: string[]) => (names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', '));
  if (noPrice.length > 0) {
    problems.push(
      `${accountId}: ${list(noPrice)} ran in ${month} but ${instances[0]?.provider ?? 'the provider'} tells no hourly price for them and settings.hourlyPrices has none for their size (nor "*"), so their hours are not costed.`,
    );
  }
  if (noStart.length > 0)
    problems.push(`${accountId}: ${list(noStart)} ran without telling when they started, so their hours are not known.`);
  if (notUp.length > 0) {
    problems.push(
      `${accountId}: ${list(notUp)} ${notUp.length === 1 ? 'is' : 'are'} not running now; hours they ran earlier in ${month} are not known (the provider reports only the current state).`,
    );
  }
  return { lines, problems };
}

function dailyLines(
  accountId: string,
  instance: CloudInstance,
  name: string,
  price: HourlyPrice,
  begin: number,
  until: number,
  startedInMonth: boolean,
): DerivedSpend[] {
  const lines: DerivedSpend[] = [];
  const size = instance.size ? `, ${plainText(instance.size, 60)}` : '';
  const earlier = startedInMonth ? `; started ${new Date(begin).toISOString()}, runs before that are not known` : '';
  for (let day = begin - (begin % dayMs); day < until; day += dayMs) {
    const seconds = Math.floor((Math.min(until, day + dayMs) - Math.max(begin, day)) / 1000);
    const amountMinor = hourlyCostMinor(price.micros, seconds, price.currency);
    if (seconds <= 0 || amountMinor === undefined) continue;
    lines.push({
      source: 'cloud',
      date: new Date(day).toISOString().slice(0, 10),
      amountMinor,
      currency: price.currency,
      category: cloudCategory,
      note: `${name}${size}: ${(seconds / 3600).toFixed(2)} h × ${microsText(price.micros)} ${price.currency}/h${earlier}`,
      link: { kind: 'provider', id: accountId },
    });
  }
  return lines;
}
