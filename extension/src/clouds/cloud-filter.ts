// The Clouds view's filter: words that all must match an instance. `state:running`,
// `provider:aws`, a tag `key=value` (`key=*` for any value), or text in the name or id.
// No `vscode` import: unit-tested. (Until clouds/ has a shared instance filter, the view's own.)
import { type CloudInstance, type InstanceState, providerKinds, type ProviderKind } from '@vlm/clouds/src/cloud-provider';

export type InstancePredicate = (instance: CloudInstance) => boolean;

const stateNames: Record<string, InstanceState> = {
  pending: 'pending',
  starting: 'pending',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  rebooting: 'rebooting',
  suspended: 'suspended',
  terminating: 'terminating',
  deleting: 'terminating',
  terminated: 'terminated',
  deleted: 'terminated',
  unknown: 'unknown',
};

function term(word: string): InstancePredicate {
  const lower = word.toLowerCase();
  const prefixed = /^(state|provider):(.*)$/.exec(lower);
  if (prefixed) {
    const [, field, value = ''] = prefixed;
    if (field === 'state') {
      const state = stateNames[value];
      if (!state) throw new Error(`"${word}": no such state. Use one of ${Object.keys(stateNames).join(', ')}.`);
      return (instance) => instance.state === state;
    }
    if (!providerKinds.includes(value as ProviderKind))
      throw new Error(`"${word}": no such provider. Use one of ${providerKinds.join(', ')}.`);
    return (instance) => instance.provider === value;
  }
  const equals = word.indexOf('=');
  if (equals > 0) {
    const key = lower.slice(0, equals);
    const value = lower.slice(equals + 1);
    return (instance) =>
      Object.entries(instance.tags).some(
        ([tagKey, tagValue]) => tagKey.toLowerCase() === key && (value === '*' || tagValue.toLowerCase() === value),
      );
  }
  if (equals === 0) throw new Error(`"${word}": a tag filter needs a key before "=", as in env=prod.`);
  return (instance) => instance.name.toLowerCase().includes(lower) || instance.id.toLowerCase().includes(lower);
}

/** The filter as one predicate; throws an Error that names the word it could not read. An empty filter lets all through. */
export function parseInstanceFilter(text: string): InstancePredicate {
  const terms = text.trim().split(/\s+/).filter(Boolean).map(term);
  return (instance) => terms.every((matches) => matches(instance));
}

/** The problem with a filter text for an input box's validation, or undefined when it reads. */
export function instanceFilterProblem(text: string): string | undefined {
  try {
    parseInstanceFilter(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
