// Live VM metrics: what the host's sampler measures per running VM, read once or followed live.
import { notification, request } from './message-types';
import type { VmState } from './shapes';

/** Where a sample's memory figure comes from; libvirt only knows the guest's view with a balloon driver. */
export type MemorySource =
  /** balloon.current minus balloon.usable (or balloon.unused): what the guest itself uses. */
  | 'guest'
  /** balloon.rss: what QEMU holds on the host, guest caches included. */
  | 'host-rss'
  /** Nothing to say (libvirt's test driver, or no balloon stats). */
  | 'none';

/** One VM at one instant. A rate or percentage is null when it cannot be known yet (first sample, a counter reset). */
export interface VmMetricsSample {
  /** The host's clock, milliseconds since the epoch. */
  at: number;
  state: VmState;
  /** Guest CPU time over wall time over vCPUs, 0-100, as cockpit-machines shows it. */
  cpuPercent: number | null;
  vcpus: number | null;
  memoryUsedBytes: number | null;
  /** The balloon's current size (what the guest has). */
  memoryTotalBytes: number | null;
  memorySource: MemorySource;
  diskReadBytesPerSecond: number | null;
  diskWriteBytesPerSecond: number | null;
  netRxBytesPerSecond: number | null;
  netTxBytesPerSecond: number | null;
}

export interface VmMetrics {
  /** libvirt domain name. */
  vm: string;
  lab?: string;
  /** The newest sample, absent when the VM is not running. */
  latest?: VmMetricsSample;
  /** Up to the last 10 minutes, oldest first (empty unless `history` was asked for). */
  history: VmMetricsSample[];
}

export interface MetricsGetParams {
  /** One VM (libvirt domain name)... */
  vm?: string;
  /** ...or every VM of a lab; neither: every running VM on the host. */
  lab?: string;
  /** Include up to the last 10 minutes of samples. */
  history?: boolean;
}

export interface MetricsGetResult {
  vms: VmMetrics[];
  /** How often the host samples while someone follows, in milliseconds. */
  intervalMs: number;
}

export interface MetricsSubscribeParams {
  /** true starts this connection's MetricsNotification stream, false stops it. */
  follow: boolean;
}

export interface MetricsSubscribeResult {
  intervalMs: number;
}

/** Every running VM's sample of one interval. */
export interface MetricsBatch {
  at: number;
  vms: Array<{ vm: string; lab?: string; sample: VmMetricsSample }>;
}

/**
 * Current metrics (and history) of a VM, a lab or the whole host. Sampling runs only while someone
 * follows or needs it; a get while nobody does takes one fresh sample (rates need two: they are
 * null until the second).
 */
export namespace MetricsGetRequest {
  export const method = 'vlm/metrics/get' as const;
  export const type = request<MetricsGetParams, MetricsGetResult>(method);
}

/** Follows (or stops following) every VM's samples on this connection, as MetricsNotification. */
export namespace MetricsSubscribeRequest {
  export const method = 'vlm/metrics/subscribe' as const;
  export const type = request<MetricsSubscribeParams, MetricsSubscribeResult>(method);
}

export namespace MetricsNotification {
  export const method = 'vlm/metrics/sample' as const;
  export const type = notification<MetricsBatch>(method);
}
