// Downloads one image file: the checksum list first, then the file streamed to a partial file
// while it is hashed, then the digest compared. Only a verified file is moved into place; a
// partial or mismatching file is always removed.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { findChecksum, parseChecksumList, type ChecksumEntry } from './checksum-list';

export interface DownloadProgress {
  receivedBytes: number;
  /** From Content-Length; undefined when the server did not say. */
  totalBytes: number | undefined;
}

export interface DownloadRequest {
  url: string;
  checksumUrl: string;
  /** Folder the file goes to (exists already). */
  folder: string;
  /** Name of the verified file in `folder`. */
  fileName: string;
  signal: AbortSignal;
  onProgress: (progress: DownloadProgress) => void;
}

export interface DownloadedFile {
  path: string;
  bytes: number;
  checksum: ChecksumEntry;
}

export class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError';
}

const maximumChecksumListBytes = 1024 * 1024;
const progressIntervalMs = 200;

const isLoopback = (hostname: string): boolean =>
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === '[::1]' || hostname === 'localhost';

/** An address the host may fetch: https anywhere, plain http only on loopback (nothing to intercept). */
export function checkDownloadAddress(address: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`The ${what} ${JSON.stringify(address)} is not a valid URL.`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  if (url.protocol === 'http:')
    throw new Error(
      `The ${what} ${address} uses plain http to another machine; only https is accepted there, so the image and its checksums cannot be swapped on the way.`,
    );
  throw new Error(`The ${what} ${address} is not an https address.`);
}

async function fetchChecked(address: string, what: string, signal: AbortSignal): Promise<Response> {
  const response = await fetch(checkDownloadAddress(address, what), { signal, redirect: 'follow' });
  // A redirect must not lead somewhere the first address would not have been allowed.
  if (response.url && response.url !== address) checkDownloadAddress(response.url, `${what} (after a redirect)`);
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`Fetching the ${what} ${address} failed: HTTP ${response.status} ${response.statusText}.`);
  }
  return response;
}

async function readChecksumList(address: string, signal: AbortSignal): Promise<string> {
  const response = await fetchChecked(address, 'checksum list', signal);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maximumChecksumListBytes)
      throw new Error(`The checksum list ${address} is larger than ${maximumChecksumListBytes} bytes; that is not a checksum list.`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The file name the checksum list knows the image by: the last part of its address. */
export function fileNameInAddress(address: string): string {
  const path = new URL(address).pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

/** Files a download writes before it is complete: `.NAME.RANDOM.part`, and `.manifest.RANDOM.json` (image-store). */
const unfinishedFilePattern = /^\.(?:[A-Za-z0-9._-]+\.[0-9a-f]{12}\.part|manifest\.[0-9a-f]{12}\.json)$/;

/** Whether `fileName` is one a download writes before it is complete; a killed service leaves them. */
export function isUnfinishedDownload(fileName: string): boolean {
  return unfinishedFilePattern.test(fileName);
}

export async function downloadImageFile(request: DownloadRequest): Promise<DownloadedFile> {
  const listText = await readChecksumList(request.checksumUrl, request.signal);
  const checksum = findChecksum(parseChecksumList(listText), fileNameInAddress(request.url), request.checksumUrl);

  const partial = join(request.folder, `.${request.fileName}.${randomBytes(6).toString('hex')}.part`);
  const target = join(request.folder, request.fileName);
  try {
    const response = await fetchChecked(request.url, 'image', request.signal);
    const length = Number(response.headers.get('content-length'));
    const totalBytes = Number.isFinite(length) && length > 0 ? length : undefined;
    const hash = createHash(checksum.algorithm);
    let receivedBytes = 0;
    let lastReport = 0;
    // At most one report per interval; the last bytes of a burst are reported when it is over.
    let pendingReport: NodeJS.Timeout | undefined;
    const reportNow = () => {
      pendingReport = undefined;
      lastReport = Date.now();
      request.onProgress({ receivedBytes, totalBytes });
    };
    reportNow();
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        receivedBytes += chunk.byteLength;
        const wait = lastReport + progressIntervalMs - Date.now();
        if (wait <= 0) reportNow();
        else pendingReport ??= setTimeout(reportNow, wait);
        done(null, chunk);
      },
    });
    // QEMU (another user) reads the image through the images folder: world-readable.
    try {
      await pipeline(
        Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
        measure,
        createWriteStream(partial, { mode: 0o644, flags: 'wx' }),
        {
          signal: request.signal,
        },
      );
    } finally {
      clearTimeout(pendingReport);
    }
    reportNow();
    const digest = hash.digest('hex');
    if (digest !== checksum.digest) {
      throw new ChecksumMismatchError(
        `The download of ${request.url} does not match its checksum: ${checksum.algorithm} expected ${checksum.digest} (from ${request.checksumUrl}), got ${digest}. The downloaded file was removed.`,
      );
    }
    await rename(partial, target);
    return { path: target, bytes: receivedBytes, checksum };
  } finally {
    await rm(partial, { force: true });
  }
}
