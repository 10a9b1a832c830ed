// Checks the schema cannot express: names, references, cycles, ports, images, addresses,
// inline Ansible and host capacity. Each runs in about linear time over the lab.
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { diagnosticCodes, type DiagnosticCode } from './diagnostic-codes';
import { cidrsOverlap, formatCidr, parseCidr, parseIpv4, portRanges, reservedRangeProblem, staticAddressProblem, type Cidr, type PortField } from '@vlm/schemas';
import type { LabModel, LabValue, LabVm, SourceSpan } from './lab-model';
import { checkAnsiblePlaybook } from './ansible-check';
import { SuggestionBudget } from './name-distance';
import { diagnosticAt, type LabDiagnosticData } from './lab-diagnostics';

export interface HostFacts {
  name: string;
  cpus: number;
  memory_mb: number;
}

export interface SemanticCheckInput {
  document: TextDocument;
  model: LabModel;
  imageNames: readonly string[];
  hostFacts: HostFacts | undefined;
}

export function runSemanticChecks(input: SemanticCheckInput): Diagnostic[] {
  const found: Diagnostic[] = [];
  const { document, model } = input;
  const suggestions = new SuggestionBudget();
  const suggestion = (value: string, candidates: string[]): string => {
    const closest = suggestions.typoOf(value, candidates);
    return closest === undefined ? '' : ` Did you mean '${closest}'?`;
  };
  const lineOf = (offset: number): number => document.positionAt(offset).line + 1;
  const report = (
    span: SourceSpan,
    code: DiagnosticCode,
    message: string,
    data?: LabDiagnosticData,
    severity: DiagnosticSeverity = DiagnosticSeverity.Error,
  ): void => {
    found.push(diagnosticAt(document, span, code, message, severity, data));
  };

  // yaml-language-server's schema check stops at a null key and reports nothing at all, so
  // say what is wrong here.
  for (const span of model.emptyKeys) {
    report(span, diagnosticCodes.yamlSyntax,
      "This entry has an empty or null key. Lab keys are names such as 'vcpu'; the schema is not checked until every key has one.");
  }

  // Duplicate names: the first occurrence wins, later ones are flagged.
  const networkByName = new Map<string, LabValue<string>>();
  for (const network of model.networks) {
    if (!network.name) continue;
    const first = networkByName.get(network.name.value);
    if (first) {
      report(network.name.span, diagnosticCodes.duplicateName,
        `Network name '${network.name.value}' is already used by the network on line ${lineOf(first.span.start)}. Network names must be unique in the lab.`,
        { kind: 'duplicate-name', entity: 'network', name: network.name.value });
    } else networkByName.set(network.name.value, network.name);
  }
  const vmByName = new Map<string, LabVm>();
  for (const vm of model.vms) {
    if (!vm.name) continue;
    const first = vmByName.get(vm.name.value);
    if (first?.name) {
      report(vm.name.span, diagnosticCodes.duplicateName,
        `VM name '${vm.name.value}' is already used by the VM on line ${lineOf(first.name.span.start)}. VM names must be unique in the lab.`,
        { kind: 'duplicate-name', entity: 'vm', name: vm.name.value });
    } else vmByName.set(vm.name.value, vm);
  }

  // Networks: CIDR syntax, then overlaps (sorted sweep), then static addresses.
  const cidrByNetwork = new Map<string, Cidr>();
  const validNetworks: Array<{ cidr: Cidr; name: string; span: SourceSpan }> = [];
  for (const network of model.networks) {
    if (!network.cidr) continue;
    const parsed = parseCidr(network.cidr.value);
    if (!parsed.ok) {
      report(network.cidr.span, diagnosticCodes.invalidCidr, `Invalid cidr: ${parsed.problem}.`);
      continue;
    }
    const reserved = reservedRangeProblem(parsed.value);
    if (reserved) {
      report(network.cidr.span, diagnosticCodes.reservedCidr, `Invalid cidr: ${reserved}.`);
      continue;
    }
    const name = network.name?.value ?? '(unnamed)';
    validNetworks.push({ cidr: parsed.value, name, span: network.cidr.span });
    if (network.name && !cidrByNetwork.has(network.name.value)) cidrByNetwork.set(network.name.value, parsed.value);
  }
  const byStart = [...validNetworks].sort((left, right) => left.cidr.first - right.cidr.first || left.span.start - right.span.start);
  let widest: (typeof validNetworks)[number] | undefined;
  for (const network of byStart) {
    if (widest && cidrsOverlap(widest.cidr, network.cidr)) {
      const [earlier, later] = widest.span.start < network.span.start ? [widest, network] : [network, widest];
      report(later.span, diagnosticCodes.overlappingCidr,
        `Network '${later.name}' (${formatCidr(later.cidr)}) overlaps network '${earlier.name}' (${formatCidr(earlier.cidr)}) on line ${lineOf(earlier.span.start)}. Subnets of one lab must not overlap.`);
    }
    if (!widest || network.cidr.last > widest.cidr.last) widest = network;
  }

  const declaredNetworks = [...networkByName.keys()];
  for (const vm of model.vms) {
    for (const reference of vm.networks) {
      if (!reference.name) continue;
      const networkName = reference.name.value;
      if (!networkByName.has(networkName)) {
        const declared = declaredNetworks.length > 0 ? `Declared networks: ${declaredNetworks.join(', ')}.` : 'The lab declares no networks.';
        report(reference.name.span, diagnosticCodes.undefinedNetwork,
          `Network '${networkName}' is not declared in the lab's networks. ${declared}${suggestion(networkName, declaredNetworks)}`,
          { kind: 'undefined-network', name: networkName });
        continue;
      }
      const cidr = cidrByNetwork.get(networkName);
      if (!reference.ip || !cidr) continue;
      const address = parseIpv4(reference.ip.value);
      const problem = address.ok ? staticAddressProblem(networkName, cidr, address.value) : address.problem;
      if (problem) report(reference.ip.span, diagnosticCodes.addressOutsideNetwork, `Invalid ip: ${problem}.`);
    }
  }

  // depends_on: unknown VMs, then cycles.
  const edges = new Map<LabVm, Array<{ target: LabVm; reference: LabValue<string> }>>();
  for (const vm of model.vms) {
    const targets: Array<{ target: LabVm; reference: LabValue<string> }> = [];
    for (const reference of vm.dependsOn) {
      const target = vmByName.get(reference.value);
      if (!target) {
        report(reference.span, diagnosticCodes.undefinedVm,
          `depends_on names '${reference.value}', which is not a VM of this lab.${suggestion(reference.value, [...vmByName.keys()])}`);
      } else targets.push({ target, reference });
    }
    edges.set(vm, targets);
  }
  for (const cycle of findCycles(model.vms, edges)) {
    const names = cycle.map((step) => step.from.name?.value ?? '?');
    const text = [...names, names[0]].join(' → ');
    for (const step of cycle) {
      report(step.reference.span, diagnosticCodes.dependencyCycle, `depends_on cycle: ${text}. VMs cannot wait for each other to boot.`);
    }
  }

  // Ports: range, then collisions across both fields.
  const portOwners = new Map<number, { vm: LabVm; field: PortField; span: SourceSpan }>();
  for (const vm of model.vms) {
    for (const field of ['ssh_port', 'vnc_port'] as const) {
      const port = field === 'ssh_port' ? vm.sshPort : vm.vncPort;
      if (!port) continue;
      const range = portRanges[field];
      if (port.value < range.minimum || port.value > range.maximum) {
        report(port.span, diagnosticCodes.portOutOfRange,
          `${field} ${port.value} is outside the allowed range ${range.minimum} to ${range.maximum}.`, { kind: 'port', field });
        continue;
      }
      const owner = portOwners.get(port.value);
      if (owner) {
        const ownerName = owner.vm.name ? `VM '${owner.vm.name.value}'` : 'another VM';
        report(port.span, diagnosticCodes.portCollision,
          `Port ${port.value} is already the ${owner.field} of ${ownerName} on line ${lineOf(owner.span.start)}. Each VM needs its own host port.`,
          { kind: 'port', field });
      } else portOwners.set(port.value, { vm, field, span: port.span });
    }
  }

  // Images against the catalog.
  const images = new Set(input.imageNames);
  for (const vm of model.vms) {
    const image = vm.osImage;
    if (!image || images.has(image.value)) continue;
    const closest = suggestions.closest(image.value, input.imageNames);
    report(image.span, diagnosticCodes.unknownImage,
      `Image '${image.value}' is not in the catalog. Catalog images: ${input.imageNames.join(', ') || '(none)'}.${closest ? ` Closest: '${closest}'.` : ''}`,
      { kind: 'unknown-image', image: image.value });
  }

  // Inline Ansible playbooks.
  const text = document.getText();
  for (const vm of model.vms) {
    if (vm.ansible) found.push(...checkAnsiblePlaybook(document, text, vm.ansible.value, vm.ansible.keyColumn, vm.name?.value));
  }

  // Host capacity, when the lab targets the host whose facts are known.
  const facts = input.hostFacts;
  const labHost = model.host?.value;
  if (facts && (labHost === undefined || labHost === facts.name) && model.vmsPair) {
    let vcpus = 0;
    let ramMb = 0;
    for (const vm of model.vms) {
      vcpus += vm.vcpu?.value ?? 0;
      ramMb += vm.ramMb?.value ?? 0;
    }
    const keySpan = (model.vmsPair.key as { range?: [number, number, number] } | null)?.range;
    const span = keySpan ? { start: keySpan[0], end: keySpan[1] } : { start: 0, end: 0 };
    if (ramMb > facts.memory_mb) {
      report(span, diagnosticCodes.overCapacity,
        `The lab's VMs need ${ramMb} MiB of RAM in total, more than the ${facts.memory_mb} MiB host '${facts.name}' has.`);
    }
    if (vcpus > facts.cpus) {
      report(span, diagnosticCodes.overCapacity,
        `The lab's VMs need ${vcpus} vCPUs in total, more than the ${facts.cpus} CPUs host '${facts.name}' has; they would share cores and run slowly.`,
        undefined, DiagnosticSeverity.Warning);
    }
  }
  return found;
}

interface CycleStep {
  from: LabVm;
  reference: LabValue<string>;
}

/** Cycles of the depends_on graph: one per strongly connected component (iterative Tarjan). */
function findCycles(vms: LabVm[], edges: Map<LabVm, Array<{ target: LabVm; reference: LabValue<string> }>>): CycleStep[][] {
  const index = new Map<LabVm, number>();
  const lowLink = new Map<LabVm, number>();
  const onStack = new Set<LabVm>();
  const stack: LabVm[] = [];
  const components: LabVm[][] = [];
  let counter = 0;
  for (const start of vms) {
    if (index.has(start)) continue;
    const work: Array<{ vm: LabVm; next: number }> = [{ vm: start, next: 0 }];
    index.set(start, counter);
    lowLink.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const outgoing = edges.get(frame.vm) ?? [];
      if (frame.next < outgoing.length) {
        const target = outgoing[frame.next++]!.target;
        if (!index.has(target)) {
          index.set(target, counter);
          lowLink.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ vm: target, next: 0 });
        } else if (onStack.has(target)) {
          lowLink.set(frame.vm, Math.min(lowLink.get(frame.vm)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink.set(parent.vm, Math.min(lowLink.get(parent.vm)!, lowLink.get(frame.vm)!));
      if (lowLink.get(frame.vm) === index.get(frame.vm)) {
        const component: LabVm[] = [];
        let member: LabVm | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.vm);
        const selfLoop = (edges.get(frame.vm) ?? []).some((edge) => edge.target === frame.vm);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  // Inside a component, walk from its first VM (in document order) until a VM repeats.
  const cycles: CycleStep[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const first = vms.find((vm) => members.has(vm))!;
    const path: CycleStep[] = [];
    const positionInPath = new Map<LabVm, number>();
    let current = first;
    while (!positionInPath.has(current)) {
      positionInPath.set(current, path.length);
      const edge = (edges.get(current) ?? []).find((candidate) => members.has(candidate.target))!;
      path.push({ from: current, reference: edge.reference });
      current = edge.target;
    }
    cycles.push(path.slice(positionInPath.get(current)));
  }
  return cycles;
}
