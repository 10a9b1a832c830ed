// Exchange rates the user sets: one unit of `from` is worth rateMicros millionths of `to`. Amounts
// convert exactly in bigint and round once, to the nearest minor unit of `to` (halves away from
// zero). No rate is ever guessed: without one, a conversion says so and the caller leaves it out.
import type { ExchangeRate } from '@vlm/schemas';
import { currencyProblem, divideRounded, minorUnitDigits } from './money';

const micros = 1_000_000n;

/** Each problem as "field: what is wrong". */
export function exchangeRateProblems(rate: ExchangeRate): string[] {
  const problems: string[] = [];
  const from = currencyProblem(rate.from);
  if (from) problems.push(`from: ${from}`);
  const to = currencyProblem(rate.to);
  if (to) problems.push(`to: ${to}`);
  if (!from && !to && rate.from === rate.to) problems.push(`to: a rate converts between two currencies, and both are ${rate.from}`);
  if (!Number.isSafeInteger(rate.rateMicros) || rate.rateMicros < 1) {
    problems.push(`rate: ${rate.rateMicros} is not a whole, positive number of millionths`);
  }
  return problems;
}

/** The rates a file or message holds, checked together: each valid, and no pair set twice. */
export function exchangeRateListProblem(rates: readonly ExchangeRate[]): string | undefined {
  const pairs = new Set<string>();
  for (const [index, rate] of rates.entries()) {
    const problems = exchangeRateProblems(rate);
    if (problems.length > 0) return `exchangeRates[${index}] ${problems.join('; ')}`;
    const pair = `${rate.from}>${rate.to}`;
    if (pairs.has(pair)) return `exchangeRates[${index}] repeats the rate from ${rate.from} to ${rate.to}`;
    pairs.add(pair);
  }
  return undefined;
}

/** "1.0825" as 1082500 millionths, exactly; a problem sentence otherwise. */
export function parseRate(text: string): { rateMicros: number } | { problem: string } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return { problem: `"${text}" is not a rate: write a positive number such as 1.0825` };
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > 6) return { problem: `"${text}" has ${fraction.length} decimals; a rate has at most 6` };
  const value = BigInt(whole + fraction.padEnd(6, '0'));
  if (value < 1n) return { problem: `"${text}" is zero: a rate must be positive` };
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return { problem: `"${text}" is too large a rate` };
  return { rateMicros: Number(value) };
}

/** Millionths as the decimal text parseRate reads back: 1082500 is "1.0825". */
export function formatRate(rateMicros: number): string {
  const text = String(rateMicros).padStart(7, '0');
  const fraction = text.slice(-6).replace(/0+$/, '');
  return fraction ? `${text.slice(0, -6)}.${fraction}` : text.slice(0, -6);
}

/**
 * `minor` units of `from` in minor units of `to`, by the rate set from `from` to `to`, or else by
 * the inverse of the one set from `to` to `from`; undefined when neither is set.
 */
export function convertMinor(minor: bigint, from: string, to: string, rates: readonly ExchangeRate[]): bigint | undefined {
  if (from === to) return minor;
  const scale = (currency: string) => 10n ** BigInt(minorUnitDigits(currency));
  const direct = rates.find((rate) => rate.from === from && rate.to === to);
  if (direct) return divideRounded(minor * BigInt(direct.rateMicros) * scale(to), scale(from) * micros);
  const inverse = rates.find((rate) => rate.from === to && rate.to === from);
  if (inverse) return divideRounded(minor * micros * scale(to), scale(from) * BigInt(inverse.rateMicros));
  return undefined;
}
