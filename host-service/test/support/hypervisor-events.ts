// Waiting for Hypervisor events in tests: on the event itself, with a deadline.
import type { Hypervisor, HypervisorEvent } from '../../src/libvirt/hypervisor';

/** Resolves with the first event (from now on) that `matches`; rejects after `timeoutMs`. */
export function waitForEvent(
  hypervisor: Hypervisor,
  description: string,
  matches: (event: HypervisorEvent) => boolean,
  timeoutMs = 10_000,
): Promise<HypervisorEvent> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const subscription = hypervisor.subscribe((event) => {
      seen.push(event.type === 'domain' ? `domain ${event.kind} ${event.name}` : event.type);
      if (!matches(event)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(event);
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`No ${description} event within ${timeoutMs} ms (saw: ${seen.join(', ') || 'nothing'})`));
    }, timeoutMs);
  });
}

export function isDomainEvent(kind: string, name: string): (event: HypervisorEvent) => boolean {
  return (event) => event.type === 'domain' && event.kind === kind && event.name === name;
}
