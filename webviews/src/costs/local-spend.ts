// A local lab's spend for one month, from the running intervals its host recorded: each VM's
// running time per UTC day at the cost model's prices (cost-model.ts does the arithmetic: vCPU
// and RAM by the hour, disk by the 730-hour month, pro rata of the running time). Times are UTC
// throughout, so daylight saving time never moves a second between days. Pure: the extension
// gives it the host's answer and sends the lines to the Expenses panel.
import type { CostModel, DerivedSpend } from '@vlm/schemas';
import type { RunningInterval } from '@vlm/schemas/src/host-protocol/running-time-messages';
import { machineCost, microsToMinor } from './cost-model';

/** The category local spend is stacked under in the chart. */
export const localSpendCategory = 'Local labs';

const secondsPerDay = 86_400;
const labName = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const domainName = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
const utcTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export interface LocalSpend {
  lines: DerivedSpend[];
  /** Intervals that could not be priced, in words. */
  problems: string[];
}

/** Whole seconds since the epoch of an ISO 8601 UTC time; undefined when it is not one. */
function epochSeconds(time: unknown): number | undefined {
  if (typeof time !== 'string' || !utcTime.test(time)) return undefined;
  const milliseconds = Date.parse(time);
  return Number.isNaN(milliseconds) ? undefined : Math.floor(milliseconds / 1000);
}

/** What is wrong with an interval a host sent (hosts are not trusted), or undefined. */
export function intervalProblem(interval: RunningInterval): string | undefined {
  const value = interval as unknown as Record<string, unknown>;
  if (typeof value.domain !== 'string' || value.domain.length > 200 || !domainName.test(value.domain))
    return 'its domain name is not a libvirt name';
  for (const field of ['lab', 'vm'] as const) {
    const name = value[field];
    if (typeof name !== 'string' || name.length > 63 || !labName.test(name)) return `its ${field} is not a lab name`;
  }
  for (const field of ['vcpu', 'memoryBytes', 'diskBytes'] as const) {
    const count = value[field];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) return `its ${field} is not a whole number of 0 or more`;
  }
  const start = epochSeconds(value.start);
  if (start === undefined) return 'its start is not an ISO 8601 UTC time';
  if (value.stop !== undefined) {
    const stop = epochSeconds(value.stop);
    if (stop === undefined) return 'its stop is not an ISO 8601 UTC time';
    if (stop < start) return 'it stops before it starts';
  }
  return undefined;
}

/** [first second of the month, first second of the next) of "YYYY-MM", in UTC. */
export function monthSpan(month: string): [number, number] {
  const year = Number(month.slice(0, 4));
  const index = Number(month.slice(5, 7)) - 1;
  return [Date.UTC(year, index, 1) / 1000, Date.UTC(year, index + 1, 1) / 1000];
}

/** Seconds of running per UTC day (YYYY-MM-DD) of the part of [start, stop) inside [from, until). */
export function secondsPerUtcDay(start: number, stop: number, from: number, until: number): Map<string, number> {
  const days = new Map<string, number>();
  let cursor = Math.max(start, from);
  const end = Math.min(stop, until);
  while (cursor < end) {
    const nextMidnight = (Math.floor(cursor / secondsPerDay) + 1) * secondsPerDay;
    const pieceEnd = Math.min(nextMidnight, end);
    const day = new Date(cursor * 1000).toISOString().slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + pieceEnd - cursor);
    cursor = pieceEnd;
  }
  return days;
}

function durationText(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours === 0 && minutes === 0) return `${seconds} s`;
  return hours === 0 ? `${minutes} min` : `${hours} h ${String(minutes).padStart(2, '0')} min`;
}

interface DayGroup {
  interval: RunningInterval;
  ramMib: number;
  diskGib: number;
  day: string;
  seconds: number;
}

/**
 * One line per VM, size and UTC day of `month` it ran, priced with `model`; open intervals run
 * until `now` (the host's clock). `host` names the host in notes and problems. Each line is rounded
 * to the currency's minor unit once.
 */
export function localSpendLines(
  intervals: readonly RunningInterval[],
  model: CostModel,
  month: string,
  now: string,
  host: string,
): LocalSpend {
  const problems: string[] = [];
  const nowSeconds = epochSeconds(now);
  if (nowSeconds === undefined) return { lines: [], problems: [`Host ${host} answered with a clock that is not an ISO 8601 UTC time.`] };
  const [from, until] = monthSpan(month);
  const groups = new Map<string, DayGroup>();
  intervals.forEach((interval, index) => {
    const problem = intervalProblem(interval);
    if (problem !== undefined) {
      problems.push(`Host ${host} sent running interval ${index + 1}, which was left out: ${problem}.`);
      return;
    }
    const start = epochSeconds(interval.start) as number;
    const stop = interval.stop === undefined ? nowSeconds : (epochSeconds(interval.stop) as number);
    // The lab file's units: memory in whole MiB (libvirt counts KiB), disk in GiB.
    const ramMib = Math.floor(interval.memoryBytes / 2 ** 20);
    const diskGib = Math.floor(interval.diskBytes / 2 ** 30);
    for (const [day, seconds] of secondsPerUtcDay(start, Math.min(stop, nowSeconds), from, until)) {
      const key = [interval.domain, interval.vcpu, ramMib, diskGib, day].join(' ');
      const group = groups.get(key);
      if (group) group.seconds += seconds;
      else groups.set(key, { interval, ramMib, diskGib, day, seconds });
    }
  });
  const lines: DerivedSpend[] = [];
  for (const { interval, ramMib, diskGib, day, seconds } of groups.values()) {
    const cost = machineCost(model, { vcpus: interval.vcpu, ramMib, diskGib }, seconds, seconds);
    const amountMinor = microsToMinor(cost.total, model.currency);
    if (amountMinor === undefined) {
      problems.push(`The running time of ${interval.domain} on ${day} costs more than can be shown; check the cost model's prices.`);
      continue;
    }
    lines.push({
      source: 'local',
      date: day,
      amountMinor,
      currency: model.currency,
      category: localSpendCategory,
      note: `${interval.lab}/${interval.vm} on ${host}: ${durationText(seconds)} running, ${interval.vcpu} vCPU, ${ramMib} MiB RAM, ${diskGib} GiB disk`,
      link: { kind: 'vm', id: interval.domain },
    });
  }
  lines.sort((left, right) => left.date.localeCompare(right.date) || left.note.localeCompare(right.note));
  return { lines, problems };
}
