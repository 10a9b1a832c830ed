// Instances as `vlm cloud list` prints them: a table for people, and JSON with only the
// interface's fields (whatever else a provider's object carries stays out of the output).
import type { CloudInstance, HourlyPrice } from '@vlm/clouds/src/cloud-provider';
import { addressOf } from '@vlm/clouds/src/instance-address';
import { textTable } from './text-table';

export function instanceJson(instance: CloudInstance): Record<string, unknown> {
  return {
    address: addressOf(instance),
    provider: instance.provider,
    accountId: instance.accountId,
    location: instance.location,
    id: instance.id,
    name: instance.name,
    state: instance.state,
    providerState: instance.providerState,
    size: instance.size ?? null,
    publicAddress: instance.publicAddress ?? null,
    privateAddress: instance.privateAddress ?? null,
    startedAt: instance.startedAt ?? null,
    tags: instance.tags,
    pricePerHour: instance.pricePerHour ?? null,
    consoleUrl: instance.consoleUrl ?? null,
    actions: instance.actions,
  };
}

/** "3d 4h", "5h 12m", "40m", "0m": how long it has run, from when it started. */
export function uptimeText(startedAt: string | undefined, now: number): string {
  const started = startedAt === undefined ? Number.NaN : Date.parse(startedAt);
  if (Number.isNaN(started) || started > now) return '-';
  const minutes = Math.floor((now - started) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  return hours > 0 ? `${hours}h ${minutes % 60}m` : `${minutes}m`;
}

/** Micros as the currency's unit, with as many decimals as it needs (at least two). */
export function priceText(price: HourlyPrice | undefined): string {
  if (price === undefined) return '-';
  const whole = Math.floor(price.micros / 1_000_000);
  const fraction = String(price.micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${price.currency} ${whole}.${fraction.padEnd(2, '0')}`;
}

export function instanceTable(instances: readonly CloudInstance[], now: number): string {
  return textTable(
    ['ID', 'NAME', 'STATE', 'TYPE', 'PUBLIC', 'PRIVATE', 'UPTIME', 'PRICE/H'],
    instances.map((instance) => [
      addressOf(instance),
      instance.name,
      instance.state,
      instance.size ?? '-',
      instance.publicAddress ?? '-',
      instance.privateAddress ?? '-',
      instance.state === 'running' ? uptimeText(instance.startedAt, now) : '-',
      priceText(instance.pricePerHour),
    ]),
  );
}
