// The one filter of instances, for the tree's filter box and `vlm cloud list --filter`: words
// match the name, `key=value` a tag, `state:` and `provider:` those fields; every term must hold.
import { isProviderKind } from './account-check.js';
import type { CloudInstance, InstanceState, ProviderKind } from './cloud-provider.js';
import { providerKinds } from './cloud-provider.js';

export const instanceStates: readonly InstanceState[] = [
  'pending',
  'running',
  'stopping',
  'stopped',
  'rebooting',
  'suspended',
  'terminating',
  'terminated',
  'unknown',
];

export interface InstanceFilter {
  /** Each must be part of the name, in any case. */
  nameParts: string[];
  /** Each must be a tag: key and value equal, in any case. */
  tags: Array<{ key: string; value: string }>;
  /** When not empty, the state must be one of these. */
  states: InstanceState[];
  /** When not empty, the provider must be one of these. */
  providers: ProviderKind[];
}

/** A filter text that cannot be understood: says which term and what is allowed. */
export class FilterError extends Error {
  override readonly name = 'FilterError';
}

const maximumFilterLength = 1000;

/** Terms split at spaces; a double-quoted term may hold spaces: `"Name=web server"`. */
function terms(text: string): string[] {
  const found: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const term = match[1] ?? match[2] ?? '';
    if (term.includes('"')) throw new FilterError(`the filter term ${term} has an unmatched '"'; quote a whole term: "key=a value"`);
    if (term !== '') found.push(term);
  }
  return found;
}

export function parseInstanceFilter(text: string): InstanceFilter {
  if (text.length > maximumFilterLength) throw new FilterError(`the filter is longer than ${maximumFilterLength} characters`);
  const filter: InstanceFilter = { nameParts: [], tags: [], states: [], providers: [] };
  for (const term of terms(text)) {
    const lower = term.toLowerCase();
    if (lower.startsWith('state:')) {
      const state = lower.slice('state:'.length);
      if (!(instanceStates as readonly string[]).includes(state)) {
        throw new FilterError(`the filter term ${term} names no state; states: ${instanceStates.join(', ')}`);
      }
      filter.states.push(state as InstanceState);
    } else if (lower.startsWith('provider:')) {
      const provider = lower.slice('provider:'.length);
      if (!isProviderKind(provider))
        throw new FilterError(`the filter term ${term} names no provider; providers: ${providerKinds.join(', ')}`);
      filter.providers.push(provider);
    } else if (term.includes('=')) {
      const equals = term.indexOf('=');
      const key = term.slice(0, equals);
      if (key === '') throw new FilterError(`the filter term ${term} has no tag key before '='; write key=value`);
      filter.tags.push({ key: key.toLowerCase(), value: term.slice(equals + 1).toLowerCase() });
    } else {
      filter.nameParts.push(lower);
    }
  }
  return filter;
}

export function isEmptyFilter(filter: InstanceFilter): boolean {
  return filter.nameParts.length + filter.tags.length + filter.states.length + filter.providers.length === 0;
}

export function matchesFilter(instance: CloudInstance, filter: InstanceFilter): boolean {
  if (filter.states.length > 0 && !filter.states.includes(instance.state)) return false;
  if (filter.providers.length > 0 && !filter.providers.includes(instance.provider)) return false;
  const name = instance.name.toLowerCase();
  if (!filter.nameParts.every((part) => name.includes(part))) return false;
  if (filter.tags.length === 0) return true;
  const tags = Object.entries(instance.tags).map(([key, value]) => [key.toLowerCase(), value.toLowerCase()] as const);
  return filter.tags.every((wanted) => tags.some(([key, value]) => key === wanted.key && value === wanted.value));
}

export function filterInstances(instances: readonly CloudInstance[], filter: InstanceFilter): CloudInstance[] {
  return isEmptyFilter(filter) ? [...instances] : instances.filter((instance) => matchesFilter(instance, filter));
}
