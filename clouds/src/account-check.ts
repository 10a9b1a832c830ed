// The provider-independent part of an account, checked the same way wherever accounts come
// from (the CLI's accounts file, VS Code settings): which field is wrong, what is allowed.
import { type CloudAccount, type ProviderKind, providerKinds } from './cloud-provider.js';
import { parseHourlyPrices } from './hourly-prices.js';

export const accountIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const accountIdRule = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters";
const labelMaxLength = 200;
const accountFields = ['id', 'provider', 'label', 'settings'];

/** An account that cannot be used as written. A CloudError names a provider; this comes before one is known. */
export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    message: string,
    /** Where, as a path into the document: `accounts[2].provider`. */
    readonly field: string,
  ) {
    super(message);
  }

  describe(): string {
    return `${this.message}.`;
  }
}

export function isProviderKind(value: unknown): value is ProviderKind {
  return typeof value === 'string' && (providerKinds as readonly string[]).includes(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A written value in a message: strings quoted and cut short, other values by their type. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 70 ? `${value.slice(0, 70)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' || typeof value === 'undefined' ? `an ${typeof value}` : `a ${typeof value}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

/** Checks an account at `where` (such as `accounts[2]`); throws AccountError naming the field. */
export function checkAccount(value: unknown, where = 'account'): CloudAccount {
  if (!isPlainObject(value))
    throw new AccountError(`${where} must be an object with id, provider and settings, not ${shown(value)}`, where);
  for (const field of Object.keys(value)) {
    if (!accountFields.includes(field)) {
      throw new AccountError(`${where} has an unknown field ${shown(field)}; allowed: ${accountFields.join(', ')}`, `${where}.${field}`);
    }
  }
  const { id, provider, label, settings } = value;
  if (typeof id !== 'string' || !accountIdPattern.test(id)) {
    throw new AccountError(`${where}.id is ${id === undefined ? 'missing' : shown(id)}: an account id has ${accountIdRule}`, `${where}.id`);
  }
  if (!isProviderKind(provider)) {
    throw new AccountError(
      `${where}.provider is ${provider === undefined ? 'missing' : shown(provider)}: one of ${providerKinds.join(', ')}`,
      `${where}.provider`,
    );
  }
  if (label !== undefined && (typeof label !== 'string' || label.length > labelMaxLength || controlCharacters.test(label))) {
    throw new AccountError(
      `${where}.label is ${shown(label)}: a label is text of at most ${labelMaxLength} characters without control characters`,
      `${where}.label`,
    );
  }
  if (!isPlainObject(settings)) {
    throw new AccountError(
      `${where}.settings is ${settings === undefined ? 'missing' : shown(settings)}: an object of the provider's settings`,
      `${where}.settings`,
    );
  }
  // Settings every provider takes are checked here, once; the provider checks the rest.
  parseHourlyPrices(settings.hourlyPrices, `${where}.settings.hourlyPrices`);
  return { id, provider, settings, ...(label === undefined ? {} : { label }) };
}
