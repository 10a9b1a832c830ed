// `vm list`, `vm start|stop|reboot|resume` and `vm delete`: describe → run → parse against the host API.
import {
  LabsGetRequest,
  LabsListRequest,
  VmsDeleteRequest,
  VmsForceStopRequest,
  VmsListRequest,
  VmsRebootRequest,
  VmsResumeRequest,
  VmsStartRequest,
  VmsStopRequest,
  type VmSummary,
} from '@vlm/schemas/src/host-protocol';
import type { CommandHandler } from '../command-table';
import { printable } from '../diagnostic-report';
import { exitCodes, UsageError } from '../exit-codes';
import { ReportedFailure, withHost } from '../host-session';
import { textTable } from '../text-table';
import { domainNameOf, parseVmAddress } from '../vm-address';
import { portsByVm } from './lab-handlers';

interface VmRow {
  lab: string | null;
  vm: string;
  domain: string;
  state: string;
  sshPort: number | null;
  vncPort: number | null;
}

export const vmList: CommandHandler = async (parsed, output) => {
  if (parsed.operands.length > 0) {
    throw new UsageError(`'vlm vm list' takes no arguments; got: ${parsed.operands.map(printable).join(' ')}.`, 'vm list');
  }
  return withHost(parsed, 'vm list', output, async (session) => {
    const [{ vms }, { labs }] = await Promise.all([session.request(VmsListRequest.type, {}), session.request(LabsListRequest.type, {})]);
    // Ports are recorded per lab, not per domain.
    const recordedLabs = new Set(labs.map((lab) => lab.name));
    const labNames = [...new Set(vms.map((vm) => vm.lab).filter((lab): lab is string => lab !== undefined && recordedLabs.has(lab)))];
    const details = await Promise.all(labNames.map((name) => session.request(LabsGetRequest.type, { name })));
    const ports = new Map(details.map((lab) => [lab.name, portsByVm(lab)]));
    const rows: VmRow[] = vms.map((vm: VmSummary) => {
      const port = vm.lab !== undefined && vm.labVm !== undefined ? ports.get(vm.lab)?.get(vm.labVm) : undefined;
      return {
        lab: vm.lab ?? null,
        vm: vm.labVm ?? vm.name,
        domain: vm.name,
        state: vm.state,
        sshPort: port?.ssh ?? null,
        vncPort: port?.vnc ?? null,
      };
    });
    rows.sort((left, right) => (left.lab ?? '').localeCompare(right.lab ?? '') || left.vm.localeCompare(right.vm));
    if (parsed.options.has('json')) {
      output.stdout(`${JSON.stringify({ vms: rows }, null, 2)}\n`);
      return exitCodes.success;
    }
    if (rows.length === 0) {
      output.stdout(`No VMs on ${session.address}.\n`);
      return exitCodes.success;
    }
    const cells = rows.map((row) => [row.lab ?? '-', row.vm, row.state, String(row.sshPort ?? '-'), String(row.vncPort ?? '-')]);
    output.stdout(textTable(['LAB', 'VM', 'STATE', 'SSH', 'VNC'], cells));
    return exitCodes.success;
  });
};

export function vmLifecycle(verb: 'start' | 'stop' | 'reboot' | 'resume'): CommandHandler {
  const commandPath = `vm ${verb}`;
  return async (parsed, output) => {
    if (parsed.operands.length === 0)
      throw new UsageError(`no VM given. Usage: vlm ${commandPath} VM... (LAB/VM or a domain name).`, commandPath);
    // Every name is checked before anything is sent, so a typo stops the whole command.
    const addresses = parsed.operands.map((operand) => parseVmAddress(operand, commandPath));
    const force = parsed.options.has('force');
    const type =
      verb === 'start'
        ? VmsStartRequest.type
        : verb === 'reboot'
          ? VmsRebootRequest.type
          : verb === 'resume'
            ? VmsResumeRequest.type
            : force
              ? VmsForceStopRequest.type
              : VmsStopRequest.type;
    return withHost(parsed, commandPath, output, async (session) => {
      let failed = 0;
      for (const address of addresses) {
        try {
          const vm = await session.request(type, { vm: await domainNameOf(address, session) });
          const note = verb === 'stop' && !force && vm.state === 'running' ? ' (asked to power off; it stops when the guest does)' : '';
          output.stdout(`${printable(address.written)}: ${vm.state}${note}\n`);
        } catch (error) {
          if (!(error instanceof ReportedFailure)) throw error;
          if (error.exitCode === exitCodes.hostUnreachable) throw error;
          output.stderr(`vlm: ${printable(address.written)}: ${error.message}\n`);
          failed += 1;
        }
      }
      return failed > 0 ? exitCodes.problems : exitCodes.success;
    });
  };
}

const domainNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/**
 * `vm delete VM [--confirm-foreign DOMAIN]`: one VM, since the confirmation names one domain. A
 * domain this host did not make is deleted only when --confirm-foreign repeats its exact name.
 */
export const vmDelete: CommandHandler = async (parsed, output) => {
  const commandPath = 'vm delete';
  if (parsed.operands.length !== 1) {
    throw new UsageError(
      `give exactly one VM (LAB/VM or a domain name); got ${parsed.operands.length}. Usage: vlm vm delete VM [--confirm-foreign DOMAIN].`,
      commandPath,
    );
  }
  const address = parseVmAddress(parsed.operands[0] as string, commandPath);
  const confirmForeign = parsed.options.get('confirm-foreign');
  if (confirmForeign !== undefined && (confirmForeign.length > 200 || !domainNamePattern.test(confirmForeign))) {
    throw new UsageError(
      `--confirm-foreign ${JSON.stringify(printable(confirmForeign))} is not a domain name: give the exact libvirt name of the VM to delete.`,
      commandPath,
    );
  }
  return withHost(parsed, commandPath, output, async (session) => {
    const domain = await domainNameOf(address, session);
    try {
      const result = await session.request(VmsDeleteRequest.type, {
        vm: domain,
        ...(confirmForeign === undefined ? {} : { confirmForeign }),
      });
      output.stdout(`${printable(address.written)}: deleted (domain ${printable(result.deleted)}).
`);
      if (result.keptDisks.length > 0)
        output.stdout(`Its disk files were kept:
${result.keptDisks
  .map(
    (path) => `  ${printable(path)}
`,
  )
  .join('')}`);
      return exitCodes.success;
    } catch (error) {
      if (error instanceof ReportedFailure && confirmForeign === undefined && error.message.includes('confirmForeign')) {
        throw new ReportedFailure(
          `${error.message}
To delete it anyway, name it again: vlm vm delete ${printable(address.written)} --confirm-foreign ${printable(domain)}`,
          error.exitCode,
        );
      }
      throw error;
    }
  });
};
