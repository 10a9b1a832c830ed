// A lab's estimated monthly cost: each VM's vCPUs, RAM and disk at the cost model's prices for a
// 730-hour month, and the lab's total. A VM whose size deploy would refuse gets a reason, not a
// figure, and then the lab has no total: a half-written lab shows no wrong sum.
import { type CostModel, isValidName, labSchema } from '@vlm/schemas';
import { type MachineCost, type MachineSize, microsToMinor, monthlyMachineCost, sumMicros } from './cost-model';

/** The lab file's sizing keys, and the ranges lab.schema.json allows (deploy refuses the rest). */
const sizeFields = [
  { key: 'vcpu', size: 'vcpus' },
  { key: 'ram_mb', size: 'ramMib' },
  { key: 'disk_gb', size: 'diskGib' },
] as const;

type SizeKey = (typeof sizeFields)[number]['key'];

function schemaRange(key: SizeKey): { minimum: number; maximum: number } {
  const vm = (labSchema.definitions as Record<string, { properties: Record<string, { minimum: number; maximum: number }> }>).vm;
  const property = vm?.properties[key];
  if (property === undefined) throw new Error(`lab.schema.json has no vm.${key}`);
  return property;
}

export type VmCostEstimate =
  | { name: string; size: MachineSize; cost: MachineCost; monthlyMinor: number }
  | { name: string; problem: string };

export interface LabCostEstimate {
  currency: CostModel['currency'];
  vms: VmCostEstimate[];
  /** The lab's month in minor units, rounded once from the exact sum; absent when a VM has no figure. */
  totalMinor?: number;
  /** Why there is no total. */
  problem?: string;
}

/** Each of `vms` (as the parsed lab file gives them: untrusted) priced for a month by `model`. */
export function estimateLabCost(model: CostModel, vms: readonly unknown[]): LabCostEstimate {
  const estimates = vms.map((vm, index) => estimateVm(model, vm, index));
  const estimate: LabCostEstimate = { currency: model.currency, vms: estimates };
  if (estimates.length === 0) return { ...estimate, problem: 'the lab has no VMs yet' };
  const unpriced = estimates.find((vm) => 'problem' in vm);
  if (unpriced) return { ...estimate, problem: `VM ${unpriced.name} has no estimate` };
  const totalMinor = microsToMinor(sumMicros(estimates.flatMap((vm) => ('cost' in vm ? [vm.cost.total] : []))), model.currency);
  return totalMinor === undefined ? { ...estimate, problem: 'the total is too large to show' } : { ...estimate, totalMinor };
}

function estimateVm(model: CostModel, vm: unknown, index: number): VmCostEstimate {
  const fields = typeof vm === 'object' && vm !== null && !Array.isArray(vm) ? (vm as Record<string, unknown>) : {};
  // Only a valid name reaches a lens title or the Markdown breakdown.
  const name = isValidName(fields.name) ? fields.name : `#${index + 1}`;
  if (fields !== vm) return { name, problem: 'it is not a mapping of VM settings' };
  const size: MachineSize = { vcpus: 0, ramMib: 0, diskGib: 0 };
  for (const field of sizeFields) {
    const value = fields[field.key];
    const { minimum, maximum } = schemaRange(field.key);
    if (value === undefined || value === null) return { name, problem: `${field.key} is missing` };
    if (typeof value !== 'number' || !Number.isInteger(value)) return { name, problem: `${field.key} is not a whole number` };
    if (value < minimum || value > maximum) {
      return { name, problem: `${field.key} is ${value}; a lab allows ${minimum} to ${maximum}` };
    }
    size[field.size] = value;
  }
  const cost = monthlyMachineCost(model, size);
  const monthlyMinor = microsToMinor(cost.total, model.currency);
  if (monthlyMinor === undefined) return { name, problem: 'its cost is too large to show' };
  return { name, size, cost, monthlyMinor };
}
