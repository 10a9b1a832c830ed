// What JSON Schema cannot say about a lab: names unique, references resolvable, no dependency
// cycles, subnets sane and apart, ports unused elsewhere, images known. Pointers are relative to
// the request params (`/lab/...`).
import { builtInImageCatalog, imageNames, type Lab } from '@vlm/schemas';
import type { ReadonlyHostState } from '../state/state-store';

export interface LabProblem {
  field: string;
  message: string;
}

interface Subnet {
  base: number;
  prefix: number;
}

function parseAddress(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
  return (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number)) >>> 0;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

function parseSubnet(cidr: string): Subnet | string {
  const [address, prefixText] = cidr.split('/');
  const base = parseAddress(address ?? '');
  const prefix = Number(prefixText);
  if (base === undefined) return `"${cidr}" has an octet above 255`;
  if (!Number.isInteger(prefix) || prefix < 8 || prefix > 30) return `"${cidr}" has prefix length ${prefixText}; allowed: 8 to 30`;
  if ((base & maskOf(prefix)) >>> 0 !== base) return `"${cidr}" has host bits set; the network address is needed`;
  return { base, prefix };
}

function contains(subnet: Subnet, address: number): boolean {
  return ((address & maskOf(subnet.prefix)) >>> 0) === subnet.base;
}

export function checkLab(lab: Lab, state: ReadonlyHostState, base = '/lab'): LabProblem[] {
  const problems: LabProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field: `${base}${field}`, message });

  const subnets = new Map<string, Subnet>();
  (lab.networks ?? []).forEach((network, index) => {
    if (subnets.has(network.name)) add(`/networks/${index}/name`, `network "${network.name}" is declared twice`);
    const subnet = parseSubnet(network.cidr);
    if (typeof subnet === 'string') {
      add(`/networks/${index}/cidr`, subnet);
      return;
    }
    for (const [otherName, other] of subnets) {
      const prefix = Math.min(subnet.prefix, other.prefix);
      if (((subnet.base & maskOf(prefix)) >>> 0) === ((other.base & maskOf(prefix)) >>> 0)) {
        add(`/networks/${index}/cidr`, `${network.cidr} overlaps network "${otherName}"`);
      }
    }
    subnets.set(network.name, subnet);
  });

  const vmNames = new Set<string>();
  const knownImages = imageNames(builtInImageCatalog);
  const ports = new Map<string, string>();
  const usedElsewhere = new Map(
    state.allocated_ports.filter((port) => port.lab !== lab.name).map((port) => [`${port.kind}:${port.port}`, `${port.lab}/${port.vm}`]),
  );
  lab.vms.forEach((vm, index) => {
    if (vmNames.has(vm.name)) add(`/vms/${index}/name`, `VM "${vm.name}" is declared twice`);
    vmNames.add(vm.name);
    if (!knownImages.includes(vm.os_image)) {
      add(`/vms/${index}/os_image`, `unknown image "${vm.os_image}"; allowed: ${knownImages.join(', ')}`);
    }
    (vm.networks ?? []).forEach((reference, position) => {
      const name = typeof reference === 'string' ? reference : reference.name;
      const subnet = subnets.get(name);
      if (!subnet && !(lab.networks ?? []).some((network) => network.name === name)) {
        add(`/vms/${index}/networks/${position}`, `network "${name}" is not declared in the lab's networks`);
        return;
      }
      if (typeof reference !== 'string' && reference.ip !== undefined && subnet) {
        const address = parseAddress(reference.ip);
        if (address === undefined || !contains(subnet, address)) {
          add(`/vms/${index}/networks/${position}/ip`, `${reference.ip} is not inside network "${name}"`);
        }
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
