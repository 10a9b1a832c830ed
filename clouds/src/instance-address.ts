// An instance as the CLI prints and takes it: ACCOUNT/LOCATION/INSTANCE. The account and the
// location never hold a '/' (a '/' or '%' in a location is written %2F or %25); the instance id
// is the rest as the provider gives it, slashes included (Proxmox node/vmid, Azure resource ids).
import { accountIdPattern, accountIdRule } from './account-check.js';
import type { CloudInstance } from './cloud-provider.js';

export interface InstanceAddress {
  accountId: string;
  location: string;
  instanceId: string;
}

export class InstanceAddressError extends Error {
  override readonly name = 'InstanceAddressError';
}

const maximumLength = 2048;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const refused = /[\s\u0000-\u001f\u007f-\u009f]/;

function encodeLocation(location: string): string {
  return location.replace(/%/g, '%25').replace(/\//g, '%2F');
}

function decodeLocation(written: string): string | undefined {
  if (/%(?!25|2F|2f)/.test(written)) return undefined;
  return written.replace(/%2F/gi, '/').replace(/%25/g, '%');
}

export function formatInstanceAddress(address: InstanceAddress): string {
  return `${address.accountId}/${encodeLocation(address.location)}/${address.instanceId}`;
}

export function addressOf(instance: Pick<CloudInstance, 'accountId' | 'location' | 'id'>): string {
  return formatInstanceAddress({ accountId: instance.accountId, location: instance.location, instanceId: instance.id });
}

/**
 * Reads ACCOUNT/LOCATION/INSTANCE, or LOCATION/INSTANCE when `accountId` is given apart.
 * Throws InstanceAddressError saying which part is wrong.
 */
export function parseInstanceAddress(written: string, accountId?: string): InstanceAddress {
  const form = accountId === undefined ? 'ACCOUNT/LOCATION/INSTANCE' : 'LOCATION/INSTANCE (the account is given apart)';
  const quoted = JSON.stringify(written.length > 80 ? `${written.slice(0, 80)}…` : written);
  if (written.length > maximumLength) throw new InstanceAddressError(`the instance ${quoted} is longer than ${maximumLength} characters`);
  if (refused.test(written))
    throw new InstanceAddressError(`the instance ${quoted} holds spaces or control characters; write it as ${form}`);
  const parts = written.split('/');
  const account = accountId ?? parts.shift();
  const [locationPart, ...instanceParts] = parts;
  const instanceId = instanceParts.join('/');
  if (account === undefined || !accountIdPattern.test(account)) {
    throw new InstanceAddressError(`the instance ${quoted} does not start with an account id (${accountIdRule}); write it as ${form}`);
  }
  const location = locationPart === undefined ? undefined : decodeLocation(locationPart);
  if (location === undefined || location === '' || instanceId === '') {
    throw new InstanceAddressError(`the instance ${quoted} is not ${form}, as 'vlm cloud list' prints it`);
  }
  return { accountId: account, location, instanceId };
}
