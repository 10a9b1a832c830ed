// Every rule of a lab that JSON Schema cannot say, written once: the language server places the
// findings at ranges, the host at JSON pointers. Pure: no editor, no host, no I/O.
import { SuggestionBudget } from '../name-distance';
import { checkCapacity } from './capacity';
import { checkDependencies } from './dependencies';
import type { LabFinding, LabRuleOptions, RuleContext, RuleLab } from './finding';
import { checkImages } from './images';
import { checkNames } from './names';
import { checkNetworkRanges, checkNetworkReferences } from './networks';
import { checkPorts } from './ports';

export { labRuleCodes, type LabRuleCode } from './codes';
export type {
  HostFacts,
  LabFinding,
  LabFindingData,
  LabPath,
  LabRuleOptions,
  RuleLab,
  RuleNetwork,
  RuleNetworkReference,
  RuleVm,
} from './finding';

/** The findings of every lab rule, in a fixed order: names, networks, depends_on, ports, images, capacity. */
export function checkLabRules(lab: RuleLab, options: LabRuleOptions): LabFinding[] {
  const findings: LabFinding[] = [];
  const context: RuleContext = {
    ...options,
    suggestions: new SuggestionBudget(),
    report: (finding) => findings.push({ ...finding, severity: finding.severity ?? 'error' }),
  };
  const names = checkNames(lab, context);
  const cidrByNetwork = checkNetworkRanges(lab, context);
  checkNetworkReferences(lab, names, cidrByNetwork, context);
  checkDependencies(lab, names, context);
  checkPorts(lab, context);
  checkImages(lab, context);
  checkCapacity(lab, context);
  return findings;
}
