// How a VM snapshot says it is part of a lab snapshot: a first line in its libvirt description
// naming the lab and the VM's state when it was taken. The mark lives in libvirt beside the
// snapshot, so a lab snapshot is found again from libvirt alone (after a host restart or a state loss).
import type { LabSnapshotMember, LabSnapshotSummary } from '@vlm/schemas/src/host-protocol';
import type { SnapshotSummary } from '../libvirt/hypervisor';

/** A lab VM and its libvirt domain, in the order the lab operation visits them. */
export interface LabMember {
  vm: string;
  domain: string;
}

const markPattern = /^vlm-lab-snapshot lab=([a-z0-9-]+) was=(running|stopped)(?:\n([\s\S]*))?$/;

export function labSnapshotDescription(lab: string, wasRunning: boolean, description: string | undefined): string {
  const mark = `vlm-lab-snapshot lab=${lab} was=${wasRunning ? 'running' : 'stopped'}`;
  return description === undefined || description === '' ? mark : `${mark}\n${description}`;
}

export interface LabSnapshotMark {
  lab: string;
  wasRunning: boolean;
  description: string;
}

/** The mark of a VM snapshot that is part of a lab snapshot; undefined for a VM's own snapshot. */
export function readLabSnapshotMark(description: string): LabSnapshotMark | undefined {
  const match = markPattern.exec(description);
  if (!match) return undefined;
  return { lab: match[1] as string, wasRunning: match[2] === 'running', description: match[3] ?? '' };
}

/**
 * The lab snapshots among the lab VMs' snapshots: same-named snapshots marked for this lab. A lab
 * VM without its part is listed in `missing`. Ordered by creation time, then name.
 */
export function groupLabSnapshots(
  lab: string,
  snapshotsByMember: ReadonlyMap<LabMember, readonly SnapshotSummary[]>,
): LabSnapshotSummary[] {
  const byName = new Map<string, { description: string; members: LabSnapshotMember[] }>();
  for (const [member, snapshots] of snapshotsByMember) {
    for (const snapshot of snapshots) {
      const mark = readLabSnapshotMark(snapshot.description);
      if (mark?.lab !== lab) continue;
      const group = byName.get(snapshot.name) ?? { description: mark.description, members: [] };
      group.members.push({ vm: member.vm, domain: member.domain, wasRunning: mark.wasRunning, createdAt: snapshot.createdAt });
      byName.set(snapshot.name, group);
    }
  }
  const vms = [...snapshotsByMember.keys()].map((member) => member.vm);
  return [...byName]
    .map(([name, group]) => ({
      lab,
      name,
      description: group.description,
      createdAt: group.members.map((member) => member.createdAt).sort()[0] as string,
      members: group.members,
      missing: vms.filter((vm) => !group.members.some((member) => member.vm === vm)),
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}
