// A GCP account's settings and the names that reach Compute Engine URLs, checked before any
// request: settings come from users, zone and operation names from API answers.
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { CloudError } from '../cloud-errors.js';

export interface GcpSettings {
  project: string;
  /** Only these zones; every zone of the project when absent. */
  zones?: string[];
  /** A credentials JSON file; application-default credentials when absent. */
  keyFile?: string;
  /** Another Compute Engine endpoint, as a URL (https, or http on loopback only). */
  apiEndpoint?: string;
}

export const projectPattern = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
export const zonePattern = /^[a-z]+-[a-z]+\d+-[a-z]$/;
/** Compute Engine resource names (RFC 1035 labels): instances and operations. */
export const resourceNamePattern = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

const allowedFields = ['project', 'zones', 'keyFile', 'apiEndpoint'];
const loopbackHosts = ['127.0.0.1', 'localhost', '[::1]'];

function refuse(message: string): never {
  throw new CloudError('invalidInput', 'gcp', message);
}

/** Shows an untrusted value in a message: quoted, cut short, control characters removed. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const clean = [...text].map((character) => (character.charCodeAt(0) < 32 || character.charCodeAt(0) === 127 ? '?' : character)).join('');
  return `"${clean.length > 80 ? `${clean.slice(0, 80)}…` : clean}"`;
}

export function checkZone(zone: unknown, field = 'zone'): string {
  if (typeof zone !== 'string' || !zonePattern.test(zone)) {
    refuse(`${field} ${shown(zone)} is not a Compute Engine zone: expected a name such as europe-west1-b`);
  }
  return zone;
}

export function checkResourceName(name: unknown, what: 'instance' | 'operation'): string {
  if (typeof name !== 'string' || !resourceNamePattern.test(name)) {
    refuse(
      `${what} name ${shown(name)} is not a Compute Engine name: lowercase letters, digits and hyphens, starting with a letter, at most 63`,
    );
  }
  return name;
}

function parseEndpoint(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    refuse(`apiEndpoint ${shown(value)} is not a URL: expected one such as https://compute.googleapis.com`);
  }
  const loopback = loopbackHosts.includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    refuse(`apiEndpoint ${shown(value)} must use https (plain http is allowed only on loopback)`);
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    refuse(`apiEndpoint ${shown(value)} must be a scheme, host and optional port, with no path, query or user`);
  }
  return url.origin;
}

export function parseGcpSettings(settings: Record<string, unknown>): GcpSettings {
  const unknown = Object.keys(settings).filter((key) => !allowedFields.includes(key));
  if (unknown.length > 0) refuse(`unknown setting ${shown(unknown.join(', '))}: allowed are ${allowedFields.join(', ')}`);
  const { project, zones, keyFile, apiEndpoint } = settings;
  if (project === undefined) refuse('project is missing: give the project id, such as my-project-123');
  if (typeof project !== 'string' || !projectPattern.test(project)) {
    refuse(`project ${shown(project)} is not a project id: 6 to 30 lowercase letters, digits or hyphens, starting with a letter`);
  }
  const parsed: GcpSettings = { project };
  if (zones !== undefined) {
    if (!Array.isArray(zones) || zones.length === 0) refuse('zones must be a non-empty list of zone names such as ["europe-west1-b"]');
    parsed.zones = zones.map((zone, index) => checkZone(zone, `zones[${index}]`));
  }
  if (keyFile !== undefined) {
    if (typeof keyFile !== 'string' || !isAbsolute(keyFile) || keyFile.includes('\0')) {
      refuse(`keyFile ${shown(keyFile)} must be an absolute path to a credentials JSON file`);
    }
    const file = statSync(keyFile, { throwIfNoEntry: false });
    if (!file?.isFile()) refuse(`keyFile ${shown(keyFile)} is not a file`);
    parsed.keyFile = keyFile;
  }
  if (apiEndpoint !== undefined) parsed.apiEndpoint = parseEndpoint(apiEndpoint);
  return parsed;
}

/** The endpoint options of @google-cloud/compute (REST mode) for a parsed apiEndpoint. */
export function endpointOptions(apiEndpoint: string): { apiEndpoint: string; port: number; protocol: 'http' | 'https' } {
  const url = new URL(apiEndpoint);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { apiEndpoint: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}
