// SSH host keys pinned on first connect, per VM (by libvirt uuid, so a redeployed VM with a new
// uuid gets a new pin). Kept in one JSON file in the data directory, written atomically.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface PinnedHostKey {
  vm: string;
  /** "SHA256:" and the base64 digest of the key blob, as OpenSSH prints fingerprints. */
  fingerprint: string;
  pinnedAt: string;
}

export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export class SshHostKeys {
  private pins: Record<string, PinnedHostKey> | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  private async load(): Promise<Record<string, PinnedHostKey>> {
    if (this.pins) return this.pins;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      this.pins = parsed as Record<string, PinnedHostKey>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`The pinned SSH host keys in ${this.path} cannot be read: ${(error as Error).message}`);
      this.pins = {};
    }
    return this.pins;
  }

  async get(uuid: string): Promise<PinnedHostKey | undefined> {
    return (await this.load())[uuid];
  }

  /** Records the first key seen for a VM; the file write finishes before this resolves. */
  async pin(uuid: string, key: PinnedHostKey): Promise<void> {
    const pins = await this.load();
    pins[uuid] = key;
    const text = `${JSON.stringify(pins, null, 2)}\n`;
    this.saving = this.saving.then(async () => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, this.path);
    });
    await this.saving;
  }
}
