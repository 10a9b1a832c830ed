// Reads a lab or catalog file, turning each way it can fail into a sentence a user can act on.
import { open, type FileHandle } from 'node:fs/promises';

/** Far above any real lab or catalog; stops `vlm validate /dev/zero` from eating the machine. */
export const maximumFileBytes = 64 * 1024 * 1024;

export type TextFileRead = { path: string; text: string } | { path: string; problem: string };

const directoryReason = 'it is a directory, not a file';

const reasonsByCode: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: directoryReason,
  ENOTDIR: 'a folder in the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
};

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && reasonsByCode[code]) return reasonsByCode[code];
  return error instanceof Error ? error.message : String(error);
}

/** Decodes like an editor does: a UTF-8 or UTF-16 byte order mark picks the encoding and is dropped. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

async function readCapped(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > maximumFileBytes) return undefined;
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

const tooLarge = `it is larger than ${maximumFileBytes / (1024 * 1024)} MiB, far beyond any lab or catalog file`;

export async function readTextFile(path: string, standardInput: AsyncIterable<Uint8Array>): Promise<TextFileRead> {
  if (path === '-') {
    const bytes = await readCapped(standardInput);
    return bytes ? { path, text: decodeText(bytes) } : { path, problem: tooLarge };
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    return { path, problem: reasonOf(error) };
  }
  try {
    const status = await handle.stat();
    if (status.isDirectory()) return { path, problem: directoryReason };
    if (status.isFile() && status.size > maximumFileBytes) return { path, problem: tooLarge };
    // Pipes and devices (`<(generate-lab)`, /dev/stdin) have no size up front: read with a cap.
    const bytes = await readCapped(handle.createReadStream({ autoClose: false }));
    return bytes ? { path, text: decodeText(bytes) } : { path, problem: tooLarge };
  } catch (error) {
    return { path, problem: reasonOf(error) };
  } finally {
    await handle.close();
  }
}
