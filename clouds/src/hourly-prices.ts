// The user's hourly prices for an account's instances, by size. No provider's listing tells a
// price, so instance hours are costed from what the user writes in the account's settings. One
// setting for every provider: checked with the account, and taken out before the provider's check.
import { parsePriceMicros } from '@vlm/webviews/src/costs/cost-model';
import { currencyProblem } from '@vlm/webviews/src/expenses/model/money';
import { AccountError, isPlainObject, shown } from './account-check.js';
import type { CloudInstance, HourlyPrice } from './cloud-provider.js';

/** Settings every provider takes; the provider's own `parseSettings` never sees them. */
export const sharedSettingNames: readonly string[] = ['hourlyPrices'];

/** The size key that prices every size not listed. */
export const anySize = '*';

const priceFields = ['currency', 'bySize'];
const sizeMaxLength = 100;
/** Far more sizes than one account runs; a longer list is a mistake (or a hostile file). */
const sizesMax = 1000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export interface HourlyPriceTable {
  currency: string;
  /** Micros per hour by the instance's `size` as the provider reports it; `*` for any other. */
  bySize: ReadonlyMap<string, number>;
}

/** The settings without the shared ones, for the provider's own `parseSettings`. */
export function providerSettings(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([name]) => !sharedSettingNames.includes(name)));
}

function sizeProblem(size: string): string | undefined {
  if (size === '') return 'is empty';
  if (size.length > sizeMaxLength) return `is ${size.length} characters long`;
  if (controlCharacters.test(size)) return 'holds control characters';
  return undefined;
}

function parseSizes(value: unknown, where: string): Map<string, number> {
  const sizeRule = `an object of sizes as the provider reports them (such as "t3.micro", or "${anySize}" for any other) to prices written as text, such as "0.0104"`;
  if (!isPlainObject(value)) throw new AccountError(`${where} is ${value === undefined ? 'missing' : shown(value)}: ${sizeRule}`, where);
  const entries = Object.entries(value);
  if (entries.length === 0) throw new AccountError(`${where} is empty: ${sizeRule}`, where);
  if (entries.length > sizesMax) throw new AccountError(`${where} has ${entries.length} sizes; at most ${sizesMax}`, where);
  const bySize = new Map<string, number>();
  for (const [size, price] of entries) {
    const field = `${where}[${JSON.stringify(size.length > 70 ? `${size.slice(0, 70)}…` : size)}]`;
    const problem = sizeProblem(size);
    if (problem !== undefined) {
      throw new AccountError(`${field}: the size ${problem}; a size is 1 to ${sizeMaxLength} characters without control characters`, field);
    }
    if (typeof price !== 'string') {
      throw new AccountError(`${field} is ${shown(price)}: write the price as text, such as "0.0104", so it is read exactly`, field);
    }
    const parsed = parsePriceMicros(price, field);
    if ('problem' in parsed) throw new AccountError(parsed.problem, field);
    bySize.set(size, parsed.micros);
  }
  return bySize;
}

/**
 * Checks `hourlyPrices` at `where` (such as `accounts[2].settings.hourlyPrices`); throws
 * AccountError naming the field, what was wrong and what is allowed. Undefined when not set.
 */
export function parseHourlyPrices(value: unknown, where = 'settings.hourlyPrices'): HourlyPriceTable | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw new AccountError(`${where} is ${shown(value)}: an object with currency and bySize`, where);
  }
  for (const field of Object.keys(value)) {
    if (!priceFields.includes(field)) {
      throw new AccountError(`${where} has an unknown field ${shown(field)}; allowed: ${priceFields.join(', ')}`, `${where}.${field}`);
    }
  }
  const { currency, bySize } = value;
  const currencyField = `${where}.currency`;
  if (typeof currency !== 'string') {
    throw new AccountError(
      `${currencyField} is ${currency === undefined ? 'missing' : shown(currency)}: an ISO 4217 code such as "USD"`,
      currencyField,
    );
  }
  if (currencyProblem(currency) !== undefined) {
    throw new AccountError(
      `${currencyField} is ${shown(currency)}: an ISO 4217 currency code in use, three capital letters such as "USD"`,
      currencyField,
    );
  }
  return { currency, bySize: parseSizes(bySize, `${where}.bySize`) };
}

/** The price of one size: its own, else `*`'s, else none. */
export function priceOfSize(table: HourlyPriceTable, size: string | undefined): HourlyPrice | undefined {
  const micros = (size === undefined ? undefined : table.bySize.get(size)) ?? table.bySize.get(anySize);
  return micros === undefined ? undefined : { currency: table.currency, micros };
}

/** The instances with the user's price where the provider told none (a provider's own price is kept). */
export function withHourlyPrices(instances: readonly CloudInstance[], table: HourlyPriceTable | undefined): CloudInstance[] {
  return instances.map((instance) => {
    if (table === undefined || instance.pricePerHour !== undefined) return instance;
    const price = priceOfSize(table, instance.size);
    return price === undefined ? instance : { ...instance, pricePerHour: price };
  });
}
