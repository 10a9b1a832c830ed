// XML for creating snapshots, and reading the ones libvirt returns.
import type { DomainState, SnapshotOptions, SnapshotSummary } from './hypervisor';
import { HypervisorError } from './hypervisor';
import { checkLibvirtName, escapeXml } from './xml-text';
import { childText, parseXml } from './xml-parse';

export function buildSnapshotXml(options: SnapshotOptions): string {
  checkLibvirtName('snapshot', options.name);
  const lines = ['<domainsnapshot>', `  <name>${escapeXml(options.name)}</name>`];
  if (options.description !== undefined) lines.push(`  <description>${escapeXml(options.description)}</description>`);
  lines.push('</domainsnapshot>');
  return `${lines.join('\n')}\n`;
}

/** libvirt's snapshot <state> words, in this layer's DomainState spelling where one exists. */
const snapshotStates: Record<string, DomainState | 'disk-snapshot'> = {
  nostate: 'no-state',
  running: 'running',
  blocked: 'blocked',
  paused: 'paused',
  shutdown: 'shutting-down',
  shutoff: 'shut-off',
  crashed: 'crashed',
  pmsuspended: 'pm-suspended',
  'disk-snapshot': 'disk-snapshot',
};

export function parseSnapshotXml(xml: string, current: boolean): SnapshotSummary {
  const root = parseXml(xml);
  const name = childText(root, 'name');
  if (root.name !== 'domainsnapshot' || !name) throw new HypervisorError('libvirt', 'libvirt returned snapshot XML without a <name>');
  const seconds = Number(childText(root, 'creationTime') ?? '0');
  const state = childText(root, 'state') ?? 'nostate';
  const parent = childText(root, 'parent', 'name');
  return {
    name,
    description: childText(root, 'description') ?? '',
    createdAt: new Date(seconds * 1000).toISOString(),
    domainState: snapshotStates[state] ?? state,
    current,
    ...(parent ? { parent } : {}),
  };
}
