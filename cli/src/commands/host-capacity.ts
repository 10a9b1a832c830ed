// The host capacity options of `vlm validate`, turned into the language service's host facts.
import type { HostFacts } from '@vlm/language-server';
import type { ParsedArguments } from '../command-table';
import { UsageError } from '../exit-codes';

function positiveInteger(option: string, text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new UsageError(`option --${option} needs a whole number from 1 to 999999999; got '${text}'.`, 'validate');
  }
  return Number(text);
}

/** Host facts from --host-cpus, --host-memory-mb and --host; undefined when no capacity check was asked for. */
export function hostFactsFrom(parsed: ParsedArguments): HostFacts | undefined {
  const cpus = parsed.options.get('host-cpus');
  const memory = parsed.options.get('host-memory-mb');
  if (cpus === undefined && memory === undefined) return undefined;
  if (cpus === undefined || memory === undefined) {
    throw new UsageError('the capacity check needs both --host-cpus and --host-memory-mb.', 'validate');
  }
  return {
    name: parsed.options.get('host') ?? 'local',
    cpus: positiveInteger('host-cpus', cpus),
    memory_mb: positiveInteger('host-memory-mb', memory),
  };
}
