// XML for storage volumes (VM disks) and the directory pools that hold them.
import { HypervisorError } from './hypervisor';
import { checkHostPath, checkInteger, checkLibvirtName, escapeXml } from './xml-text';

export interface VolumeSpec {
  name: string;
  capacityBytes: number;
  format?: 'qcow2' | 'raw';
  /** Copy-on-write over this image (e.g. the OS image); the volume is then qcow2. */
  backingPath?: string;
  /** The backing image's real format (probed, never guessed from its name); required with a backing path. */
  backingFormat?: 'qcow2' | 'raw';
}

export function buildVolumeXml(spec: VolumeSpec): string {
  checkLibvirtName('volume', spec.name);
  checkInteger('volume capacity (bytes)', spec.capacityBytes, 1, Number.MAX_SAFE_INTEGER);
  if (spec.backingPath !== undefined) {
    checkHostPath('backing image', spec.backingPath);
    if (spec.backingFormat !== 'qcow2' && spec.backingFormat !== 'raw') {
      throw new HypervisorError(
        'invalid-argument',
        `Invalid backing image format ${JSON.stringify(spec.backingFormat)}: expected 'qcow2' or 'raw', as probed from the image`,
      );
    }
  }
  if (spec.format !== undefined && spec.format !== 'qcow2' && spec.format !== 'raw') {
    throw new HypervisorError('invalid-argument', `Invalid volume format ${JSON.stringify(spec.format)}: expected 'qcow2' or 'raw'`);
  }
  const format = spec.backingPath !== undefined ? 'qcow2' : (spec.format ?? 'qcow2');
  const lines = [
    '<volume>',
    `  <name>${escapeXml(spec.name)}</name>`,
    `  <capacity unit='bytes'>${spec.capacityBytes}</capacity>`,
    `  <target><format type='${escapeXml(format)}'/></target>`,
  ];
  if (spec.backingPath !== undefined) {
    lines.push(
      `  <backingStore><path>${escapeXml(spec.backingPath)}</path><format type='${escapeXml(spec.backingFormat ?? '')}'/></backingStore>`,
    );
  }
  lines.push('</volume>');
  return `${lines.join('\n')}\n`;
}

export interface DirectoryPoolSpec {
  name: string;
  path: string;
}

export function buildDirectoryPoolXml(spec: DirectoryPoolSpec): string {
  checkLibvirtName('storage pool', spec.name);
  checkHostPath('storage pool', spec.path);
  const lines = [
    `<pool type='dir'>`,
    `  <name>${escapeXml(spec.name)}</name>`,
    `  <target><path>${escapeXml(spec.path)}</path></target>`,
    '</pool>',
  ];
  return `${lines.join('\n')}\n`;
}
