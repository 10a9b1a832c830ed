// What JSON Schema cannot say about a lab, checked before a plan or a deploy: the shared lab rules
// of @vlm/schemas (against this host's catalog and the ports other labs hold), placed at JSON
// pointers relative to the request params (`/lab/...`), and the one rule of this host's own
// address scheme (NIC MACs).
import { checkLabRules, type Lab, type LabFinding, type LabPath } from '@vlm/schemas';
import type { ReadonlyHostState } from '../state/state-store';
import { labNics, nicMac } from './lab-addresses';

export interface LabProblem {
  field: string;
  message: string;
}

/** `imageNames`: the host's catalog (built-in images and the host's own). */
export function checkLab(lab: Lab, state: ReadonlyHostState, imageNames: readonly string[], base = '/lab'): LabProblem[] {
  const pointer = (path: LabPath): string =>
    `${base}${path.map((key) => `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')}`;
  const portsHeldElsewhere = new Map(
    state.allocated_ports.filter((port) => port.lab !== lab.name).map((port) => [`${port.kind}:${port.port}`, `${port.lab}/${port.vm}`]),
  );
  const findings = checkLabRules(lab, { imageNames, portsHeldElsewhere, where: (path) => `at ${pointer(path)}` });
  const problems = findings
    .filter((finding) => finding.severity === 'error')
    .map((finding) => ({ field: pointer(finding.path), message: hostWording(finding, imageNames) }));
  return problems.concat(macCollisions(lab, base));
}

/**
 * The host's message for a finding: the rule's own, without its last full stop (the host's error
 * adds one after the first problem). Two read as the host API has always worded them, since its
 * clients match on that wording.
 */
function hostWording(finding: LabFinding, imageNames: readonly string[]): string {
  if (finding.data?.kind === 'undefined-network') return `network "${finding.data.name}" is not declared in the lab's networks`;
  if (finding.data?.kind === 'unknown-image')
    return `unknown image "${finding.data.image}"; this host's catalog has: ${imageNames.join(', ')}`;
  return finding.message.replace(/\.$/, '');
}

/** NIC MACs come from a hash of the names: a collision is unlikely, but would join two NICs. */
function macCollisions(lab: Lab, base: string): LabProblem[] {
  const problems: LabProblem[] = [];
  const macs = new Map<string, string>();
  lab.vms.forEach((vm, index) => {
    for (const mac of [nicMac(lab.name, vm.name, 'management'), ...labNics(lab, vm).map((nic) => nic.mac)]) {
      const other = macs.get(mac);
      if (other !== undefined && other !== vm.name) {
        problems.push({
          field: `${base}/vms/${index}/name`,
          message: `VM "${vm.name}" would get the MAC address ${mac} of VM "${other}"; rename one of them`,
        });
      }
      macs.set(mac, vm.name);
    }
  });
  return problems;
}
