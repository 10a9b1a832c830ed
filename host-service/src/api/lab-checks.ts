// What JSON Schema cannot say about a lab: names unique, references resolvable, no dependency
// cycles, subnets sane and apart, ports unused elsewhere, images known. Pointers are relative to
// the request params (`/lab/...`).
import { cidrsOverlap, formatCidr, parseCidr, parseIpv4, reservedRangeProblem, staticAddressProblem, type Cidr, type Lab } from '@vlm/schemas';
import type { ReadonlyHostState } from '../state/state-store';
import { labNics, nicMac } from '../deploy/lab-addresses';

export interface LabProblem {
  field: string;
  message: string;
}

/** `imageNames`: the host's catalog (built-in images and the host's own). */
export function checkLab(lab: Lab, state: ReadonlyHostState, imageNames: readonly string[], base = '/lab'): LabProblem[] {
  const problems: LabProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field: `${base}${field}`, message });

  const subnets = new Map<string, Cidr>();
  (lab.networks ?? []).forEach((network, index) => {
    if (subnets.has(network.name)) add(`/networks/${index}/name`, `network "${network.name}" is declared twice`);
    const parsed = parseCidr(network.cidr);
    if (!parsed.ok) {
      add(`/networks/${index}/cidr`, parsed.problem);
      return;
    }
    const reserved = reservedRangeProblem(parsed.value);
    if (reserved) {
      add(`/networks/${index}/cidr`, reserved);
      return;
    }
    for (const [otherName, other] of subnets) {
      if (cidrsOverlap(parsed.value, other)) add(`/networks/${index}/cidr`, `${network.cidr} overlaps network "${otherName}" (${formatCidr(other)})`);
    }
    subnets.set(network.name, parsed.value);
  });

  const vmNames = new Set<string>();
  const staticAddresses = new Map<string, string>();
  const ports = new Map<string, string>();
  const usedElsewhere = new Map(
    state.allocated_ports.filter((port) => port.lab !== lab.name).map((port) => [`${port.kind}:${port.port}`, `${port.lab}/${port.vm}`]),
  );
  lab.vms.forEach((vm, index) => {
    if (vmNames.has(vm.name)) add(`/vms/${index}/name`, `VM "${vm.name}" is declared twice`);
    vmNames.add(vm.name);
    if (!imageNames.includes(vm.os_image)) {
      add(`/vms/${index}/os_image`, `unknown image "${vm.os_image}"; this host's catalog has: ${imageNames.join(', ')}`);
    }
    (vm.networks ?? []).forEach((reference, position) => {
      const name = typeof reference === 'string' ? reference : reference.name;
      const subnet = subnets.get(name);
      if (!subnet && !(lab.networks ?? []).some((network) => network.name === name)) {
        add(`/vms/${index}/networks/${position}`, `network "${name}" is not declared in the lab's networks`);
        return;
      }
      if (typeof reference !== 'string' && reference.ip !== undefined && subnet) {
        const field = `/vms/${index}/networks/${position}/ip`;
        const address = parseIpv4(reference.ip);
        const problem = address.ok ? staticAddressProblem(name, subnet, address.value) : address.problem;
        const key = `${name} ${address.ok ? address.value : reference.ip}`;
        if (problem) add(field, problem);
        else if (staticAddresses.has(key)) add(field, `${reference.ip} on network "${name}" is also given to VM "${staticAddresses.get(key)}"`);
        else staticAddresses.set(key, vm.name);
      }
    });
    for (const kind of ['ssh', 'vnc'] as const) {
      const port = kind === 'ssh' ? vm.ssh_port : vm.vnc_port;
      if (port === undefined) continue;
      const key = `${kind}:${port}`;
      const field = `/vms/${index}/${kind}_port`;
      if (ports.has(key)) add(field, `${kind} port ${port} is also given to VM "${ports.get(key)}"`);
      else if (usedElsewhere.has(key)) add(field, `${kind} port ${port} is already used by ${usedElsewhere.get(key)}`);
      ports.set(key, vm.name);
    }
  });

  // NIC MACs come from a hash of the names: a collision is unlikely, but would join two NICs.
  const macs = new Map<string, string>();
  lab.vms.forEach((vm, index) => {
    for (const mac of [nicMac(lab.name, vm.name, 'management'), ...labNics(lab, vm).map((nic) => nic.mac)]) {
      const other = macs.get(mac);
      if (other !== undefined && other !== vm.name) add(`/vms/${index}/name`, `VM "${vm.name}" would get the MAC address ${mac} of VM "${other}"; rename one of them`);
      macs.set(mac, vm.name);
    }
  });

  lab.vms.forEach((vm, index) => {
    (vm.depends_on ?? []).forEach((dependency, position) => {
      if (dependency === vm.name) add(`/vms/${index}/depends_on/${position}`, `VM "${vm.name}" depends on itself`);
      else if (!vmNames.has(dependency)) add(`/vms/${index}/depends_on/${position}`, `VM "${dependency}" is not in the lab`);
    });
  });
  const cycle = findCycle(lab);
  if (cycle) add(`/vms/${cycle.index}/depends_on`, `dependency cycle: ${cycle.path.join(' → ')}`);
  return problems;
}

function findCycle(lab: Lab): { index: number; path: string[] } | undefined {
  const edges = new Map(lab.vms.map((vm) => [vm.name, (vm.depends_on ?? []).filter((name) => name !== vm.name)]));
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const seen = path.indexOf(name);
    if (seen >= 0) return [...path.slice(seen), name];
    if (done.has(name)) return undefined;
    for (const next of edges.get(name) ?? []) {
      const found = visit(next, [...path, name]);
      if (found) return found;
    }
    done.add(name);
    return undefined;
  };
  for (const [index, vm] of lab.vms.entries()) {
    const path = visit(vm.name, []);
    if (path) return { index, path };
  }
  return undefined;
}
