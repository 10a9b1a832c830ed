// What every lab rule reads and returns: a lab as far as it could be read (an editor's lab may be
// half written, a host's is schema-valid), and findings placed by a path of keys, which the
// language server turns into ranges and the host into JSON pointers.
import type { PortField } from '../ports';
import type { SuggestionBudget } from '../name-distance';
import type { LabRuleCode } from './codes';

/** Keys from the lab's root to a value: `['vms', 0, 'ssh_port']`. */
export type LabPath = ReadonlyArray<string | number>;

export interface RuleNetwork {
  name?: string;
  cidr?: string;
}

export interface RuleNetworkReference {
  name?: string;
  ip?: string;
}

export interface RuleVm {
  name?: string;
  vcpu?: number;
  ram_mb?: number;
  os_image?: string;
  ssh_port?: number;
  vnc_port?: number;
  /** A network's name, or `{ name, ip }`. */
  networks?: ReadonlyArray<string | RuleNetworkReference>;
  depends_on?: readonly string[];
}

/** The fields the rules read; a validated `Lab` is one. */
export interface RuleLab {
  host?: string;
  networks?: readonly RuleNetwork[];
  vms?: readonly RuleVm[];
}

/** What quick fixes need to know about a finding. */
export type LabFindingData =
  | { kind: 'duplicate-name'; entity: 'vm' | 'network'; name: string }
  | { kind: 'undefined-network'; name: string }
  | { kind: 'port'; field: PortField }
  | { kind: 'unknown-image'; image: string };

export interface LabFinding {
  code: LabRuleCode;
  path: LabPath;
  message: string;
  /** Errors refuse the lab; a warning (vCPUs beyond the host's) only tells. */
  severity: 'error' | 'warning';
  data?: LabFindingData;
}

/** The host a lab is meant for: its name and size. */
export interface HostFacts {
  name: string;
  cpus: number;
  memory_mb: number;
}

export interface LabRuleOptions {
  /** The names of the catalog images `os_image` may name. */
  imageNames: readonly string[];
  /** Host ports other labs already hold, by `ssh:22005` / `vnc:5901`, with who holds them. */
  portsHeldElsewhere?: ReadonlyMap<string, string>;
  /** Facts of the host; capacity is checked only when given. */
  hostFacts?: HostFacts;
  /** Where a value is, to point at it in a message: `on line 4` in an editor, `at /lab/vms/0` on a host. */
  where: (path: LabPath) => string;
}

/** What each rule family gets: the options, one suggestion budget, and where findings go. */
export interface RuleContext extends LabRuleOptions {
  suggestions: SuggestionBudget;
  report(finding: Omit<LabFinding, 'severity'> & { severity?: LabFinding['severity'] }): void;
}

/** " Did you mean 'x'?" for a likely typo, or nothing. */
export function didYouMean(context: RuleContext, value: string, candidates: readonly string[]): string {
  const closest = context.suggestions.typoOf(value, candidates);
  return closest === undefined ? '' : ` Did you mean '${closest}'?`;
}
