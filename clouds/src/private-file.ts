// Files only their owner may read (the accounts list, the secrets and their key): folders made
// 0700, files written whole to a temporary name and renamed, so a crash never leaves half a file.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const privateFileMode = 0o600;

/** Writes `content` to `path` with mode 0600, atomically: readers see the old file or the new one. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx': a temporary name that somehow exists is never followed or reused.
  const handle = await open(temporary, 'wx', privateFileMode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
