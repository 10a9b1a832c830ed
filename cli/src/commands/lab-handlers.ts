// `vlm lab plan|up|down|status|list`: describe → run → parse against the host API.
import {
  EventNotification,
  EventsSubscribeRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsGetRequest,
  LabsListRequest,
  LabsPlanRequest,
  LabsSweepRequest,
  type SweepLeftover,
  type DeployLogLine,
  type HostEvent,
  type LabDetails,
  type VmSummary,
} from '@vlm/schemas/src/host-protocol';
import { defaultIdleCpuPercent, type Lab } from '@vlm/schemas';
import type { CommandHandler, CommandOutput, ParsedArguments } from '../command-table';
import { printable } from '../diagnostic-report';
import { exitCodes, UsageError } from '../exit-codes';
import { confirm } from '../confirmation';
import { ReportedFailure, reportFailures, withHost } from '../host-session';
import { readValidLab } from '../lab-file';
import { planReport } from '@vlm/host-client/src/plan-text';
import { useColour } from '../terminal-colour';
import { textTable } from '../text-table';
import { checkLabName } from '../vm-address';

/** The single operand a command takes, or a usage error saying what is missing or extra. */
export function oneOperand(parsed: ParsedArguments, name: string, commandPath: string): string {
  const [first, ...extra] = parsed.operands;
  if (first === undefined) throw new UsageError(`missing ${name}. Usage: vlm ${commandPath} ${name}.`, commandPath);
  if (extra.length > 0)
    throw new UsageError(`'vlm ${commandPath}' takes one ${name}; also got: ${extra.map(printable).join(' ')}.`, commandPath);
  return first;
}

function noOperands(parsed: ParsedArguments, commandPath: string): void {
  if (parsed.operands.length > 0)
    throw new UsageError(`'vlm ${commandPath}' takes no arguments; got: ${parsed.operands.map(printable).join(' ')}.`, commandPath);
}

function logLine(line: DeployLogLine): string {
  const level = line.level === 'info' ? '' : `${line.level}: `;
  const vm = line.vm ? `[${printable(line.vm)}] ` : '';
  return `  ${level}${vm}${printable(line.text)}`;
}

export const planLab: CommandHandler = async (parsed, output) => {
  const path = oneOperand(parsed, 'FILE', 'lab plan');
  // The file is checked before connecting: its errors are worth fixing whatever the host.
  return reportFailures(output, async () => {
    const lab = await readValidLab(path, output, 'lab plan');
    return withHost(parsed, 'lab plan', output, async (session) => {
      const plan = await session.request(LabsPlanRequest.type, { lab });
      output.stdout(planReport(plan, session.address, useColour(process.stdout)));
      return exitCodes.success;
    });
  });
};

export const labUp: CommandHandler = async (parsed, output) => {
  const path = oneOperand(parsed, 'FILE', 'lab up');
  return reportFailures(output, async () => {
    const lab = await readValidLab(path, output, 'lab up');
    return applyConfirmed(parsed, output, lab, { commandPath: 'lab up', again: `vlm lab up ${path}` });
  });
};

/**
 * Plans `lab` on the host, asks for confirmation (or --yes), then applies it with the deploy log
 * as it happens. `again` is the command line a user would rerun with --yes.
 */
export async function applyConfirmed(
  parsed: ParsedArguments,
  output: CommandOutput,
  lab: Lab,
  { commandPath, again }: { commandPath: string; again: string },
): Promise<number> {
  return withHost(parsed, commandPath, output, async (session) => {
    const plan = await session.request(LabsPlanRequest.type, { lab });
    output.stdout(planReport(plan, session.address, useColour(process.stdout)));
    if (plan.steps.length === 0) {
      output.stdout(`Lab ${lab.name} is up to date.\n`);
      return exitCodes.success;
    }
    const agreed = await confirm(`Apply this plan to ${session.address}?`, parsed.options.has('yes'), session, again);
    if (session.wasInterrupted) return exitCodes.cancelled;
    if (!agreed) {
      output.stderr('vlm: nothing was applied.\n');
      return exitCodes.problems;
    }

    // Events first, so no log line of the apply is missed; only this lab's are shown.
    const errorLines: DeployLogLine[] = [];
    session.onNotification(EventNotification.type, (event: HostEvent) => {
      if (event.type === 'deploy-log' && event.lab === lab.name) {
        if (event.line.level === 'error') errorLines.push(event.line);
        output.stdout(`${logLine(event.line)}\n`);
      } else if (event.type === 'lab-status' && event.lab === lab.name) {
        output.stdout(`Lab ${lab.name}: ${event.status}\n`);
      } else if (event.type === 'vm-state' && event.lab === lab.name) {
        output.stdout(`  VM ${printable(event.vm)}: ${event.state}\n`);
      }
    });
    await session.request(EventsSubscribeRequest.type, {});
    const stopExplaining = session.onInterrupt(() => output.stderr('vlm: cancelling the apply; the host records what was made so far.\n'));
    output.stdout(`Applying to ${session.address}:\n`);
    try {
      await session.request(LabsApplyRequest.type, { lab });
    } catch (error) {
      if (error instanceof ReportedFailure) {
        const failing = errorLines.at(-1);
        const step = failing ? ` Failing step: ${failing.vm ? `[${printable(failing.vm)}] ` : ''}${printable(failing.text)}` : '';
        throw new ReportedFailure(
          `${commandPath} failed: ${error.message}${step}\nSee 'vlm lab status ${lab.name}'; 'vlm lab down ${lab.name}' removes what was made.`,
          error.exitCode,
        );
      }
      throw error;
    } finally {
      stopExplaining();
    }
    output.stdout(`Lab ${lab.name} is up. See 'vlm lab status ${lab.name}' and 'vlm vm list'.\n`);
    // Ctrl-C was pressed, but the host had finished before the cancel reached it: the lab is up,
    // as the command asked, and the user is told so rather than left believing it was cancelled.
    if (session.wasInterrupted) {
      output.stderr(`vlm: the apply finished before the host saw the cancel; 'vlm lab down ${lab.name}' removes the lab.\n`);
    }
    return exitCodes.success;
  });
}

function resourceLines(details: LabDetails): string[] {
  const { domains, volumes, networks, ports } = details.resources;
  return [
    ...domains.map((domain) => `  - VM ${printable(domain.name)} (${printable(domain.vm)})`),
    ...volumes.map((volume) => `  - disk ${printable(volume.pool)}/${printable(volume.name)} (${printable(volume.vm)})`),
    ...networks.map((network) => `  - network ${printable(network.name)} (${printable(network.network)})`),
    ...ports.map((port) => `  - ${port.kind} port ${port.port} (${printable(port.vm)})`),
  ];
}

export const labDown: CommandHandler = async (parsed, output) => {
  const name = checkLabName(oneOperand(parsed, 'NAME', 'lab down'), 'NAME', 'lab down');
  return withHost(parsed, 'lab down', output, async (session) => {
    const details = await session.request(LabsGetRequest.type, { name });
    const lines = resourceLines(details);
    output.stdout(
      `Removing lab ${name} from ${session.address} removes:\n${lines.length > 0 ? lines.join('\n') : '  nothing but its record (no resources were made)'}\n`,
    );
    const agreed = await confirm(`Remove lab ${name}?`, parsed.options.has('yes'), session, `vlm lab down ${name}`);
    if (session.wasInterrupted) return exitCodes.cancelled;
    if (!agreed) {
      output.stderr('vlm: nothing was removed.\n');
      return exitCodes.problems;
    }
    await session.request(LabsDestroyRequest.type, { name });
    output.stdout(`Lab ${name} is removed.\n`);
    return exitCodes.success;
  });
};

/** ssh and vnc ports of each lab VM, from the lab's recorded resources. */
export function portsByVm(details: Pick<LabDetails, 'resources'>): Map<string, { ssh?: number; vnc?: number }> {
  const ports = new Map<string, { ssh?: number; vnc?: number }>();
  for (const port of details.resources.ports) {
    const entry = ports.get(port.vm) ?? {};
    entry[port.kind] = port.port;
    ports.set(port.vm, entry);
  }
  return ports;
}

export const labStatus: CommandHandler = async (parsed, output) => {
  const name = checkLabName(oneOperand(parsed, 'NAME', 'lab status'), 'NAME', 'lab status');
  return withHost(parsed, 'lab status', output, async (session) => {
    const details = await session.request(LabsGetRequest.type, { name });
    if (parsed.options.has('json')) {
      output.stdout(`${JSON.stringify(details, null, 2)}\n`);
      return exitCodes.success;
    }
    const ports = portsByVm(details);
    const states = new Map(details.vms.map((vm) => [vm.name, stateWithIdleShutdown(vm)]));
    const rows = details.definition.vms.map((vm) => {
      const domain = details.resources.domains.find((candidate) => candidate.vm === vm.name)?.name;
      const port = ports.get(vm.name);
      return [
        vm.name,
        domain ?? '-',
        domain ? (states.get(domain) ?? 'missing') : 'not made',
        String(port?.ssh ?? '-'),
        String(port?.vnc ?? '-'),
      ];
    });
    output.stdout(`Lab ${details.name}: ${details.status} (updated ${details.updatedAt}) on ${session.address}\n`);
    output.stdout(`${idleShutdownLine(details.definition)}\n\n`);
    output.stdout(textTable(['VM', 'DOMAIN', 'STATE', 'SSH', 'VNC'], rows));
    const recent = details.deployLog.slice(-10);
    if (recent.length > 0) output.stdout(`\nLast deploy log lines:\n${recent.map(logLine).join('\n')}\n`);
    return exitCodes.success;
  });
};

/** What the lab's idle shutdown does, in one line. */
function idleShutdownLine(lab: LabDetails['definition']): string {
  if (lab.idle_shutdown_minutes === undefined) return 'Idle shutdown: off';
  const minutes = lab.idle_shutdown_minutes === 1 ? '1 minute' : `${lab.idle_shutdown_minutes} minutes`;
  return `Idle shutdown: VMs below ${lab.idle_cpu_percent ?? defaultIdleCpuPercent}% CPU with no open console for ${minutes} are asked to power off`;
}

/** The VM's state, and when idle shutdown will ask it to power off if it stays idle. */
function stateWithIdleShutdown(vm: VmSummary, now = Date.now()): string {
  const minutesLeft = Math.ceil((Date.parse(vm.idleShutdownAt ?? '') - now) / 60_000);
  if (Number.isNaN(minutesLeft)) return vm.state;
  return `${vm.state} (idle: shutdown ${minutesLeft <= 0 ? 'now' : minutesLeft === 1 ? 'in under 1 min' : `in ${minutesLeft} min`})`;
}

export const labList: CommandHandler = async (parsed, output) => {
  noOperands(parsed, 'lab list');
  return withHost(parsed, 'lab list', output, async (session) => {
    const { labs } = await session.request(LabsListRequest.type, {});
    if (parsed.options.has('json')) {
      output.stdout(`${JSON.stringify({ labs }, null, 2)}\n`);
      return exitCodes.success;
    }
    if (labs.length === 0) {
      output.stdout(`No labs on ${session.address}.\n`);
      return exitCodes.success;
    }
    output.stdout(
      textTable(
        ['LAB', 'STATUS', 'VMS', 'UPDATED'],
        labs.map((lab) => [lab.name, lab.status, String(lab.vmCount), lab.updatedAt]),
      ),
    );
    return exitCodes.success;
  });
};

function leftoverLines(leftovers: readonly SweepLeftover[]): string {
  return leftovers.map((leftover) => `  - ${leftover.kind} ${printable(leftover.name)} (${printable(leftover.reason)})`).join('\n');
}

export const labSweep: CommandHandler = async (parsed, output) => {
  noOperands(parsed, 'lab sweep');
  return withHost(parsed, 'lab sweep', output, async (session) => {
    const listed = await session.request(LabsSweepRequest.type, { remove: false });
    if (listed.leftovers.length === 0) {
      output.stdout(`No leftovers on ${session.address}.\n`);
      return exitCodes.success;
    }
    output.stdout(`Leftovers on ${session.address} that no lab records:\n${leftoverLines(listed.leftovers)}\n`);
    if (parsed.options.has('dry-run')) return exitCodes.success;
    const agreed = await confirm(`Remove these ${listed.leftovers.length}?`, parsed.options.has('yes'), session, 'vlm lab sweep');
    if (session.wasInterrupted) return exitCodes.cancelled;
    if (!agreed) {
      output.stderr('vlm: nothing was removed.\n');
      return exitCodes.problems;
    }
    // The host looks again when removing: it reports what it removed, which may differ from the list.
    const swept = await session.request(LabsSweepRequest.type, { remove: true });
    output.stdout(
      swept.leftovers.length === 0
        ? 'Nothing was left to remove.\n'
        : `Removed ${swept.leftovers.length}:\n${leftoverLines(swept.leftovers)}\n`,
    );
    return exitCodes.success;
  });
};
