// XML for storage volumes (VM disks) and the directory pools that hold them.
import { checkHostPath, checkInteger, checkLibvirtName, escapeXml } from './xml-text';

export interface VolumeSpec {
  name: string;
  capacityBytes: number;
  format?: 'qcow2' | 'raw';
  /** Copy-on-write over this image (e.g. the OS image); qcow2 only. */
  backingPath?: string;
  backingFormat?: 'qcow2' | 'raw';
}

export function buildVolumeXml(spec: VolumeSpec): string {
  checkLibvirtName('volume', spec.name);
  checkInteger('volume capacity (bytes)', spec.capacityBytes, 1, Number.MAX_SAFE_INTEGER);
  if (spec.backingPath !== undefined) checkHostPath('backing image', spec.backingPath);
  const format = spec.backingPath !== undefined ? 'qcow2' : (spec.format ?? 'qcow2');
  const lines = [
    '<volume>',
    `  <name>${escapeXml(spec.name)}</name>`,
    `  <capacity unit='bytes'>${spec.capacityBytes}</capacity>`,
    `  <target><format type='${escapeXml(format)}'/></target>`,
  ];
  if (spec.backingPath !== undefined) {
    lines.push(`  <backingStore><path>${escapeXml(spec.backingPath)}</path><format type='${escapeXml(spec.backingFormat ?? 'qcow2')}'/></backingStore>`);
  }
  lines.push('</volume>');
  return lines.join('\n') + '\n';
}

export interface DirectoryPoolSpec {
  name: string;
  path: string;
}

export function buildDirectoryPoolXml(spec: DirectoryPoolSpec): string {
  checkLibvirtName('storage pool', spec.name);
  checkHostPath('storage pool', spec.path);
  return [`<pool type='dir'>`, `  <name>${escapeXml(spec.name)}</name>`, `  <target><path>${escapeXml(spec.path)}</path></target>`, '</pool>'].join('\n') + '\n';
}
