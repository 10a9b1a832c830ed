// Cloud figures come as millionths of a unit (a price) or as decimal text (Cost Explorer's
// "12.3456789"); the dashboard keeps integer minor units. Both are turned into minor units here,
// exactly (BigInt, no float), rounding half away from zero, once per line.
import type { CurrencyCode } from '@vlm/schemas';
import { currencyProblem, minorUnitDigits } from '@vlm/webviews/src/expenses/model/money';

/** `numerator / denominator` rounded half away from zero. */
function roundedQuotient(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const [top, bottom] = [numerator < 0n ? -numerator : numerator, denominator < 0n ? -denominator : denominator];
  const quotient = (top * 2n + bottom) / (bottom * 2n);
  return negative ? -quotient : quotient;
}

function safeNumber(value: bigint): number | undefined {
  return value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
}

/** A price of `microsPerHour` millionths of a unit an hour, for `seconds`: minor units of `currency`, or undefined past safe integers. */
export function hourlyCostMinor(microsPerHour: number, seconds: number, currency: CurrencyCode): number | undefined {
  const scale = 10n ** BigInt(minorUnitDigits(currency));
  return safeNumber(roundedQuotient(BigInt(microsPerHour) * BigInt(seconds) * scale, 1_000_000n * 3600n));
}

/** The longest fraction accepted: Cost Explorer writes about ten decimals; hundreds are not an amount. */
export const maxDecimals = 20;

/**
 * Decimal text ("-0.0000001234", "15.2") as minor units of `currency`, or why it is not one:
 * no exponent, NaN, Infinity, grouping or more than `maxDecimals` decimals.
 */
export function decimalToMinor(text: unknown, currency: string): { minor: number } | { problem: string } {
  const problem = currencyProblem(currency);
  if (problem !== undefined) return { problem };
  const shown = JSON.stringify(typeof text === 'string' ? text.slice(0, 40) : text) ?? String(text);
  if (typeof text !== 'string') return { problem: `the amount ${shown} is not decimal text` };
  const match = /^(-?)(\d{1,16})(?:\.(\d+))?$/.exec(text);
  if (!match) return { problem: `the amount ${shown} is not a decimal number (digits, an optional "-" and ".")` };
  const [, sign = '', whole = '', fraction = ''] = match;
  if (fraction.length > maxDecimals)
    return { problem: `the amount ${shown} has ${fraction.length} decimals; at most ${maxDecimals} are read` };
  const digits = minorUnitDigits(currency as CurrencyCode);
  const exact = BigInt(whole + fraction) * (sign === '-' ? -1n : 1n);
  const minor = safeNumber(roundedQuotient(exact * 10n ** BigInt(digits), 10n ** BigInt(fraction.length)));
  if (minor === undefined) return { problem: `the amount ${shown} is too large` };
  return { minor };
}
