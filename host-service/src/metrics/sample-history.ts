// A fixed-size ring of one VM's samples, oldest first on read, trimmed to a time window: the
// sampler keeps one per VM, so ten minutes of history costs the same at any uptime.
import type { VmMetricsSample } from '@vlm/schemas/src/host-protocol';

export class SampleHistory {
  private readonly slots: Array<VmMetricsSample | undefined>;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`A sample history holds at least one sample, not ${capacity}`);
    this.slots = new Array(capacity);
  }

  push(sample: VmMetricsSample): void {
    this.slots[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The newest sample, if any. */
  newest(): VmMetricsSample | undefined {
    return this.size === 0 ? undefined : this.slots[(this.next - 1 + this.capacity) % this.capacity];
  }

  /** Samples taken at or after `since`, oldest first. */
  since(since: number): VmMetricsSample[] {
    const samples: VmMetricsSample[] = [];
    for (let offset = this.size; offset > 0; offset--) {
      const sample = this.slots[(this.next - offset + this.capacity) % this.capacity];
      if (sample && sample.at >= since) samples.push(sample);
    }
    return samples;
  }
}
