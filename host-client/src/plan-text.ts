// A host's plan for a lab as text: one + ~ - line per step and a one-line summary, as a document
// for the editor (planDocument) or as lines for a terminal (planReport, escaped and optionally
// coloured). Also what destroying a lab removes.
import type { LabResources, PlanAction, PlanResult } from '@vlm/schemas/src/host-protocol';
import { printable } from './printable';

const marks: Record<PlanAction, string> = { create: '+', change: '~', delete: '-' };
// ANSI colours: green, yellow, red.
const colours: Record<PlanAction, string> = { create: '\u001b[32m', change: '\u001b[33m', delete: '\u001b[31m' };
const reset = '\u001b[0m';

/** "2 to create, 1 to change, 0 to delete, 3 unchanged": the plan in one line. */
export function planSummary(plan: PlanResult): string {
  const count = (action: PlanAction) => plan.steps.filter((step) => step.action === action).length;
  return `${count('create')} to create, ${count('change')} to change, ${count('delete')} to delete, ${plan.unchanged} unchanged`;
}

/** One line per step, as the editor shows them. */
export function planLines(plan: PlanResult): string[] {
  return plan.steps.map((step) => {
    const changes = step.changes.length > 0 ? ` (${step.changes.join(', ')})` : '';
    return `${marks[step.action]} ${step.kind} ${step.resource}${step.labItem ? ` [${step.labItem}]` : ''}${changes}`;
  });
}

/** The plan as a diff-style document: a header, then one + ~ - line per step. */
export function planDocument(plan: PlanResult, hostName: string): string {
  const header = [`# Plan for lab ${plan.lab} on host ${hostName}${plan.newLab ? ' (new lab)' : ''}`, `# ${planSummary(plan)}`, ''];
  if (plan.steps.length === 0) return [...header, '  Nothing to do: the host already matches the lab file.', ''].join('\n');
  return [...header, ...planLines(plan), ''].join('\n');
}

/** The plan for a terminal: what the host sent is escaped, the marks coloured when `colour`. */
export function planReport(plan: PlanResult, hostAddress: string, colour: boolean): string {
  const heading = `Plan for lab ${plan.lab} on ${hostAddress}${plan.newLab ? ' (a new lab)' : ''}:`;
  const lines =
    plan.steps.length === 0
      ? ['  nothing to do: the host matches the lab file.']
      : plan.steps.map((step) => {
          const mark = colour ? `${colours[step.action]}${marks[step.action]}${reset}` : marks[step.action];
          const changes = step.changes.length > 0 ? `: ${step.changes.map(printable).join(', ')}` : '';
          return `  ${mark} ${step.kind.padEnd(7)} ${printable(step.resource)} (${printable(step.labItem)})${changes}`;
        });
  return `${[heading, ...lines, `${planSummary(plan)}.`].join('\n')}\n`;
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
