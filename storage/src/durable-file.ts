// Crash-safe file replacement: after `writeFileDurably` resolves, the file holds the new contents
// even if the machine loses power; before, it holds the old contents, never a mix.
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let temporaryCounter = 0;

function temporaryPrefix(path: string): string {
  return `.${basename(path)}.`;
}

/** Writes to a temporary file beside `path`, fsyncs it, renames it over `path`, fsyncs the directory. */
export async function writeFileDurably(path: string, contents: string | Uint8Array): Promise<void> {
  const directory = dirname(path);
  temporaryCounter += 1;
  const temporary = join(directory, `${temporaryPrefix(path)}${process.pid}.${temporaryCounter}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

/** The rename is only durable once the directory entry itself is on disk. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temporary files a killed writer left beside `path`; call only while holding the data directory lock. */
export async function removeLeftoverTemporaryFiles(path: string): Promise<string[]> {
  const prefix = temporaryPrefix(path);
  const removed: string[] = [];
  for (const entry of await readdir(dirname(path))) {
    if (entry.startsWith(prefix) && entry.endsWith('.tmp')) {
      await unlink(join(dirname(path), entry)).catch(() => undefined);
      removed.push(entry);
    }
  }
  return removed;
}
