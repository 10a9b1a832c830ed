// Checksum lists as distributions publish them next to their images: GNU coreutils style
// ("<hex>  <file>", "<hex> *<file>" for binary mode) as in SHA256SUMS / SHA512SUMS, and BSD style
// ("SHA256 (<file>) = <hex>"). The algorithm follows from the digest's length.

export type ChecksumAlgorithm = 'sha256' | 'sha512';

export interface ChecksumEntry {
  algorithm: ChecksumAlgorithm;
  /** Lowercase hex. */
  digest: string;
  file: string;
}

const algorithmByLength: Record<number, ChecksumAlgorithm> = { 64: 'sha256', 128: 'sha512' };

export function parseChecksumList(text: string): ChecksumEntry[] {
  const entries: ChecksumEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const gnu = /^([0-9A-Fa-f]+) [ *]?(.+)$/.exec(line);
    const bsd = /^(SHA256|SHA512) \((.+)\) = ([0-9A-Fa-f]+)$/.exec(line);
    const [digest, file] = gnu ? [gnu[1], gnu[2]] : bsd ? [bsd[3], bsd[2]] : [undefined, undefined];
    if (digest === undefined || file === undefined) continue;
    const algorithm = algorithmByLength[digest.length];
    if (!algorithm) continue;
    if (bsd && bsd[1]?.toLowerCase() !== algorithm) continue;
    // Some lists name files with a leading "./".
    entries.push({ algorithm, digest: digest.toLowerCase(), file: file.replace(/^\.\//, '') });
  }
  return entries;
}

/** The entry for `file`; a clear error when the list does not name it. */
export function findChecksum(entries: ChecksumEntry[], file: string, listAddress: string): ChecksumEntry {
  const matches = entries.filter((entry) => entry.file === file);
  if (matches.length === 0) {
    throw new Error(
      `The checksum list ${listAddress} has no entry for ${file} (it lists ${entries.length} file${entries.length === 1 ? '' : 's'}).`,
    );
  }
  // The strongest digest when a list carries several.
  return matches.find((entry) => entry.algorithm === 'sha512') ?? (matches[0] as ChecksumEntry);
}
