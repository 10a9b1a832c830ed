// What a lab snapshot name may be, checked in the input box before anything is sent: the rule is
// the host protocol schema's `snapshotName`, read from there so that it is written once.
import { hostProtocolSchema } from '@vlm/schemas/src/host-protocol';

interface NameRule {
  pattern: string;
  maxLength: number;
  description: string;
}

const rule = (hostProtocolSchema.definitions as Record<string, NameRule>).snapshotName as NameRule;
const pattern = new RegExp(rule.pattern);

/** Why `value` is no snapshot name, or undefined when it is one. */
export function snapshotNameProblem(value: string, taken: readonly string[] = []): string | undefined {
  if (value.length === 0) return `Give a name: ${rule.description}.`;
  if (value.length > rule.maxLength || !pattern.test(value)) return `Not a snapshot name. Use ${rule.description}.`;
  if (taken.includes(value)) return `The lab already has a snapshot named "${value}".`;
  return undefined;
}
