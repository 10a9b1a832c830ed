// The cost model's price arithmetic, in one place: the cost lens (a lab's monthly estimate) and the
// local-spend figures (a VM's running time) both price machines here. Prices are integer micros
// (millionths of the currency's major unit); products are exact BigInt fractions, rounded once.
import type { CostModel, CurrencyCode } from '@vlm/schemas';
import { currencyProblem, divideRounded, minorUnitDigits } from '../expenses/model/money';

export type { CostModel } from '@vlm/schemas';

/**
 * A month is 730 hours: the year's 8,760 hours over 12. Every month then costs the same, so an
 * estimate does not change on the 1st, and it matches how AWS, Azure and Google quote monthly prices.
 */
export const hoursPerMonth = 730;
export const secondsPerMonth = hoursPerMonth * 3600;

/** The lab file's units: `ram_mb` is MiB and `disk_gb` GiB; the model's "GB" is that GiB. */
export const mibPerGib = 1024;

export const microsDigits = 6;

/** What a machine holds, in the lab file's units. */
export interface MachineSize {
  vcpus: number;
  ramMib: number;
  diskGib: number;
}

/** An exact amount of micros: numerator / denominator, the denominator positive. */
export interface ExactMicros {
  numerator: bigint;
  denominator: bigint;
}

export interface MachineCost {
  vcpu: ExactMicros;
  ram: ExactMicros;
  disk: ExactMicros;
  total: ExactMicros;
}

/**
 * A price such as "0.0125" as integer micros, exactly (digits and BigInt, never a float). A problem
 * sentence naming `field` when the text is not a price: negative, exponent notation, more than six
 * decimals, or beyond Number.MAX_SAFE_INTEGER micros.
 */
export function parsePriceMicros(text: string, field = 'The price'): { micros: number } | { problem: string } {
  const trimmed = text.trim();
  const allowed = 'write digits with an optional "." and at most 6 decimals, such as 0.0125';
  if (trimmed === '') return { problem: `${field} is empty: ${allowed}` };
  if (trimmed.startsWith('-')) return { problem: `${field} "${trimmed}" is negative: a price is 0 or more` };
  const match = /^(\d+)(?:\.(\d+))?$/.exec(trimmed);
  if (!match) return { problem: `${field} "${trimmed}" is not a price: ${allowed}` };
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > microsDigits) {
    return { problem: `${field} "${trimmed}" has ${fraction.length} decimals; a price has at most 6 (millionths)` };
  }
  const micros = BigInt(whole + fraction.padEnd(microsDigits, '0'));
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) return { problem: `${field} "${trimmed}" is too large` };
  return { micros: Number(micros) };
}

/** Micros as the plain decimal text parsePriceMicros reads back: 12500 → "0.0125". */
export function formatPriceMicros(micros: number): string {
  const text = String(micros).padStart(microsDigits + 1, '0');
  const fraction = text.slice(-microsDigits).replace(/0+$/, '');
  return fraction === '' ? text.slice(0, -microsDigits) : `${text.slice(0, -microsDigits)}.${fraction}`;
}

/** What the schema cannot say about a cost model: a currency that does not exist. */
export function costModelProblem(model: CostModel | undefined): string | undefined {
  if (model === undefined) return undefined;
  const problem = currencyProblem(model.currency);
  return problem === undefined ? undefined : `costModel.currency: ${problem}`;
}

/** A machine's size as the lab file gives it, or a sentence on why it cannot be priced. */
export function machineSizeProblem(size: MachineSize): string | undefined {
  for (const [field, value] of [
    ['vcpus', size.vcpus],
    ['ramMib', size.ramMib],
    ['diskGib', size.diskGib],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) return `${field} is ${String(value)}, not a whole number of 0 or more`;
  }
  return undefined;
}

/**
 * What `size` costs when it runs for `runningSeconds` and keeps its disk for `diskSeconds`: vCPU and
 * RAM are priced by the hour of running, the disk by the month it exists. Exact.
 */
export function machineCost(model: CostModel, size: MachineSize, runningSeconds: number, diskSeconds: number): MachineCost {
  const problem = machineSizeProblem(size) ?? secondsProblem(runningSeconds) ?? secondsProblem(diskSeconds);
  if (problem !== undefined) throw new RangeError(problem);
  const vcpu = fraction(BigInt(size.vcpus) * BigInt(model.vcpuHourMicros) * BigInt(runningSeconds), 3600n);
  const ram = fraction(BigInt(size.ramMib) * BigInt(model.ramGbHourMicros) * BigInt(runningSeconds), 3600n * BigInt(mibPerGib));
  const disk = fraction(BigInt(size.diskGib) * BigInt(model.diskGbMonthMicros) * BigInt(diskSeconds), BigInt(secondsPerMonth));
  return { vcpu, ram, disk, total: sumMicros([vcpu, ram, disk]) };
}

/** A machine's cost for one month of running (730 hours). */
export function monthlyMachineCost(model: CostModel, size: MachineSize): MachineCost {
  return machineCost(model, size, secondsPerMonth, secondsPerMonth);
}

function secondsProblem(seconds: number): string | undefined {
  return Number.isSafeInteger(seconds) && seconds >= 0
    ? undefined
    : `a duration of ${String(seconds)} s is not a whole number of 0 or more`;
}

function fraction(numerator: bigint, denominator: bigint): ExactMicros {
  return { numerator, denominator };
}

export const zeroMicros: ExactMicros = { numerator: 0n, denominator: 1n };

/** The exact sum of several amounts. */
export function sumMicros(amounts: readonly ExactMicros[]): ExactMicros {
  let sum = zeroMicros;
  for (const amount of amounts) {
    sum = {
      numerator: sum.numerator * amount.denominator + amount.numerator * sum.denominator,
      denominator: sum.denominator * amount.denominator,
    };
    const divisor = gcd(sum.numerator, sum.denominator);
    if (divisor > 1n) sum = { numerator: sum.numerator / divisor, denominator: sum.denominator / divisor };
  }
  return sum;
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

/**
 * An exact amount in the currency's minor units (cents), rounded half away from zero (half up: costs
 * are not negative); undefined when it is beyond Number.MAX_SAFE_INTEGER, so no wrong figure is shown.
 */
export function microsToMinor(amount: ExactMicros, currency: CurrencyCode): number | undefined {
  const perMinor = 10n ** BigInt(microsDigits - minorUnitDigits(currency));
  const minor = divideRounded(amount.numerator, amount.denominator * perMinor);
  return minor > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(minor);
}
