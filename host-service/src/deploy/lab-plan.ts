// A plan: what applying a lab file would create, change and delete, from the lab file and what
// the state records for that lab. Resources libvirt already has under a name the plan wants,
// but that the lab did not make, are conflicts: the plan refuses rather than adopt them.
import type { Lab, Network, VM } from '@vlm/schemas';
import type { PlanResult, PlanStep } from '@vlm/schemas/src/host-protocol';
import type { DomainSummary, NetworkSummary } from '../libvirt/hypervisor';
import type { ReadonlyHostState } from '../state/state-store';
import type { LabProblem } from './lab-checks';
import { labDomainName, labNetworkName, labVolumeName } from './lab-resources';

type ReadonlyLabRecord = ReadonlyHostState['labs'][string];

function networkChanges(before: Network, after: Network): string[] {
  const changes: string[] = [];
  if (before.cidr !== after.cidr) changes.push(`cidr ${before.cidr} → ${after.cidr}`);
  if ((before.mode ?? 'isolated') !== (after.mode ?? 'isolated'))
    changes.push(`mode ${before.mode ?? 'isolated'} → ${after.mode ?? 'isolated'}`);
  if ((before.dhcp ?? true) !== (after.dhcp ?? true)) changes.push(`dhcp ${before.dhcp ?? true} → ${after.dhcp ?? true}`);
  return changes;
}

/**
 * Why an applied VM must be replaced (destroyed and made again): every field that reaches its
 * domain, disk, seed or first boot. description, tags and depends_on are only recorded.
 */
function replaceReasons(before: VM, after: VM): string[] {
  const reasons: string[] = [];
  const compare = (field: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) reasons.push(`${field} ${JSON.stringify(a) ?? 'unset'} → ${JSON.stringify(b) ?? 'unset'}`);
  };
  compare('vcpu', before.vcpu, after.vcpu);
  compare('ram_mb', before.ram_mb, after.ram_mb);
  compare('disk_gb', before.disk_gb, after.disk_gb);
  compare('os_image', before.os_image, after.os_image);
  compare('networks', before.networks ?? [], after.networks ?? []);
  compare('firmware', before.firmware ?? 'bios', after.firmware ?? 'bios');
  compare('autostart', before.autostart ?? false, after.autostart ?? false);
  compare('ssh_authorized_keys', before.ssh_authorized_keys ?? [], after.ssh_authorized_keys ?? []);
  compare('cloud_init', before.cloud_init, after.cloud_init);
  compare('ansible_config_yaml', before.ansible_config_yaml, after.ansible_config_yaml);
  return reasons;
}

/** The first entry of a replaced VM's change step; the rest say why. */
export const replaceNote = 'replace: destroyed and made again, with a new disk';

function networkReference(reference: NonNullable<VM['networks']>[number]): string {
  return typeof reference === 'string' ? reference : reference.name;
}

export interface PlanInput {
  lab: Lab;
  record: ReadonlyLabRecord | undefined;
  domains: readonly DomainSummary[];
  networks: readonly NetworkSummary[];
  /** The storage pool new disks go to. */
  volumePool: string;
}

/** What the plan steps build up: steps in order, conflicts, and the count of unchanged items. */
interface PlanDraft {
  steps: PlanStep[];
  conflicts: LabProblem[];
  unchanged: number;
}

/** Networks of the lab file; returns the names of networks that are replaced. */
function planNetworks({ lab, record, networks }: PlanInput, previousNetworks: Map<string, Network>, draft: PlanDraft): Set<string> {
  const recordedNetworks = new Set(record?.resources.networks.map((network) => network.name));
  const replacedNetworks = new Set<string>();
  (lab.networks ?? []).forEach((network, index) => {
    const resource = labNetworkName(record, lab.name, network.name);
    const before = previousNetworks.get(network.name);
    previousNetworks.delete(network.name);
    if (!before || !recordedNetworks.has(resource)) {
      if (!recordedNetworks.has(resource) && networks.some((existing) => existing.name === resource)) {
        draft.conflicts.push({
          field: `/lab/networks/${index}/name`,
          message: `libvirt already has a network "${resource}" that this lab did not create`,
        });
      }
      draft.steps.push({ action: 'create', kind: 'network', resource, labItem: network.name, changes: [] });
      return;
    }
    const changes = networkChanges(before, network);
    if (changes.length > 0) {
      replacedNetworks.add(network.name);
      draft.steps.push({
        action: 'change',
        kind: 'network',
        resource,
        labItem: network.name,
        changes: ['replace: removed and made again, with every VM on it', ...changes],
      });
    } else {
      draft.unchanged += 1;
    }
  });
  return replacedNetworks;
}

/** A VM's SSH and VNC ports; a changed port adds a reason to replace the VM. */
function planPorts(vm: VM, record: ReadonlyLabRecord | undefined, reasons: string[], draft: PlanDraft): void {
  const recordedPorts = record?.resources.ports ?? [];
  for (const kind of ['ssh', 'vnc'] as const) {
    const wanted = kind === 'ssh' ? vm.ssh_port : vm.vnc_port;
    const held = recordedPorts.find((port) => port.vm === vm.name && port.kind === kind);
    if (held && (wanted === undefined || wanted === held.port)) {
      draft.unchanged += 1;
    } else if (held) {
      // The port is in the domain's definition, so the VM is replaced with it.
      reasons.push(`${kind}_port ${held.port} → ${wanted}`);
      draft.steps.push({
        action: 'change',
        kind: 'port',
        resource: `${kind}:${wanted}`,
        labItem: vm.name,
        changes: [`${kind} port ${held.port} → ${wanted}`],
      });
    } else {
      draft.steps.push({ action: 'create', kind: 'port', resource: `${kind}:${wanted ?? 'allocated'}`, labItem: vm.name, changes: [] });
    }
  }
}

/** VMs of the lab file: new ones are created, changed ones replaced. */
function planVms(
  { lab, record, domains, volumePool }: PlanInput,
  previousVms: Map<string, VM>,
  replacedNetworks: ReadonlySet<string>,
  draft: PlanDraft,
): void {
  const recordedDomains = new Set(record?.resources.domains.map((domain) => domain.name));
  lab.vms.forEach((vm, index) => {
    const domain = labDomainName(record, lab.name, vm.name);
    const before = previousVms.get(vm.name);
    previousVms.delete(vm.name);
    if (!before || !recordedDomains.has(domain)) {
      if (!recordedDomains.has(domain) && domains.some((existing) => existing.name === domain)) {
        draft.conflicts.push({
          field: `/lab/vms/${index}/name`,
          message: `libvirt already has a domain "${domain}" that this lab did not create`,
        });
      }
      draft.steps.push({
        action: 'create',
        kind: 'volume',
        resource: `${volumePool}/${labVolumeName(record, volumePool, lab.name, vm.name)}`,
        labItem: vm.name,
        changes: [],
      });
      draft.steps.push({ action: 'create', kind: 'domain', resource: domain, labItem: vm.name, changes: [] });
    }
    const reasons = before && recordedDomains.has(domain) ? replaceReasons(before, vm) : [];
    for (const reference of vm.networks ?? []) {
      if (replacedNetworks.has(networkReference(reference))) reasons.push(`network ${networkReference(reference)} is replaced`);
    }
    planPorts(vm, record, reasons, draft);
    if (before && recordedDomains.has(domain)) {
      if (reasons.length > 0)
        draft.steps.push({ action: 'change', kind: 'domain', resource: domain, labItem: vm.name, changes: [replaceNote, ...reasons] });
      else draft.unchanged += 2; // its domain and its disk
    }
  });
}

/** Exactly what is recorded for removed VMs and networks, whatever the lab file says now. */
function planRemovals(
  record: ReadonlyLabRecord | undefined,
  removedVms: Iterable<VM>,
  removedNetworks: Iterable<Network>,
  steps: PlanStep[],
): void {
  const recordedPorts = record?.resources.ports ?? [];
  for (const vm of removedVms) {
    const resources = record?.resources;
    for (const item of resources?.domains.filter((domain) => domain.vm === vm.name) ?? []) {
      steps.push({ action: 'delete', kind: 'domain', resource: item.name, labItem: vm.name, changes: [] });
    }
    for (const item of resources?.volumes.filter((volume) => volume.vm === vm.name) ?? []) {
      steps.push({ action: 'delete', kind: 'volume', resource: `${item.pool}/${item.name}`, labItem: vm.name, changes: [] });
    }
    for (const item of resources?.seeds?.filter((seed) => seed.vm === vm.name) ?? []) {
      steps.push({ action: 'delete', kind: 'seed', resource: item.path, labItem: vm.name, changes: [] });
    }
    for (const port of recordedPorts.filter((port) => port.vm === vm.name)) {
      steps.push({ action: 'delete', kind: 'port', resource: `${port.kind}:${port.port}`, labItem: vm.name, changes: [] });
    }
  }
  for (const network of removedNetworks) {
    for (const item of record?.resources.networks.filter((recorded) => recorded.network === network.name) ?? []) {
      steps.push({ action: 'delete', kind: 'network', resource: item.name, labItem: network.name, changes: [] });
    }
  }
}

/**
 * Applied VMs whose definition changed are replaced, shown as one change step whose first entry
 * is replaceNote; a changed network is replaced with every VM on it. Removed VMs and networks are
 * deleted with exactly the resources recorded for them.
 */
export function planLab(input: PlanInput): { plan: PlanResult; conflicts: LabProblem[] } {
  const { lab, record } = input;
  const previous = record?.definition as Lab | undefined;
  const draft: PlanDraft = { steps: [], conflicts: [], unchanged: 0 };
  // What is left in these maps after planning the lab file was removed from it.
  const previousNetworks = new Map((previous?.networks ?? []).map((network) => [network.name, network]));
  const previousVms = new Map((previous?.vms ?? []).map((vm) => [vm.name, vm]));
  const replacedNetworks = planNetworks(input, previousNetworks, draft);
  planVms(input, previousVms, replacedNetworks, draft);
  planRemovals(record, previousVms.values(), previousNetworks.values(), draft.steps);
  const { steps, conflicts, unchanged } = draft;
  return { plan: { lab: lab.name, newLab: record === undefined, steps, unchanged }, conflicts };
}
