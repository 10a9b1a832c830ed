// Fetches a lab file for `vlm lab import URL`: http or https only, a deadline, a size cap, and
// redirects followed by hand so none can lead to another scheme (file:, data:, ftp:).
import { defaultInputLimits } from '@vlm/language-server/src/input-guards';

/** Larger than this the language service refuses anyway; the download stops there. */
export const maximumLabBytes = defaultInputLimits.maxDocumentBytes;
export const downloadTimeoutMs = 30_000;
const maximumRedirects = 5;

export class LabDownloadError extends Error {
  override name = 'LabDownloadError';
}

/** True when `source` starts with a scheme (`https:`, `file:`...): a URL, checked as one. `./a:b` is a file. */
export function looksLikeUrl(source: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(source);
}

function checkedUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new LabDownloadError(`${JSON.stringify(text)} is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LabDownloadError(`${base ? 'a redirect to ' : ''}${url.protocol} URLs are not allowed: only https: and http: are`);
  }
  if (url.username !== '' || url.password !== '') throw new LabDownloadError('URLs with a user name or password are not allowed');
  return url;
}

async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw new LabDownloadError(`the file is ${declared} bytes, more than the ${limit} a lab file may have`);
  const reader = response.body?.getReader();
  if (!reader) return '';
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new LabDownloadError(`the file is more than the ${limit} bytes a lab file may have`);
    }
    parts.push(value);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(parts, total));
}

export interface DownloadOptions {
  timeoutMs?: number;
  maximumBytes?: number;
}

/** The text at `source`; every way it can fail is a LabDownloadError with the reason. */
export async function downloadLab(source: string, options: DownloadOptions = {}): Promise<string> {
  const limit = options.maximumBytes ?? maximumLabBytes;
  const timeoutMs = options.timeoutMs ?? downloadTimeoutMs;
  const signal = AbortSignal.timeout(timeoutMs);
  let url = checkedUrl(source);
  try {
    for (let redirects = 0; ; redirects += 1) {
      const response = await fetch(url, {
        redirect: 'manual',
        signal,
        headers: { accept: 'application/yaml, text/yaml, text/plain, */*' },
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (location === null) throw new LabDownloadError(`${url.href} answered ${response.status} without a Location`);
        if (redirects >= maximumRedirects) throw new LabDownloadError(`more than ${maximumRedirects} redirects`);
        url = checkedUrl(location, url);
        continue;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new LabDownloadError(`${url.href} answered ${response.status} ${response.statusText}`.trim());
      }
      return await readCapped(response, limit);
    }
  } catch (error) {
    if (error instanceof LabDownloadError) throw error;
    if (signal.aborted) throw new LabDownloadError(`no complete answer within ${timeoutMs / 1000} s`);
    if (error instanceof TypeError && /decode|encoded/i.test(error.message)) throw new LabDownloadError('the file is not UTF-8 text');
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new LabDownloadError(`cannot fetch ${url.href}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
}
