// VNC passwords: one per VM with a VNC display, made when its domain is defined, kept in the data
// directory (vnc/<domain>, mode 0600 in a 0700 folder) and given to clients only through the host
// API (vlm/vms/vncCredentials). VNC's own authentication uses at most 8 characters of a password.
import { randomInt } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDataFolder } from '../state/data-directory-modes';
import { writeFileDurably } from '@vlm/storage/src/durable-file';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const vncPasswordLength = 8;
export const vncPasswordPattern = /^[A-Za-z0-9]{8}$/;
/** Domain names as lab resources are named: nothing that could leave the folder. */
const domainNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,199}$/;

/** 8 letters or digits, uniformly drawn: about 47 bits, the most VNC authentication can use. */
export function generateVncPassword(): string {
  let password = '';
  for (let index = 0; index < vncPasswordLength; index += 1) password += alphabet[randomInt(alphabet.length)];
  return password;
}

export class VncPasswords {
  constructor(private readonly dataDirectory: string) {}

  private path(domain: string): string {
    if (!domainNamePattern.test(domain) || domain.startsWith('.'))
      throw new Error(`Refusing to name a VNC password file after ${JSON.stringify(domain.slice(0, 100))}.`);
    return join(this.dataDirectory, 'vnc', domain);
  }

  /** A new password for `domain`, on disk before it is returned (and so before the domain is defined). */
  async create(domain: string): Promise<string> {
    const path = this.path(domain);
    await ensureDataFolder(this.dataDirectory, 'vnc');
    const password = generateVncPassword();
    await writeFileDurably(path, `${password}\n`);
    return password;
  }

  /** The password of `domain`; undefined when this host made none for it. */
  async read(domain: string): Promise<string | undefined> {
    const text = await readFile(this.path(domain), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const password = text?.trim();
    return password !== undefined && vncPasswordPattern.test(password) ? password : undefined;
  }

  async remove(domain: string): Promise<void> {
    await rm(this.path(domain), { force: true });
  }
}
