// VMs and labs as the user names them on the command line, checked locally before anything is
// sent: a VM is `lab/vm` (names from the lab file) or a bare libvirt domain name.
import { isValidName, nameMaxLength } from '@vlm/schemas';
import { VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { printable } from './diagnostic-report';
import { exitCodes, UsageError } from './exit-codes';
import { ReportedFailure, type HostSession } from './host-session';

const domainNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
const domainNameMaxLength = 200;
const nameRule = `lowercase letters, digits and '-', not starting or ending with '-', at most ${nameMaxLength} characters`;

export type VmAddress = { kind: 'lab-vm'; lab: string; vm: string; written: string } | { kind: 'domain'; domain: string; written: string };

/** Checks a lab name given as `argument` (e.g. "NAME"); throws a UsageError naming it. */
export function checkLabName(value: string, argument: string, commandPath: string): string {
  if (!isValidName(value)) {
    throw new UsageError(`argument ${argument} ${JSON.stringify(printable(value))} is not a lab name: ${nameRule}.`, commandPath);
  }
  return value;
}

export function parseVmAddress(written: string, commandPath: string): VmAddress {
  const slash = written.indexOf('/');
  if (slash >= 0) {
    const lab = written.slice(0, slash);
    const vm = written.slice(slash + 1);
    if (!isValidName(lab)) {
      throw new UsageError(
        `argument VM ${JSON.stringify(printable(written))}: the lab part '${printable(lab)}' is not a lab name: ${nameRule}.`,
        commandPath,
      );
    }
    if (!isValidName(vm)) {
      throw new UsageError(
        `argument VM ${JSON.stringify(printable(written))}: the VM part '${printable(vm)}' is not a VM name: ${nameRule}.`,
        commandPath,
      );
    }
    return { kind: 'lab-vm', lab, vm, written };
  }
  if (written.length > domainNameMaxLength || !domainNamePattern.test(written)) {
    throw new UsageError(
      `argument VM ${JSON.stringify(printable(written))} is neither LAB/VM nor a domain name: a domain name has letters, digits, '_', '.', '+' and '-', ` +
        `starts with a letter or digit, and has at most ${domainNameMaxLength} characters.`,
      commandPath,
    );
  }
  return { kind: 'domain', domain: written, written };
}

/** The libvirt domain name the host API takes for this VM. */
export async function domainNameOf(address: VmAddress, session: HostSession): Promise<string> {
  if (address.kind === 'domain') return address.domain;
  const { vms } = await session.request(VmsListRequest.type, { lab: address.lab });
  const found = vms.find((vm) => vm.labVm === address.vm);
  if (!found) {
    const known = vms.map((vm) => vm.labVm).filter((name) => name !== undefined);
    const hint = vms.length === 0 ? `the host has no VMs of lab '${address.lab}'` : `its VMs: ${known.join(', ')}`;
    throw new ReportedFailure(
      `there is no VM '${address.vm}' in lab '${address.lab}' on ${session.address} (${hint}).`,
      exitCodes.problems,
    );
  }
  return found.name;
}
