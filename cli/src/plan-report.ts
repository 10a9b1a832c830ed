// A host's plan as lines: one per step with a +, ~ or - marker, coloured only on a terminal.
import type { PlanAction, PlanResult, PlanStep } from '@vlm/schemas/src/host-protocol';
import { printable } from './diagnostic-report';

const markers: Record<PlanAction, string> = { create: '+', change: '~', delete: '-' };
// ANSI colours: green, yellow, red.
const colours: Record<PlanAction, string> = { create: '\u001b[32m', change: '\u001b[33m', delete: '\u001b[31m' };
const reset = '\u001b[0m';

/** Colour when writing to a terminal, unless NO_COLOR asks for none (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

function stepLine(step: PlanStep, colour: boolean): string {
  const marker = colour ? `${colours[step.action]}${markers[step.action]}${reset}` : markers[step.action];
  const changes = step.changes.length > 0 ? `: ${step.changes.map(printable).join(', ')}` : '';
  return `  ${marker} ${step.kind.padEnd(7)} ${printable(step.resource)} (${printable(step.labItem)})${changes}`;
}

export function planReport(plan: PlanResult, hostAddress: string, colour: boolean): string {
  const count = (action: PlanAction) => plan.steps.filter((step) => step.action === action).length;
  const heading = `Plan for lab ${plan.lab} on ${hostAddress}${plan.newLab ? ' (a new lab)' : ''}:`;
  const lines = plan.steps.length === 0 ? ['  nothing to do: the host matches the lab file.'] : plan.steps.map((step) => stepLine(step, colour));
  const summary = `${count('create')} to create, ${count('change')} to change, ${count('delete')} to delete, ${plan.unchanged} unchanged.`;
  return `${[heading, ...lines, summary].join('\n')}\n`;
}
