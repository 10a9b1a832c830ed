// The user-data a lab VM's seed carries: the lab's own #cloud-config with the hostname and the
// SSH keys (the service's and the lab's) merged in, so neither replaces the other.
import { parse, stringify } from 'yaml';

export class CloudInitError extends Error {
  override name = 'CloudInitError';
}

export interface CloudConfigInput {
  hostname: string;
  sshAuthorizedKeys: readonly string[];
  /** The lab file's `cloud_init`, if any. */
  cloudInit?: string;
}

/**
 * A #cloud-config document. The user's hostname wins if set (they asked for it); keys are the
 * union, in order. A `#!` script cannot be merged without multipart user-data, which simple
 * images do not read: it is refused rather than silently dropped.
 */
export function mergeCloudConfig(input: CloudConfigInput): string {
  let user: Record<string, unknown> = {};
  if (input.cloudInit !== undefined && input.cloudInit.trim() !== '') {
    if (input.cloudInit.startsWith('#!')) {
      throw new CloudInitError(
        'cloud_init is a script ("#!"); only a #cloud-config document can be combined with the hostname and SSH keys',
      );
    }
    if (!input.cloudInit.startsWith('#cloud-config')) throw new CloudInitError('cloud_init must start with "#cloud-config"');
    let parsed: unknown;
    try {
      parsed = parse(input.cloudInit);
    } catch (error) {
      throw new CloudInitError(`cloud_init is not valid YAML: ${(error as Error).message}`);
    }
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed)))
      throw new CloudInitError('cloud_init must be a mapping of cloud-config keys');
    user = (parsed ?? {}) as Record<string, unknown>;
  }
  const userKeys = user.ssh_authorized_keys;
  if (userKeys !== undefined && (!Array.isArray(userKeys) || !userKeys.every((key) => typeof key === 'string'))) {
    throw new CloudInitError('cloud_init: ssh_authorized_keys must be a list of key lines');
  }
  const keys = [...new Set([...input.sshAuthorizedKeys, ...((userKeys as string[] | undefined) ?? [])])];
  const merged: Record<string, unknown> = { hostname: input.hostname, ...user, ssh_authorized_keys: keys };
  // Double-quoted scalars: simple readers (vlm-tiny's) undo only \" and \\ in them.
  return `#cloud-config\n${stringify(merged, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 })}`;
}
