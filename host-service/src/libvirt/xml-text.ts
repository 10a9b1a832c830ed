// Escaping for every value that goes into libvirt XML, and the checks on names and paths
// that libvirt XML, file systems and shells all see.
import { HypervisorError } from './hypervisor';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for both element content and (single- or double-quoted) attribute values. */
export function escapeXml(value: string | number): string {
  const text = String(value);
  // XML 1.0 cannot carry most control characters at all, escaped or not.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(text)) {
    throw new HypervisorError('invalid-argument', `Value ${JSON.stringify(text)} holds control characters, which XML cannot carry`);
  }
  return text.replace(/[&<>"']/g, (character) => entities[character] ?? character);
}

/**
 * libvirt object names (domains, networks, pools, volumes, snapshots) this layer accepts. Up to 200
 * (the host protocol's domain name limit): a lab's longest part, LAB.PART.seed.iso, has 136.
 */
const libvirtNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

export function checkLibvirtName(kind: string, name: string): string {
  if (typeof name !== 'string' || !libvirtNamePattern.test(name) || name.includes('..')) {
    throw new HypervisorError(
      'invalid-argument',
      `Invalid ${kind} name ${JSON.stringify(name)}: use 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'`,
    );
  }
  return name;
}

/** Host file paths: absolute, no '..' segments, no characters QEMU's option parser treats specially. */
export function checkHostPath(kind: string, path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.split('/').includes('..') || /[,\n\r\0]/.test(path)) {
    throw new HypervisorError(
      'invalid-argument',
      `Invalid ${kind} path ${JSON.stringify(path)}: it must be absolute, without '..' segments, commas or line breaks`,
    );
  }
  return path;
}

export function checkInteger(kind: string, value: number, minimum: number, maximum: number): number {
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new HypervisorError(
      'invalid-argument',
      `Invalid ${kind} ${JSON.stringify(value)}: expected a whole number from ${minimum} to ${maximum}`,
    );
  }
  return value;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkUuid(uuid: string): string {
  if (typeof uuid !== 'string' || !uuidPattern.test(uuid))
    throw new HypervisorError('invalid-argument', `Invalid UUID ${JSON.stringify(uuid)}`);
  return uuid;
}
