// A vCenter account's settings, checked field by field before anything is sent: the SDK URL
// (https, or plain http only to this machine), the user name, an optional CA file and an
// optional list of datacenters to show. The password is a secret, never a setting.
import { CloudError } from '../cloud-errors.js';

export interface VsphereSettings {
  /** The SOAP endpoint, always ending in /sdk. */
  sdkUrl: string;
  /** Scheme, host and port, for web client links. */
  origin: string;
  username: string;
  caFile?: string;
  datacenters?: string[];
}

const knownFields = ['url', 'username', 'caFile', 'datacenters'];
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
const controlCharacters = /[\u0000-\u001F\u007F]/;

function invalid(field: string, message: string, hint: string): CloudError {
  return new CloudError('invalidInput', 'vsphere', `Setting "${field}" ${message}`, { hint });
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function parseUrl(value: unknown): { sdkUrl: string; origin: string } {
  const hint = 'Give the vCenter address, such as https://vcenter.example.com (the /sdk path is added).';
  if (typeof value !== 'string' || value.trim() === '') throw invalid('url', 'is missing', hint);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('url', `(${JSON.stringify(value.slice(0, 100))}) is not a URL`, hint);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw invalid(
      'url',
      `uses ${url.protocol}, which would send the password unencrypted`,
      'Use https:// (plain http is allowed only to this machine).',
    );
  }
  if (url.username || url.password) {
    throw invalid('url', 'holds a user name or password', 'Put the user name in "username" and the password in the secret store.');
  }
  if (url.search || url.hash) throw invalid('url', 'has a query or fragment', hint);
  if (url.pathname !== '/' && url.pathname !== '/sdk' && url.pathname !== '/sdk/') {
    throw invalid('url', `has the path ${url.pathname}`, hint);
  }
  return { sdkUrl: `${url.origin}/sdk`, origin: url.origin };
}

function parseName(field: string, value: unknown, maxLength: number): string {
  if (value === undefined) throw invalid(field, 'is missing', `Up to ${maxLength} characters.`);
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || controlCharacters.test(value)) {
    throw invalid(field, 'must be a non-empty text without control characters', `Up to ${maxLength} characters.`);
  }
  return value;
}

export function parseVsphereSettings(settings: Record<string, unknown>): VsphereSettings {
  const unknown = Object.keys(settings).filter((key) => !knownFields.includes(key));
  if (unknown.length > 0) {
    throw invalid(
      unknown[0] as string,
      'is not a vSphere setting',
      `Allowed: ${knownFields.join(', ')} (the password goes to the secret store).`,
    );
  }
  const { sdkUrl, origin } = parseUrl(settings.url);
  const username = parseName('username', settings.username, 256);
  const parsed: VsphereSettings = { sdkUrl, origin, username };
  if (settings.caFile !== undefined) {
    const caFile = parseName('caFile', settings.caFile, 4096);
    if (!caFile.startsWith('/'))
      throw invalid('caFile', 'must be an absolute path', "The PEM file of the CA that signed vCenter's certificate.");
    parsed.caFile = caFile;
  }
  if (settings.datacenters !== undefined) {
    const list = settings.datacenters;
    if (!Array.isArray(list) || list.length === 0) {
      throw invalid('datacenters', 'must be a non-empty list of datacenter names', 'Leave it out to show every datacenter.');
    }
    parsed.datacenters = list.map((name, index) => parseName(`datacenters[${index}]`, name, 80));
  }
  return parsed;
}
