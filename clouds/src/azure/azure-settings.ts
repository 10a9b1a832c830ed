// An Azure account's settings and the names that reach ARM URLs, checked before any request:
// settings and API answers are untrusted, so a resource group such as `../x` never becomes a path.
import { CloudError } from '../cloud-errors.js';

export interface AzureSettings {
  subscriptionId: string;
  /** Directory of the service principal (client secret) or of the standard chain. */
  tenantId?: string;
  /** The service principal's application id; without a client secret, a user-assigned managed identity. */
  clientId?: string;
  /** Only these resource groups are listed (for accounts without subscription-wide read rights). */
  resourceGroups?: string[];
  /** Only these locations are shown. */
  locations?: string[];
  /** Microsoft Entra host for sovereign clouds, such as https://login.microsoftonline.us. */
  authorityHost?: string;
  /** Azure Resource Manager endpoint for sovereign clouds, such as https://management.usgovcloudapi.net. */
  endpoint?: string;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const resourceGroupName = /^[-\w.()]{1,90}$/;
/** Azure VM names: letters, digits, `-`, `_`, `.`; no leading `_` or `-`; at most 64. */
const virtualMachineName = /^[A-Za-z0-9][-\w.]{0,63}$/;
const locationName = /^[a-z0-9]{1,40}$/;
const knownKeys = ['subscriptionId', 'tenantId', 'clientId', 'resourceGroups', 'locations', 'authorityHost', 'endpoint'];

function invalid(message: string): CloudError {
  return new CloudError('invalidInput', 'azure', message);
}

export function isResourceGroupName(name: string): boolean {
  return resourceGroupName.test(name) && !name.endsWith('.');
}

export function checkResourceGroupName(name: string, where: string): string {
  if (!isResourceGroupName(name))
    throw invalid(
      `${where}: "${name}" is not a resource group name; use 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'`,
    );
  return name;
}

export function checkVirtualMachineName(name: string, where: string): string {
  if (!virtualMachineName.test(name) || name.endsWith('.'))
    throw invalid(
      `${where}: "${name}" is not a virtual machine name; use 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit`,
    );
  return name;
}

export function isLocationName(name: string): boolean {
  return locationName.test(name);
}

export function checkLocationName(name: string, where: string): string {
  if (!isLocationName(name)) throw invalid(`${where}: "${name}" is not an Azure location; use its short name, such as westeurope`);
  return name;
}

/** Splits an ARM virtual machine id into its checked parts; the subscription must be the account's. */
export function parseVirtualMachineId(id: string, subscriptionId: string): { resourceGroup: string; name: string } {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i.exec(id);
  if (!match)
    throw invalid(
      `instance id "${id}" is not a virtual machine id; expected /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}`,
    );
  if ((match[1] as string).toLowerCase() !== subscriptionId.toLowerCase())
    throw invalid(`instance id "${id}" belongs to another subscription than this account's ${subscriptionId}`);
  return {
    resourceGroup: checkResourceGroupName(match[2] as string, 'instance id'),
    name: checkVirtualMachineName(match[3] as string, 'instance id'),
  };
}

function optionalString(settings: Record<string, unknown>, key: string): string | undefined {
  const value = settings[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalid(`settings.${key} must be a non-empty string`);
  return value;
}

function stringList(settings: Record<string, unknown>, key: string, check: (name: string, where: string) => string): string[] | undefined {
  const value = settings[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) throw invalid(`settings.${key} must be a non-empty list of names`);
  return value.map((item, index) => {
    if (typeof item !== 'string') throw invalid(`settings.${key}[${index}] must be a string`);
    return check(item, `settings.${key}[${index}]`);
  });
}

function httpsOrigin(settings: Record<string, unknown>, key: string): string | undefined {
  const value = optionalString(settings, key);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`settings.${key}: "${value}" is not a URL; use https://host`);
  }
  if (url.protocol !== 'https:') throw invalid(`settings.${key} must use https (a bearer token or secret is never sent over plain http)`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/')
    throw invalid(`settings.${key}: "${value}" must be a bare origin such as https://host, without path, query or credentials`);
  return url.origin;
}

export function parseAzureSettings(settings: Record<string, unknown>): AzureSettings {
  const unknown = Object.keys(settings).filter((key) => !knownKeys.includes(key));
  if (unknown.length > 0) throw invalid(`settings.${unknown[0]} is not an Azure setting; allowed: ${knownKeys.join(', ')}`);
  const subscriptionId = optionalString(settings, 'subscriptionId');
  if (subscriptionId === undefined || !guid.test(subscriptionId))
    throw invalid('settings.subscriptionId must be the subscription id, a GUID such as 00000000-0000-0000-0000-000000000000');
  const tenantId = optionalString(settings, 'tenantId');
  if (tenantId !== undefined && !guid.test(tenantId) && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(tenantId))
    throw invalid('settings.tenantId must be a directory id (GUID) or a domain such as contoso.onmicrosoft.com');
  const clientId = optionalString(settings, 'clientId');
  if (clientId !== undefined && !guid.test(clientId)) throw invalid('settings.clientId must be an application (client) id, a GUID');
  const parsed: AzureSettings = { subscriptionId: subscriptionId.toLowerCase() };
  const optional: Partial<AzureSettings> = {
    tenantId,
    clientId,
    resourceGroups: stringList(settings, 'resourceGroups', checkResourceGroupName),
    locations: stringList(settings, 'locations', checkLocationName),
    authorityHost: httpsOrigin(settings, 'authorityHost'),
    endpoint: httpsOrigin(settings, 'endpoint'),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(parsed, { [key]: value });
  return parsed;
}
