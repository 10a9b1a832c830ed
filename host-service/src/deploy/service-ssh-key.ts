// The host service's own SSH key: one ed25519 pair per data directory, put into every guest's
// seed so the service can check readiness and run provisioning without any user key.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';

export interface ServiceSshKey {
  privateKeyPath: string;
  privateKey: string;
  /** One OpenSSH public key line. */
  publicKey: string;
}

/** Reads the key of this data directory, making it (0600) on first use. */
export async function loadServiceSshKey(dataDirectory: string): Promise<ServiceSshKey> {
  const directory = join(dataDirectory, 'ssh');
  const privateKeyPath = join(directory, 'id_ed25519');
  const publicKeyPath = `${privateKeyPath}.pub`;
  const existing = await Promise.all([readFile(privateKeyPath, 'utf8'), readFile(publicKeyPath, 'utf8')]).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing) {
    // A key others can read is a key others may use: tighten it rather than trust it blindly.
    await chmod(privateKeyPath, 0o600);
    return { privateKeyPath, privateKey: existing[0], publicKey: existing[1].trim() };
  }
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const pair = utils.generateKeyPairSync('ed25519', { comment: `vlm-host@${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}` });
  // Public first, then the private key renamed into place: a crash never leaves a private key without its public half.
  await writeFile(publicKeyPath, `${pair.public.trim()}\n`, { mode: 0o644 });
  const partial = `${privateKeyPath}.${process.pid}.partial`;
  await writeFile(partial, pair.private, { mode: 0o600 });
  await rename(partial, privateKeyPath);
  return { privateKeyPath, privateKey: pair.private, publicKey: pair.public.trim() };
}
