// Money is an integer count of a currency's minor unit (cents for EUR, yen for JPY), with an
// ISO 4217 code checked against the list the JavaScript engine knows. Never a float.
import type { CurrencyCode } from '@vlm/schemas';

let knownCurrencies: ReadonlySet<string> | undefined;

/** The ISO 4217 codes in use, from the engine's ICU data (Node and Chromium both carry it). */
export function currencyCodes(): ReadonlySet<string> {
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies;
}

export function currencyProblem(code: string): string | undefined {
  if (!/^[A-Z]{3}$/.test(code)) return `"${code}" is not a currency code: use three capital letters, such as EUR or USD`;
  if (!currencyCodes().has(code)) return `${code} is not an ISO 4217 currency code in use`;
  return undefined;
}

/** Digits after the decimal point in the currency's minor unit: 2 for EUR, 0 for JPY, 3 for BHD. */
export function minorUnitDigits(currency: CurrencyCode): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

// Building an Intl.NumberFormat takes about a millisecond; a lab's lenses or a long table format thousands of amounts.
const digitsByCurrency = new Map<string, number>();
const displayFormats = new Map<string, Intl.NumberFormat>();

/**
 * "12.34" (or "-5", "1,234.5" is refused: no grouping) in `currency` as minor units, exactly, with
 * no float arithmetic. A problem sentence when the text is not an amount in that currency.
 */
export function parseAmount(text: string, currency: CurrencyCode): { minor: number } | { problem: string } {
  const digits = minorUnitDigits(currency);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match)
    return { problem: `"${text}" is not an amount: write digits with an optional "." and ${digits} decimals, such as ${example(digits)}` };
  const [, sign = '', whole = '', fraction = ''] = match;
  if (fraction.length > digits) {
    return { problem: `"${text}" has ${fraction.length} decimals; ${currency} has ${digits}` };
  }
  const minor = BigInt(whole + fraction.padEnd(digits, '0')) * (sign === '-' ? -1n : 1n);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) {
    return { problem: `"${text}" is too large an amount` };
  }
  return { minor: Number(minor) };
}

function example(digits: number): string {
  return digits === 0 ? '1250' : `12.${'50'.padEnd(digits, '0').slice(0, digits)}`;
}

/** Minor units as the plain decimal text parseAmount reads back ("-12.50"). */
export function formatAmount(minor: number, currency: CurrencyCode): string {
  const digits = minorUnitDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Minor units as a user reads them in their locale ("€12.50"). */
export function displayAmount(minor: number, currency: CurrencyCode, locale?: string): string {
  const digits = minorUnitDigits(currency);
  // Exact: the decimal string goes to the formatter, not a division of the integer.
  const decimal = formatAmount(minor, currency) as unknown as number;
  const key = `${locale ?? ''} ${currency}`;
  let format = displayFormats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits });
    displayFormats.set(key, format);
  }
  return format.format(decimal);
}

/** a / b rounded to the nearest integer, halves away from zero. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const [top, bottom] = [numerator < 0n ? -numerator : numerator, denominator < 0n ? -denominator : denominator];
  const quotient = (top * 2n + bottom) / (bottom * 2n);
  return negative ? -quotient : quotient;
}
