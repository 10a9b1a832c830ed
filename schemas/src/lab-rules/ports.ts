// Host ports: each inside its range, and held by one VM only, of this lab or any other.
import { portRanges } from '../ports';
import { labRuleCodes } from './codes';
import type { LabPath, RuleContext, RuleLab } from './finding';

export function checkPorts(lab: RuleLab, context: RuleContext): void {
  const owners = new Map<number, { vm: string | undefined; field: string; path: LabPath }>();
  (lab.vms ?? []).forEach((vm, index) => {
    for (const field of ['ssh_port', 'vnc_port'] as const) {
      const port = vm[field];
      if (port === undefined) continue;
      const path = ['vms', index, field];
      const range = portRanges[field];
      if (port < range.minimum || port > range.maximum) {
        context.report({
          code: labRuleCodes.portOutOfRange,
          path,
          message: `${field} ${port} is outside the allowed range ${range.minimum} to ${range.maximum}.`,
          data: { kind: 'port', field },
        });
        continue;
      }
      const owner = owners.get(port);
      if (owner) {
        const ownerName = owner.vm === undefined ? 'another VM' : `VM '${owner.vm}'`;
        context.report({
          code: labRuleCodes.portCollision,
          path,
          message: `Port ${port} is already the ${owner.field} of ${ownerName} ${context.where(owner.path)}. Each VM needs its own host port.`,
          data: { kind: 'port', field },
        });
        continue;
      }
      owners.set(port, { vm: vm.name, field, path });
      const kind = field === 'ssh_port' ? 'ssh' : 'vnc';
      const holder = context.portsHeldElsewhere?.get(`${kind}:${port}`);
      if (holder !== undefined) {
        context.report({
          code: labRuleCodes.portHeldElsewhere,
          path,
          message: `${kind} port ${port} is already used by ${holder}. Each VM needs its own host port.`,
          data: { kind: 'port', field },
        });
      }
    }
  });
}
