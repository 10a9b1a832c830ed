// An AWS account's settings, checked before anything is sent: which credentials, which regions,
// which endpoint. Region names and instance ids are checked here too, before they reach a request.
import { CloudError } from '../cloud-errors.js';

export interface AwsSettings {
  /** A profile from ~/.aws/config or ~/.aws/credentials (SSO, keys, processes…); the default chain when absent. */
  profile?: string;
  /** The regions to list, or every region enabled for the account (the default). */
  regions: string[] | 'all';
  /** Another EC2 endpoint (a VPC endpoint, a proxy, a local stand-in): https, or http on loopback only. */
  endpoint?: string;
  /** `standard`: the AWS credential chain (environment, SSO, profiles). `accessKey`: a key pair the user typed in. */
  credentials: 'standard' | 'accessKey';
  /** Another Cost Explorer endpoint (a stand-in): https, or http on loopback only. */
  costExplorerEndpoint?: string;
  /** Whether the Expenses panel asks Cost Explorer (each call costs USD 0.01); true when absent. */
  costExplorer: boolean;
}

export const awsSettingNames = ['profile', 'regions', 'endpoint', 'credentials', 'costExplorer', 'costExplorerEndpoint'] as const;

/** Secrets a user may type in with `credentials: 'accessKey'`; `sessionToken` only for temporary keys. */
export const awsSecretKeys = ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const;

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const instanceIdPattern = /^i-[0-9a-f]{8,17}$/;
const profilePattern = /^[A-Za-z0-9_.@+=,-]{1,64}$/;
const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

function refuse(message: string): never {
  throw new CloudError('invalidInput', 'aws', message);
}

export function checkRegion(region: unknown, field = 'region'): string {
  if (typeof region !== 'string' || !regionPattern.test(region)) {
    const shown = typeof region === 'string' ? JSON.stringify(region.slice(0, 40)) : typeof region;
    refuse(`${field} ${shown} is not an AWS region name; expected a name such as us-east-1 or ap-southeast-2`);
  }
  return region;
}

export function checkInstanceId(id: unknown): string {
  if (typeof id !== 'string' || !instanceIdPattern.test(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 40)) : typeof id;
    refuse(`instance id ${shown} is not an EC2 instance id; expected i- followed by 8 or 17 hexadecimal digits`);
  }
  return id;
}

function parseRegions(value: unknown): string[] | 'all' {
  if (value === undefined || value === 'all') return 'all';
  if (!Array.isArray(value) || value.length === 0) refuse(`settings.regions must be "all" or a non-empty list of region names`);
  const regions = value.map((region, index) => checkRegion(region, `settings.regions[${index}]`));
  const repeated = regions.find((region, index) => regions.indexOf(region) !== index);
  if (repeated) refuse(`settings.regions lists ${repeated} twice`);
  return regions;
}

function parseEndpoint(value: unknown, field = 'settings.endpoint'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') refuse(`${field} must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    refuse(`${field} ${JSON.stringify(value.slice(0, 80))} is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackHosts.has(url.hostname))) {
    refuse(`${field} must use https (plain http is allowed only to 127.0.0.1, [::1] or localhost)`);
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    refuse(`${field} must be a scheme, host and port only: no user, path, query or fragment`);
  }
  return url.origin;
}

export function parseAwsSettings(settings: Record<string, unknown>): AwsSettings {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) refuse('settings must be an object');
  const unknown = Object.keys(settings).find((name) => !(awsSettingNames as readonly string[]).includes(name));
  if (unknown !== undefined) refuse(`settings.${unknown} is not an AWS setting; allowed: ${awsSettingNames.join(', ')}`);
  const credentials = settings.credentials ?? 'standard';
  if (credentials !== 'standard' && credentials !== 'accessKey') {
    refuse('settings.credentials must be "standard" (environment, SSO, profiles) or "accessKey" (a key pair typed in)');
  }
  const profile = settings.profile;
  if (profile !== undefined) {
    if (typeof profile !== 'string' || !profilePattern.test(profile)) {
      refuse('settings.profile must be a profile name of 1 to 64 letters, digits or _ . @ + = , -');
    }
    if (credentials === 'accessKey') refuse('settings.profile applies to the standard credentials only, not to "accessKey"');
  }
  const endpoint = parseEndpoint(settings.endpoint);
  const costExplorerEndpoint = parseEndpoint(settings.costExplorerEndpoint, 'settings.costExplorerEndpoint');
  const costExplorer = settings.costExplorer ?? true;
  if (typeof costExplorer !== 'boolean') refuse('settings.costExplorer must be true (ask Cost Explorer, USD 0.01 a call) or false');
  return {
    ...(profile === undefined ? {} : { profile: profile as string }),
    regions: parseRegions(settings.regions),
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials,
    costExplorer,
    ...(costExplorerEndpoint === undefined ? {} : { costExplorerEndpoint }),
  };
}
