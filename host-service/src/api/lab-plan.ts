// A plan: what applying a lab file would create, change and delete, from the lab file and what
// the state records for that lab. Resources libvirt already has under a name the plan wants,
// but that the lab did not make, are conflicts: the plan refuses rather than adopt them.
import type { Lab, Network, VM } from '@vlm/schemas';
import type { PlanResult, PlanStep } from '@vlm/schemas/src/host-protocol';
import type { DomainSummary, NetworkSummary } from '../libvirt/hypervisor';
import type { ReadonlyHostState } from '../state/state-store';
import type { LabProblem } from './lab-checks';
import { domainName, networkName, volumeName } from './lab-resources';

type ReadonlyLabRecord = ReadonlyHostState['labs'][string];

function networkChanges(before: Network, after: Network): string[] {
  const changes: string[] = [];
  if (before.cidr !== after.cidr) changes.push(`cidr ${before.cidr} → ${after.cidr}`);
  if ((before.mode ?? 'isolated') !== (after.mode ?? 'isolated')) changes.push(`mode ${before.mode ?? 'isolated'} → ${after.mode ?? 'isolated'}`);
  if ((before.dhcp ?? true) !== (after.dhcp ?? true)) changes.push(`dhcp ${before.dhcp ?? true} → ${after.dhcp ?? true}`);
  return changes;
}

function domainChanges(before: VM, after: VM): string[] {
  const changes: string[] = [];
  const compare = (field: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push(`${field} ${JSON.stringify(a) ?? 'unset'} → ${JSON.stringify(b) ?? 'unset'}`);
  };
  compare('vcpu', before.vcpu, after.vcpu);
  compare('ram_mb', before.ram_mb, after.ram_mb);
  compare('networks', before.networks ?? [], after.networks ?? []);
  compare('firmware', before.firmware ?? 'bios', after.firmware ?? 'bios');
  compare('autostart', before.autostart ?? false, after.autostart ?? false);
  compare('description', before.description ?? '', after.description ?? '');
  return changes;
}

function volumeChanges(before: VM, after: VM): string[] {
  const changes: string[] = [];
  if (before.os_image !== after.os_image) changes.push(`os_image ${before.os_image} → ${after.os_image} (the disk is recreated)`);
  if (before.disk_gb !== after.disk_gb) {
    changes.push(
      after.disk_gb > before.disk_gb
        ? `disk_gb ${before.disk_gb} → ${after.disk_gb} (grown)`
        : `disk_gb ${before.disk_gb} → ${after.disk_gb} (a disk cannot shrink: it is recreated)`,
    );
  }
  return changes;
}

export interface PlanInput {
  lab: Lab;
  record: ReadonlyLabRecord | undefined;
  domains: readonly DomainSummary[];
  networks: readonly NetworkSummary[];
  /** The storage pool new disks go to. */
  volumePool: string;
}

export function planLab({ lab, record, domains, networks, volumePool }: PlanInput): { plan: PlanResult; conflicts: LabProblem[] } {
  const previous = record?.definition as Lab | undefined;
  const steps: PlanStep[] = [];
  const conflicts: LabProblem[] = [];
  let unchanged = 0;
  const recordedDomains = new Set(record?.resources.domains.map((domain) => domain.name));
  const recordedNetworks = new Set(record?.resources.networks.map((network) => network.name));

  const previousNetworks = new Map((previous?.networks ?? []).map((network) => [network.name, network]));
  (lab.networks ?? []).forEach((network, index) => {
    const resource = networkName(lab.name, network.name);
    const before = previousNetworks.get(network.name);
    previousNetworks.delete(network.name);
    if (!before || !recordedNetworks.has(resource)) {
      if (networks.some((existing) => existing.name === resource)) {
        conflicts.push({ field: `/lab/networks/${index}/name`, message: `libvirt already has a network "${resource}" that this lab did not create` });
      }
      steps.push({ action: 'create', kind: 'network', resource, labItem: network.name, changes: [] });
      return;
    }
    const changes = networkChanges(before, network);
    if (changes.length > 0) steps.push({ action: 'change', kind: 'network', resource, labItem: network.name, changes });
    else unchanged += 1;
  });
  for (const network of previousNetworks.values()) {
    steps.push({ action: 'delete', kind: 'network', resource: networkName(lab.name, network.name), labItem: network.name, changes: [] });
  }

  const previousVms = new Map((previous?.vms ?? []).map((vm) => [vm.name, vm]));
  const recordedPorts = record?.resources.ports ?? [];
  lab.vms.forEach((vm, index) => {
    const domain = domainName(lab.name, vm.name);
    const volume = `${volumePool}/${volumeName(lab.name, vm.name)}`;
    const before = previousVms.get(vm.name);
    previousVms.delete(vm.name);
    if (!before || !recordedDomains.has(domain)) {
      if (domains.some((existing) => existing.name === domain)) {
        conflicts.push({ field: `/lab/vms/${index}/name`, message: `libvirt already has a domain "${domain}" that this lab did not create` });
      }
      steps.push({ action: 'create', kind: 'volume', resource: volume, labItem: vm.name, changes: [] });
      steps.push({ action: 'create', kind: 'domain', resource: domain, labItem: vm.name, changes: [] });
    } else {
      const volumeDiff = volumeChanges(before, vm);
      if (volumeDiff.length > 0) steps.push({ action: 'change', kind: 'volume', resource: volume, labItem: vm.name, changes: volumeDiff });
      else unchanged += 1;
      const domainDiff = domainChanges(before, vm);
      if (domainDiff.length > 0) steps.push({ action: 'change', kind: 'domain', resource: domain, labItem: vm.name, changes: domainDiff });
      else unchanged += 1;
    }
    for (const kind of ['ssh', 'vnc'] as const) {
      const wanted = kind === 'ssh' ? vm.ssh_port : vm.vnc_port;
      const held = recordedPorts.find((port) => port.vm === vm.name && port.kind === kind);
      if (held && (wanted === undefined || wanted === held.port)) {
        unchanged += 1;
      } else if (held) {
        steps.push({ action: 'change', kind: 'port', resource: `${kind}:${wanted}`, labItem: vm.name, changes: [`${kind} port ${held.port} → ${wanted}`] });
      } else {
        steps.push({ action: 'create', kind: 'port', resource: `${kind}:${wanted ?? 'allocated'}`, labItem: vm.name, changes: [] });
      }
    }
  });
  for (const vm of previousVms.values()) {
    steps.push({ action: 'delete', kind: 'domain', resource: domainName(lab.name, vm.name), labItem: vm.name, changes: [] });
    steps.push({ action: 'delete', kind: 'volume', resource: `${volumePool}/${volumeName(lab.name, vm.name)}`, labItem: vm.name, changes: [] });
    for (const port of recordedPorts.filter((port) => port.vm === vm.name)) {
      steps.push({ action: 'delete', kind: 'port', resource: `${port.kind}:${port.port}`, labItem: vm.name, changes: [] });
    }
  }
  return { plan: { lab: lab.name, newLab: record === undefined, steps, unchanged }, conflicts };
}
