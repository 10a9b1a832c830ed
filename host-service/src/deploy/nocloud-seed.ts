// Builds cloud-init NoCloud seeds: an ISO9660 disk labelled "cidata" holding meta-data,
// user-data and optionally network-config. Real cloud images and vlm-tiny both read their
// hostname and SSH keys from it. Every value is validated before it is written, and
// genisoimage is run with an argument list, never through a shell.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';

/** Network settings of one guest NIC, written as a netplan version 2 "ethernets" entry. */
export interface SeedInterface {
  /** Interface name in the guest (eth1), used as the entry's id. */
  name: string;
  /** Matches the NIC by MAC address instead of by name when given. */
  macAddress?: string;
  /** IPv4 addresses with prefix length (10.0.0.5/24). vlm-tiny applies the first one. */
  addresses?: readonly string[];
  gateway4?: string;
  dhcp4?: boolean;
}

export interface NoCloudSeedOptions {
  /** Changes whenever the machine is redeployed; cloud-init reruns its first-boot work then. */
  instanceId: string;
  /** The guest's hostname: one DNS label. */
  hostname: string;
  /** OpenSSH public key lines ("ssh-ed25519 AAAA... comment") for the default user. */
  sshAuthorizedKeys: readonly string[];
  interfaces?: readonly SeedInterface[];
  /**
   * The user-data to write instead of the one made from hostname and keys (a caller merging the
   * user's own cloud-config puts them in itself): starts with "#cloud-config" or "#!".
   */
  userData?: string;
}

export class SeedError extends Error {
  override name = 'SeedError';
}

const dnsLabel = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const keyTypes = [
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];
const interfaceNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const macAddressPattern = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;

/** True for one DNS label: letters, digits and inner hyphens, at most 63 characters. */
export function isValidHostname(name: string): boolean {
  return dnsLabel.test(name);
}

/**
 * True for one OpenSSH public key line: a known key type, base64 data whose embedded type
 * matches it, and an optional comment of printable characters. Key options are not accepted.
 */
export function isValidSshPublicKey(line: string): boolean {
  const match = /^(\S+) ([A-Za-z0-9+/]+={0,3})(?: ([\x21-\x7e][\x20-\x7e]*))?$/.exec(line);
  if (!match) return false;
  const [, type, data] = match;
  if (type === undefined || data === undefined || !keyTypes.includes(type)) return false;
  // The blob is a run of SSH strings (4-byte length, then the bytes) that fills it exactly,
  // the first being the key type; a cut or padded key fails here.
  const blob = Buffer.from(data, 'base64');
  if (blob.toString('base64') !== data) return false;
  const fields: Buffer[] = [];
  for (let offset = 0; offset < blob.length; ) {
    if (offset + 4 > blob.length) return false;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return false;
    fields.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  const [keyType, keyBytes] = fields;
  if (keyType === undefined || keyBytes === undefined || keyType.toString('latin1') !== type) return false;
  return type !== 'ssh-ed25519' || (fields.length === 2 && keyBytes.length === 32);
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^(?:0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

function isIpv4WithPrefix(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  return (
    rest.length === 0 && address !== undefined && isIpv4(address) && prefix !== undefined && /^(?:[0-9]|[12][0-9]|3[0-2])$/.test(prefix)
  );
}

/** Throws a SeedError naming the first invalid value. */
export function validateSeedOptions(options: NoCloudSeedOptions): void {
  if (!instanceIdPattern.test(options.instanceId)) {
    throw new SeedError(`instance id ${JSON.stringify(options.instanceId)}: use letters, digits, '.', '_' and '-' (at most 128)`);
  }
  if (!isValidHostname(options.hostname)) {
    throw new SeedError(`hostname ${JSON.stringify(options.hostname)} is not a DNS label (letters, digits, inner '-', at most 63)`);
  }
  options.sshAuthorizedKeys.forEach((key, index) => {
    if (!isValidSshPublicKey(key)) {
      throw new SeedError(`SSH key ${index + 1} is not one OpenSSH public key line ("ssh-ed25519 AAAA... comment")`);
    }
  });
  if (options.userData !== undefined) {
    if (!/^(#cloud-config|#!)/.test(options.userData)) throw new SeedError('user-data must start with "#cloud-config" or "#!"');
    if (options.userData.includes('\0') || Buffer.byteLength(options.userData) > 1024 * 1024)
      throw new SeedError('user-data must be text of at most 1 MiB');
  }
  const seen = new Set<string>();
  for (const entry of options.interfaces ?? []) {
    const label = JSON.stringify(entry.name);
    if (!interfaceNamePattern.test(entry.name))
      throw new SeedError(`interface name ${label} is not valid (at most 15 letters, digits, '_', '.', '-')`);
    if (seen.has(entry.name)) throw new SeedError(`interface ${label} is given twice`);
    seen.add(entry.name);
    if (entry.macAddress !== undefined && !macAddressPattern.test(entry.macAddress))
      throw new SeedError(`interface ${label}: MAC address ${JSON.stringify(entry.macAddress)} is not valid`);
    for (const address of entry.addresses ?? []) {
      if (!isIpv4WithPrefix(address))
        throw new SeedError(`interface ${label}: address ${JSON.stringify(address)} is not IPv4 with a prefix length (10.0.0.5/24)`);
    }
    if (entry.gateway4 !== undefined && !isIpv4(entry.gateway4))
      throw new SeedError(`interface ${label}: gateway ${JSON.stringify(entry.gateway4)} is not an IPv4 address`);
  }
}

// A JSON string is a YAML double-quoted scalar. Validated values are printable ASCII, so its
// only escapes are \" and \\, which simple readers (like vlm-tiny's) undo.
const quote = (value: string): string => JSON.stringify(value);

export function renderMetaData(options: NoCloudSeedOptions): string {
  validateSeedOptions(options);
  return `instance-id: ${quote(options.instanceId)}\nlocal-hostname: ${quote(options.hostname)}\n`;
}

export function renderUserData(options: NoCloudSeedOptions): string {
  validateSeedOptions(options);
  if (options.userData !== undefined) return options.userData;
  const lines = ['#cloud-config', `hostname: ${quote(options.hostname)}`];
  if (options.sshAuthorizedKeys.length > 0) {
    lines.push('ssh_authorized_keys:', ...options.sshAuthorizedKeys.map((key) => `  - ${quote(key)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** netplan version 2, or undefined when no interface is configured. */
export function renderNetworkConfig(options: NoCloudSeedOptions): string | undefined {
  validateSeedOptions(options);
  const interfaces = options.interfaces ?? [];
  if (interfaces.length === 0) return undefined;
  const lines = ['version: 2', 'ethernets:'];
  for (const entry of interfaces) {
    lines.push(`  ${entry.name}:`);
    if (entry.macAddress !== undefined) lines.push('    match:', `      macaddress: ${quote(entry.macAddress.toLowerCase())}`);
    lines.push(`    dhcp4: ${entry.dhcp4 === true ? 'true' : 'false'}`);
    if (entry.addresses !== undefined && entry.addresses.length > 0) {
      lines.push('    addresses:', ...entry.addresses.map((address) => `      - ${quote(address)}`));
    }
    if (entry.gateway4 !== undefined) lines.push(`    gateway4: ${quote(entry.gateway4)}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface WriteSeedOptions {
  /** genisoimage program; found on PATH by default. */
  genisoimage?: string;
}

function run(program: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      errors += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new SeedError(`${program} not found: install it as root with "apt-get install -y --no-install-recommends genisoimage"`)
          : error,
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new SeedError(`${program} failed (exit ${code}): ${errors.trim()}`));
    });
  });
}

/**
 * Writes the seed ISO to outputPath (an absolute path), readable by its owner only (mode 0600).
 * The ISO is made under a temporary name beside it and renamed, so readers never see half a seed.
 */
export async function writeNoCloudSeed(outputPath: string, options: NoCloudSeedOptions, write: WriteSeedOptions = {}): Promise<void> {
  if (!isAbsolute(outputPath) || outputPath.includes('\0')) {
    throw new SeedError(`seed path ${JSON.stringify(outputPath)} must be an absolute path`);
  }
  validateSeedOptions(options);
  const staging = await mkdtemp(join(tmpdir(), 'vlm-seed-'));
  const partial = join(dirname(outputPath), `.${basename(outputPath)}.${process.pid}.partial`);
  try {
    const metaData = join(staging, 'meta-data');
    const userData = join(staging, 'user-data');
    const files = [metaData, userData];
    await writeFile(metaData, renderMetaData(options));
    await writeFile(userData, renderUserData(options));
    const networkConfig = renderNetworkConfig(options);
    if (networkConfig !== undefined) {
      const networkConfigFile = join(staging, 'network-config');
      files.push(networkConfigFile);
      await writeFile(networkConfigFile, networkConfig);
    }
    // User data may hold passwords: the file exists as 0600 before genisoimage fills it.
    await (await open(partial, 'w', 0o600)).close();
    await chmod(partial, 0o600);
    // Rock Ridge and Joliet keep the names exact (plain ISO9660 would upper-case them).
    await run(write.genisoimage ?? 'genisoimage', ['-quiet', '-output', partial, '-volid', 'cidata', '-joliet', '-rock', '--', ...files]);
    await rename(partial, outputPath);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}
