// Capacity: the lab's VMs fit the host they are meant for, when its facts are known. Too little
// RAM refuses the lab; too few CPUs only slows it, so that is a warning.
import { labRuleCodes } from './codes';
import type { RuleContext, RuleLab } from './finding';

export function checkCapacity(lab: RuleLab, context: RuleContext): void {
  const facts = context.hostFacts;
  if (!facts || lab.vms === undefined || (lab.host !== undefined && lab.host !== facts.name)) return;
  let vcpus = 0;
  let ramMb = 0;
  for (const vm of lab.vms) {
    vcpus += vm.vcpu ?? 0;
    ramMb += vm.ram_mb ?? 0;
  }
  if (ramMb > facts.memory_mb) {
    context.report({
      code: labRuleCodes.overCapacity,
      path: ['vms'],
      message: `The lab's VMs need ${ramMb} MiB of RAM in total, more than the ${facts.memory_mb} MiB host '${facts.name}' has.`,
    });
  }
  if (vcpus > facts.cpus) {
    context.report({
      code: labRuleCodes.overCapacity,
      path: ['vms'],
      message: `The lab's VMs need ${vcpus} vCPUs in total, more than the ${facts.cpus} CPUs host '${facts.name}' has; they would share cores and run slowly.`,
      severity: 'warning',
    });
  }
}
