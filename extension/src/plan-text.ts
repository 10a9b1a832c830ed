// A host's plan for a lab, as the lines a user reads before agreeing to it. No `vscode` import:
// unit-tested.
import type { LabResources, PlanResult, PlanStep } from '@vlm/schemas/src/host-protocol';

const marks: Record<PlanStep['action'], string> = { create: '+', change: '~', delete: '-' };

export function planLines(plan: PlanResult): string[] {
  return plan.steps.map((step) => {
    const changes = step.changes.length > 0 ? ` (${step.changes.join(', ')})` : '';
    return `${marks[step.action]} ${step.kind} ${step.resource}${step.labItem ? ` [${step.labItem}]` : ''}${changes}`;
  });
}

/** "2 to create, 1 to change, 0 to delete": the plan in one line. */
export function planSummary(plan: PlanResult): string {
  const count = (action: PlanStep['action']) => plan.steps.filter((step) => step.action === action).length;
  return `${count('create')} to create, ${count('change')} to change, ${count('delete')} to delete, ${plan.unchanged} unchanged`;
}

/** The plan as a diff-style document: a header, then one + ~ - line per step. */
export function planDocument(plan: PlanResult, hostName: string): string {
  const header = [
    `# Plan for lab ${plan.lab} on host ${hostName}${plan.newLab ? ' (new lab)' : ''}`,
    `# ${planSummary(plan)}`,
    '',
  ];
  if (plan.steps.length === 0) return [...header, '  Nothing to do: the host already matches the lab file.', ''].join('\n');
  return [...header, ...planLines(plan), ''].join('\n');
}

/** Exactly what destroying a lab removes, one line per resource. */
export function destroyLines(resources: LabResources): string[] {
  return [
    ...resources.domains.map((domain) => `VM ${domain.vm} (libvirt domain ${domain.name})`),
    ...resources.volumes.map((volume) => `disk ${volume.name} in pool ${volume.pool}`),
    ...resources.networks.map((network) => `network ${network.network} (libvirt network ${network.name})`),
    ...resources.ports.map((port) => `${port.kind.toUpperCase()} port ${port.port} of ${port.vm}`),
  ];
}

/** At most `limit` lines, then how many more there are. */
export function clipLines(lines: readonly string[], limit = 15): string {
  if (lines.length <= limit) return lines.join('\n');
  return [...lines.slice(0, limit), `… and ${lines.length - limit} more`].join('\n');
}
