// A Proxmox account's settings, checked field by field: each refusal names the field, what was
// wrong and what is allowed. Secrets (tokenSecret, password) never live here.
import { isAbsolute } from 'node:path';
import { CloudError } from '../cloud-errors.js';
import { isTokenId, isUser, quoted } from './proxmox-names.js';

export interface ProxmoxSettings {
  /** The cluster's origin, `https://host[:port]`, without a trailing slash. */
  url: string;
  /** `user@realm!name`: log in with this API token and the secret `tokenSecret`. */
  tokenId?: string;
  /** `user@realm`: log in with a ticket, from this user and the secret `password`. */
  username?: string;
  /** A PEM file of the CA to trust for this cluster (its pve-root-ca.pem). */
  caFile?: string;
  timeoutSeconds: number;
}

export const proxmoxSecretKeys = ['tokenSecret', 'password'] as const;
const knownFields = ['url', 'tokenId', 'username', 'caFile', 'timeoutSeconds'];
export const timeoutRange = { min: 1, max: 300, default: 20 } as const;

function invalid(message: string): CloudError {
  return new CloudError('invalidInput', 'proxmox', message);
}

function checkUrl(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid('url: required, the cluster address such as https://pve.example.com:8006');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalid(`url: ${quoted(value)} is not a URL; use https://host:8006`);
  }
  if (url.protocol !== 'https:')
    throw invalid(
      `url: ${quoted(value)} uses ${url.protocol.replace(':', '')}; only https is allowed (Proxmox serves its API on https, port 8006)`,
    );
  if (url.username !== '' || url.password !== '')
    throw invalid('url: must not hold a user name or password; use tokenId or username, and store the secret');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    throw invalid(`url: ${quoted(value)} has a path, query or fragment; give only https://host[:port]`);
  return url.origin;
}

export function parseProxmoxSettings(settings: Record<string, unknown>): ProxmoxSettings {
  const unknown = Object.keys(settings).filter((key) => !knownFields.includes(key));
  if (unknown.length > 0)
    throw invalid(`${unknown.map((key) => quoted(key)).join(', ')}: not a Proxmox setting; allowed: ${knownFields.join(', ')}`);
  const parsed: ProxmoxSettings = { url: checkUrl(settings.url), timeoutSeconds: timeoutRange.default };
  const { tokenId, username, caFile, timeoutSeconds } = settings;
  if (tokenId !== undefined && username !== undefined)
    throw invalid('tokenId and username: give one, not both (an API token, or a user who logs in with a password)');
  if (tokenId === undefined && username === undefined)
    throw invalid('tokenId or username: one is required (an API token such as root@pam!vlm, or a user such as root@pam)');
  if (tokenId !== undefined) {
    if (typeof tokenId !== 'string' || !isTokenId(tokenId))
      throw invalid(`tokenId: ${quoted(tokenId)} is not an API token id; use user@realm!name, such as root@pam!vlm`);
    parsed.tokenId = tokenId;
  }
  if (username !== undefined) {
    if (typeof username !== 'string' || !isUser(username))
      throw invalid(`username: ${quoted(username)} is not a Proxmox user; use user@realm, such as root@pam`);
    parsed.username = username;
  }
  if (caFile !== undefined) {
    if (typeof caFile !== 'string' || !isAbsolute(caFile)) throw invalid(`caFile: ${quoted(caFile)} is not an absolute path to a PEM file`);
    parsed.caFile = caFile;
  }
  if (timeoutSeconds !== undefined) {
    if (
      typeof timeoutSeconds !== 'number' ||
      !Number.isFinite(timeoutSeconds) ||
      timeoutSeconds < timeoutRange.min ||
      timeoutSeconds > timeoutRange.max
    ) {
      throw invalid(`timeoutSeconds: ${quoted(timeoutSeconds)} is not a number of seconds from ${timeoutRange.min} to ${timeoutRange.max}`);
    }
    parsed.timeoutSeconds = timeoutSeconds;
  }
  return parsed;
}
