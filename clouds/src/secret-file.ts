// The CLI's secrets at rest: each value sealed with AES-256-GCM under its own random IV, bound to
// its account and name (so values cannot be swapped between entries), beside a key check that
// tells "another key" from "altered file". Names are readable; values never leave this module
// except to the provider that asked. Errors name files, accounts and keys, never a value.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { accountIdPattern, isPlainObject } from './account-check.js';
import type { SecretSource } from './cloud-provider.js';
import { privateFileMode, writePrivateFile } from './private-file.js';

export const secretKeyPattern = /^[A-Za-z][A-Za-z0-9._-]{0,62}$/;
const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
const maximumFileBytes = 4 * 1024 * 1024;
const maximumValueBytes = 64 * 1024;
const keyCheckText = 'vlm secrets key check';
const fileFormat = 'vlm-secrets';

interface Sealed {
  iv: string;
  data: string;
  tag: string;
}

interface SecretsDocument {
  format: typeof fileFormat;
  version: 1;
  cipher: 'aes-256-gcm';
  keyCheck?: Sealed;
  secrets: Record<string, Record<string, Sealed>>;
}

/** A refused secrets file or key: names the file (or variable), never a secret. */
export class SecretFileError extends Error {
  override readonly name = 'SecretFileError';
  describe(): string {
    return this.message;
  }
}

export interface SecretFileLocations {
  /** `$VLM_SECRETS_FILE`, else `~/.config/vlm/secrets.json`. */
  path: string;
  /** `$VLM_SECRETS_KEY_FILE`, else `~/.config/vlm/secrets.key`; unused when `$VLM_SECRETS_KEY` is set. */
  keyPath: string;
  /** `$VLM_SECRETS_KEY`: the key as base64, instead of the key file. */
  keyFromEnvironment?: string;
}

export function secretFileLocations(environment: NodeJS.ProcessEnv = process.env): SecretFileLocations {
  const folder = join(homedir(), '.config', 'vlm');
  return {
    path: environment.VLM_SECRETS_FILE || join(folder, 'secrets.json'),
    keyPath: environment.VLM_SECRETS_KEY_FILE || join(folder, 'secrets.key'),
    ...(environment.VLM_SECRETS_KEY ? { keyFromEnvironment: environment.VLM_SECRETS_KEY } : {}),
  };
}

/** 32 bytes in standard base64: 43 characters and one '='. */
function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) {
    throw new SecretFileError(
      `${source} does not hold an AES-256 key: it must be ${keyBytes} bytes in base64 (44 characters, as 'openssl rand -base64 32' prints).`,
    );
  }
  return Buffer.from(trimmed, 'base64');
}

async function readKeyFile(keyPath: string): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(keyPath, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SecretFileError(`the secrets key file ${keyPath} cannot be read: ${(error as Error).message}.`);
  }
  try {
    const status = await handle.stat();
    if (!status.isFile()) throw new SecretFileError(`the secrets key file ${keyPath} is not a regular file.`);
    const mode = status.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SecretFileError(
        `the secrets key file ${keyPath} has mode ${mode.toString(8).padStart(4, '0')}: group and others may read it, so it is refused. Run 'chmod 600 ${keyPath}' if no one else has read it; otherwise the secrets are exposed and should be changed at the provider.`,
      );
    }
    return decodeKey(await handle.readFile('utf8'), `the secrets key file ${keyPath}`);
  } finally {
    await handle.close();
  }
}

/** Makes a new random key file (0600, in a 0700 folder); if another process made one first, reads that. */
async function createKeyFile(keyPath: string): Promise<Buffer> {
  await mkdir(dirname(keyPath), { recursive: true, mode: 0o700 });
  const key = randomBytes(keyBytes);
  try {
    const handle = await open(keyPath, 'wx', privateFileMode);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const existing = await readKeyFile(keyPath);
    if (existing === undefined) throw error;
    return existing;
  }
}

function additionalData(accountId: string, key: string): Buffer {
  return Buffer.from(`vlm-secret\u0000${accountId}\u0000${key}`, 'utf8');
}

function seal(key: Buffer, plaintext: string, aad: Buffer): Sealed {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** The plaintext, or undefined when the tag does not match (another key, or altered bytes). */
function unseal(key: Buffer, sealed: Sealed, aad: Buffer): string | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'), { authTagLength: tagBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function isSealed(value: unknown): value is Sealed {
  if (!isPlainObject(value) || Object.keys(value).length !== 3) return false;
  const { iv, data, tag } = value;
  const decodedLength = (text: unknown) => (typeof text === 'string' && base64Pattern.test(text) ? Buffer.from(text, 'base64').length : -1);
  return decodedLength(iv) === ivBytes && decodedLength(tag) === tagBytes && decodedLength(data) >= 0;
}

/** Checks the document's shape; `damaged(where)` builds the error naming the file. */
function parseDocument(document: unknown, damaged: (where: string) => SecretFileError): SecretsDocument {
  if (!isPlainObject(document) || document.format !== fileFormat || document.version !== 1 || document.cipher !== 'aes-256-gcm') {
    throw damaged('its header (format vlm-secrets, version 1, cipher aes-256-gcm)');
  }
  if (document.keyCheck !== undefined && !isSealed(document.keyCheck)) throw damaged('its key check');
  if (!isPlainObject(document.secrets)) throw damaged('its secrets');
  for (const [accountId, entries] of Object.entries(document.secrets)) {
    if (!accountIdPattern.test(accountId) || !isPlainObject(entries)) throw damaged('an account entry');
    for (const [name, sealed] of Object.entries(entries)) {
      if (!secretKeyPattern.test(name) || !isSealed(sealed)) throw damaged(`the entry of account ${accountId}`);
    }
  }
  if (Object.keys(document.secrets).length > 0 && document.keyCheck === undefined) throw damaged('its key check');
  return document as unknown as SecretsDocument;
}

function emptyDocument(): SecretsDocument {
  return { format: fileFormat, version: 1, cipher: 'aes-256-gcm', secrets: {} };
}

export class SecretFile implements SecretSource {
  private key: Buffer | undefined;

  constructor(readonly locations: SecretFileLocations = secretFileLocations()) {}

  private get keySource(): string {
    return this.locations.keyFromEnvironment !== undefined ? 'VLM_SECRETS_KEY' : `the key file ${this.locations.keyPath}`;
  }

  private async read(): Promise<SecretsDocument> {
    const { path } = this.locations;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyDocument();
      throw new SecretFileError(`the secrets file ${path} cannot be read: ${(error as Error).message}.`);
    }
    const damaged = (where: string) =>
      new SecretFileError(
        `the secrets file ${path} is damaged (${where}): it was not written by vlm, or was altered. Move it away and set the secrets again.`,
      );
    if (Buffer.byteLength(text) > maximumFileBytes) throw damaged(`larger than ${maximumFileBytes} bytes`);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw damaged('not JSON');
    }
    return parseDocument(document, damaged);
  }

  /** The key, checked against the file's key check; made (0600) only when `create` and the file has none. */
  private async keyFor(document: SecretsDocument, create: boolean): Promise<Buffer> {
    if (this.key === undefined) {
      const { keyFromEnvironment, keyPath, path } = this.locations;
      let key = keyFromEnvironment !== undefined ? decodeKey(keyFromEnvironment, 'VLM_SECRETS_KEY') : await readKeyFile(keyPath);
      if (key === undefined) {
        if (document.keyCheck !== undefined || !create) {
          throw new SecretFileError(
            `the secrets file ${path} needs its key, but the key file ${keyPath} does not exist. Restore it, or set VLM_SECRETS_KEY.`,
          );
        }
        key = await createKeyFile(keyPath);
      }
      this.key = key;
    }
    if (document.keyCheck !== undefined && unseal(this.key, document.keyCheck, Buffer.from(fileFormat)) !== keyCheckText) {
      throw new SecretFileError(
        `the secrets file ${this.locations.path} was encrypted with another key than ${this.keySource} (or its key check was altered): nothing in it can be read. Use the key it was written with, or move the file away and set the secrets again.`,
      );
    }
    return this.key;
  }

  /** The names of the secrets stored for an account (no key needed: names are not secret). */
  async keysOf(accountId: string): Promise<string[]> {
    const document = await this.read();
    return Object.hasOwn(document.secrets, accountId) ? Object.keys(document.secrets[accountId] ?? {}).sort() : [];
  }

  async get(accountId: string, key: string): Promise<string | undefined> {
    const document = await this.read();
    const entries = Object.hasOwn(document.secrets, accountId) ? document.secrets[accountId] : undefined;
    const sealed = entries !== undefined && Object.hasOwn(entries, key) ? entries[key] : undefined;
    if (sealed === undefined) return undefined;
    const value = unseal(await this.keyFor(document, false), sealed, additionalData(accountId, key));
    if (value === undefined) {
      throw new SecretFileError(
        `the secret ${key} of account ${accountId} in ${this.locations.path} failed its integrity check: the file was altered or damaged. Set it again with 'vlm cloud secret set ${accountId} ${key}'.`,
      );
    }
    return value;
  }

  async set(accountId: string, key: string, value: string): Promise<void> {
    if (!accountIdPattern.test(accountId)) throw new SecretFileError(`the account id is not valid: letters, digits, '.', '_' and '-'.`);
    if (!secretKeyPattern.test(key))
      throw new SecretFileError(`the secret name is not valid: a letter, then letters, digits, '.', '_' and '-'.`);
    if (value.length === 0) throw new SecretFileError(`the secret ${key} of account ${accountId} is empty; nothing was stored.`);
    if (Buffer.byteLength(value) > maximumValueBytes)
      throw new SecretFileError(`the secret ${key} is longer than ${maximumValueBytes} bytes.`);
    const document = await this.read();
    const sealingKey = await this.keyFor(document, true);
    document.keyCheck ??= seal(sealingKey, keyCheckText, Buffer.from(fileFormat));
    const entries = Object.hasOwn(document.secrets, accountId) ? (document.secrets[accountId] ?? {}) : {};
    entries[key] = seal(sealingKey, value, additionalData(accountId, key));
    document.secrets[accountId] = entries;
    await writePrivateFile(this.locations.path, `${JSON.stringify(document, null, 2)}\n`);
  }

  /** Removes one secret; false when there was none. Needs no key: removing is not reading. */
  async remove(accountId: string, key: string): Promise<boolean> {
    const document = await this.read();
    const entries = Object.hasOwn(document.secrets, accountId) ? document.secrets[accountId] : undefined;
    if (entries === undefined || !Object.hasOwn(entries, key)) return false;
    delete entries[key];
    if (Object.keys(entries).length === 0) delete document.secrets[accountId];
    await writePrivateFile(this.locations.path, `${JSON.stringify(document, null, 2)}\n`);
    return true;
  }
}
