// SSH key pairs vlm-host puts into guests: one per lab (its VMs trust only that one), and the data
// directory's older shared service key, still used by labs deployed before per-lab keys.
//
// Keys are ed25519 from Node's own crypto: the 32 public bytes come from its DER encoding, and
// the OpenSSH public line and private key file are built here, so no byte can be dropped (ssh2's
// generator dropped leading zero bytes about once in 270 keys). Every key read from disk is
// checked; a malformed public half is rebuilt from the private key, and an unusable private key
// is replaced by a new pair, each with a log line.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isValidName } from '@vlm/schemas';
import { utils } from 'ssh2';
import type { ReadonlyHostState } from '../state/state-store';

export interface ServiceSshKey {
  privateKeyPath: string;
  /** The private key file's text (OpenSSH format). */
  privateKey: string;
  /** One OpenSSH public key line. */
  publicKey: string;
}

export interface KeyPairText {
  privateKey: string;
  publicKey: string;
}

const keyType = 'ssh-ed25519';

/** An SSH wire-format string: uint32 length, then the bytes. */
function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function publicBlob(publicBytes: Buffer): Buffer {
  return Buffer.concat([sshString(keyType), sshString(publicBytes)]);
}

function publicLine(publicBytes: Buffer, comment: string): string {
  return `${keyType} ${publicBlob(publicBytes).toString('base64')} ${comment}`;
}

/** The "openssh-key-v1" private key file (unencrypted), as ssh-keygen writes it. */
function openSshPrivateKey(seed: Buffer, publicBytes: Buffer, comment: string): string {
  const check = randomBytes(4);
  const body = [
    check,
    check,
    sshString(keyType),
    sshString(publicBytes),
    sshString(Buffer.concat([seed, publicBytes])),
    sshString(comment),
  ];
  // Padded with 1, 2, 3, ... to the cipher block size (8 for "none").
  const length = body.reduce((sum, part) => sum + part.length, 0);
  const padding = Buffer.from(Array.from({ length: (8 - (length % 8)) % 8 }, (_, index) => index + 1));
  const uint32 = Buffer.alloc(4);
  uint32.writeUInt32BE(1);
  const file = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32,
    sshString(publicBlob(publicBytes)),
    sshString(Buffer.concat([...body, padding])),
  ]);
  const lines = file.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

// The fixed DER prefixes of an ed25519 SubjectPublicKeyInfo and PKCS#8 key (RFC 8410): the 32 raw
// bytes follow them. DER straight from the generator: exporting a KeyObject as JWK can deadlock
// Node 20 when a garbage collection runs during the export.
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

function rawKeyBytes(der: Buffer, prefix: Buffer, what: string): Buffer {
  if (der.length !== prefix.length + 32 || !der.subarray(0, prefix.length).equals(prefix)) {
    throw new Error(`Node made an ed25519 ${what} of an unexpected form (${der.length} bytes of DER, not ${prefix.length + 32}).`);
  }
  return der.subarray(prefix.length);
}

/** A new ed25519 pair: the private key in OpenSSH format and its public line. */
export function generateSshKeyPair(comment: string): KeyPairText {
  const pair = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  const publicBytes = rawKeyBytes(pair.publicKey, spkiPrefix, 'public key');
  const seed = rawKeyBytes(pair.privateKey, pkcs8Prefix, 'private key');
  return { privateKey: openSshPrivateKey(seed, publicBytes, comment), publicKey: publicLine(publicBytes, comment) };
}

/** Why `line` is not one ed25519 OpenSSH public key line; undefined when it is. */
export function publicKeyProblem(line: string): string | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 2 || fields.length > 3 || line.includes('\n')) return 'it is not one line "ssh-ed25519 BASE64 [comment]"';
  if (fields[0] !== keyType) return `its type is ${JSON.stringify(fields[0]?.slice(0, 40))}, not ${keyType}`;
  const blob = Buffer.from(fields[1] ?? '', 'base64');
  if (blob.toString('base64') !== fields[1]) return 'its key is not valid base64';
  const expected = 4 + keyType.length + 4 + 32;
  if (blob.length !== expected) return `its key blob has ${blob.length} bytes, not ${expected} (a 32-byte ed25519 key)`;
  if (!blob.subarray(0, 4 + keyType.length).equals(sshString(keyType)) || blob.readUInt32BE(4 + keyType.length) !== 32) {
    return 'its key blob is not an ed25519 key of 32 bytes';
  }
  return undefined;
}

/** The public line for a private key file's text; undefined when it is no usable ed25519 key. */
function publicLineOf(privateKey: string, comment: string): string | undefined {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.type !== keyType || !parsed.isPrivateKey()) return undefined;
  const blob = parsed.getPublicSSH();
  if (blob.length !== 4 + keyType.length + 4 + 32) return undefined;
  return `${keyType} ${blob.toString('base64')} ${comment}`;
}

function defaultComment(): string {
  return `vlm-host@${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}`;
}

/** Writes the pair: public first, then the private key renamed into place (never half a key). */
async function writePair(privateKeyPath: string, pair: KeyPairText): Promise<void> {
  await writeFile(`${privateKeyPath}.pub`, `${pair.publicKey}\n`, { mode: 0o644 });
  const partial = `${privateKeyPath}.${process.pid}.partial`;
  await writeFile(partial, pair.privateKey, { mode: 0o600 });
  await rename(partial, privateKeyPath);
}

/**
 * The pair in `directory` (`id_ed25519` and `.pub`), made (0600, in a 0700 folder) on first use,
 * checked on every read: a bad public line is rebuilt from the private key, a bad private key is
 * replaced, each with a line through `log`.
 */
export async function loadSshKeyPair(
  directory: string,
  log: (line: string) => void = () => undefined,
  comment = defaultComment(),
): Promise<ServiceSshKey> {
  const privateKeyPath = join(directory, 'id_ed25519');
  const publicKeyPath = `${privateKeyPath}.pub`;
  const read = (path: string) =>
    readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  const [privateText, publicText] = await Promise.all([read(privateKeyPath), read(publicKeyPath)]);
  if (privateText !== undefined) {
    // A key others can read is a key others may use: tighten it rather than trust it blindly.
    await chmod(privateKeyPath, 0o600);
    const derived = publicLineOf(privateText, comment);
    if (derived !== undefined) {
      const stored = publicText?.trim() ?? '';
      const storedBlob = stored.split(/\s+/)[1];
      if (publicKeyProblem(stored) === undefined && storedBlob === derived.split(' ')[1])
        return { privateKeyPath, privateKey: privateText, publicKey: stored };
      const why = publicText === undefined ? 'is missing' : (publicKeyProblem(stored) ?? 'does not match the private key');
      log(
        `The SSH public key ${publicKeyPath} ${why === 'is missing' ? why : `is malformed (${why})`}: rebuilt it from the private key ${privateKeyPath}.`,
      );
      await writeFile(publicKeyPath, `${derived}\n`, { mode: 0o644 });
      return { privateKeyPath, privateKey: privateText, publicKey: derived };
    }
    log(
      `The SSH private key ${privateKeyPath} is not a usable ed25519 key: replaced it with a new pair. Guests that trusted the old key must be recreated.`,
    );
  }
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  const pair = generateSshKeyPair(comment);
  await writePair(privateKeyPath, pair);
  return { privateKeyPath, ...pair };
}

/** The data directory's shared service key (`ssh/id_ed25519`): only labs deployed before per-lab keys use it. */
export function loadServiceSshKey(dataDirectory: string, log?: (line: string) => void): Promise<ServiceSshKey> {
  return loadSshKeyPair(join(dataDirectory, 'ssh'), log);
}

/** Where a lab's own key pair lives: `ssh/labs/LAB/`. */
export function labKeyDirectory(dataDirectory: string, lab: string): string {
  if (!isValidName(lab)) throw new Error(`Refusing a key folder for the invalid lab name ${JSON.stringify(lab)}.`);
  return join(dataDirectory, 'ssh', 'labs', lab);
}

/** The lab's own key pair, made at its first apply. */
export async function loadLabSshKey(dataDirectory: string, lab: string, log?: (line: string) => void): Promise<ServiceSshKey> {
  return loadSshKeyPair(labKeyDirectory(dataDirectory, lab), log, `vlm-lab-${lab}@${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}`);
}

/** Removes the lab's key pair (when the lab is destroyed). */
export async function removeLabSshKey(dataDirectory: string, lab: string): Promise<void> {
  await rm(labKeyDirectory(dataDirectory, lab), { recursive: true, force: true });
}

/**
 * The key for SSH into a domain a lab recorded (by name, and uuid when recorded): that lab's own
 * key, or undefined for a lab deployed before per-lab keys or a domain no lab recorded.
 */
export function labKeyPathForDomain(
  dataDirectory: string,
  state: ReadonlyHostState,
  domain: { name: string; uuid: string },
): string | undefined {
  for (const lab of Object.values(state.labs)) {
    const owns = lab.resources.domains.some((item) => item.name === domain.name && (item.uuid === undefined || item.uuid === domain.uuid));
    if (owns) return lab.sshKey === 'lab' ? join(labKeyDirectory(dataDirectory, lab.name), 'id_ed25519') : undefined;
  }
  return undefined;
}
