// The pure rules that turn two readings of libvirt's cumulative counters into a sample: CPU % as
// cockpit-machines computes it (guest CPU time over wall time over vCPUs), memory in use, and disk
// and network rates. A counter that went down (the VM restarted, a device was unplugged) gives no
// rate for that interval rather than a negative or huge one.
import type { MemorySource, VmMetricsSample, VmState } from '@vlm/schemas/src/host-protocol';
import { domainStates } from '../libvirt/constants';

/** The numeric stats GetAllDomainStats returned for one domain, keyed as libvirt names them. */
export type DomainStatsValues = Readonly<Record<string, number>>;

/** What one reading holds, summed over devices; undefined where libvirt did not say. */
export interface CounterReading {
  /** Host clock, milliseconds. */
  at: number;
  state: VmState;
  cpuTimeNs?: number;
  vcpus?: number;
  diskReadBytes?: number;
  diskWriteBytes?: number;
  netRxBytes?: number;
  netTxBytes?: number;
  memoryTotalBytes?: number;
  memoryUsedBytes?: number;
  memorySource: MemorySource;
}

/** The sum of `<prefix>.<i>.<field>` over `<prefix>.count` devices; undefined when no device says. */
function sumDevices(values: DomainStatsValues, prefix: string, field: string): number | undefined {
  const count = values[`${prefix}.count`];
  if (count === undefined) return undefined;
  let total: number | undefined;
  for (let index = 0; index < count; index++) {
    const value = values[`${prefix}.${index}.${field}`];
    if (value !== undefined) total = (total ?? 0) + value;
  }
  return total;
}

/** Memory in use: the guest's own view when its balloon driver reports it, else QEMU's resident size. */
function memoryUse(values: DomainStatsValues): Pick<CounterReading, 'memoryTotalBytes' | 'memoryUsedBytes' | 'memorySource'> {
  const currentKiB = values['balloon.current'];
  const totalBytes = currentKiB === undefined ? {} : { memoryTotalBytes: currentKiB * 1024 };
  const freeKiB = values['balloon.usable'] ?? values['balloon.unused'];
  if (currentKiB !== undefined && freeKiB !== undefined && freeKiB <= currentKiB) {
    return { ...totalBytes, memoryUsedBytes: (currentKiB - freeKiB) * 1024, memorySource: 'guest' };
  }
  const rssKiB = values['balloon.rss'];
  if (rssKiB !== undefined) return { ...totalBytes, memoryUsedBytes: rssKiB * 1024, memorySource: 'host-rss' };
  return { ...totalBytes, memorySource: 'none' };
}

function defined<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** One domain's stats as a reading taken at `at`. */
export function readCounters(values: DomainStatsValues, at: number): CounterReading {
  const stateNumber = values['state.state'];
  return {
    at,
    state: (stateNumber === undefined ? undefined : domainStates[stateNumber]) ?? 'no-state',
    ...defined('cpuTimeNs', values['cpu.time']),
    ...defined('vcpus', values['vcpu.current'] ?? values['vcpu.maximum']),
    ...defined('diskReadBytes', sumDevices(values, 'block', 'rd.bytes')),
    ...defined('diskWriteBytes', sumDevices(values, 'block', 'wr.bytes')),
    ...defined('netRxBytes', sumDevices(values, 'net', 'rx.bytes')),
    ...defined('netTxBytes', sumDevices(values, 'net', 'tx.bytes')),
    ...memoryUse(values),
  };
}

/** Per second between two counter values; null when either is unknown or the counter went down. */
function perSecond(before: number | undefined, after: number | undefined, seconds: number): number | null {
  if (before === undefined || after === undefined || after < before || seconds <= 0) return null;
  return (after - before) / seconds;
}

function cpuPercent(previous: CounterReading | undefined, current: CounterReading, seconds: number): number | null {
  if (!previous || !current.vcpus) return null;
  const nsPerSecond = perSecond(previous.cpuTimeNs, current.cpuTimeNs, seconds);
  if (nsPerSecond === null) return null;
  const percent = (nsPerSecond / 1e9 / current.vcpus) * 100;
  // Sampling jitter can push a busy guest a little over 100 %.
  return Math.min(100, Math.max(0, percent));
}

/** The sample `current` gives after `previous` (the same domain's reading one interval before, if any). */
export function computeSample(previous: CounterReading | undefined, current: CounterReading): VmMetricsSample {
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const rate = (field: 'diskReadBytes' | 'diskWriteBytes' | 'netRxBytes' | 'netTxBytes') =>
    previous ? perSecond(previous[field], current[field], seconds) : null;
  return {
    at: current.at,
    state: current.state,
    cpuPercent: cpuPercent(previous, current, seconds),
    vcpus: current.vcpus ?? null,
    memoryUsedBytes: current.memoryUsedBytes ?? null,
    memoryTotalBytes: current.memoryTotalBytes ?? null,
    memorySource: current.memorySource,
    diskReadBytesPerSecond: rate('diskReadBytes'),
    diskWriteBytesPerSecond: rate('diskWriteBytes'),
    netRxBytesPerSecond: rate('netRxBytes'),
    netTxBytesPerSecond: rate('netTxBytes'),
  };
}
