// Which URLs the catalog keeps, opens and checks: http and https only, with a host, no user name
// or password, no control characters. A URL reaches the browser and the health check, so it is
// checked here once, by the panel before sending, by the extension before saving, opening or
// checking. Problems never repeat the URL: it may hold a password.

export const maxUrlLength = 2048;

/** Why `text` is not a URL the catalog keeps, or undefined. */
export function toolUrlProblem(text: string): string | undefined {
  if (text.length === 0) return 'give one, such as https://grafana.example.com';
  if (text.length > maxUrlLength) return `it has ${text.length} characters; at most ${maxUrlLength} are allowed`;
  // Checked before parsing: the URL parser silently drops tabs and line breaks.
  const control = [...text].findIndex((character) => character <= ' ' || (character >= '\u007f' && character <= '\u009f'));
  if (control >= 0) {
    const kind = text[control] === ' ' ? 'a space (write it as %20)' : 'a control character such as a line break or tab';
    return `it contains ${kind} at position ${control + 1}`;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'it must start with http:// or https://';
  if (scheme !== 'http' && scheme !== 'https') return `${scheme}: links are not allowed; only http:// and https://`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'it is not a valid URL';
  }
  if (!/^https?:\/\//i.test(text) || url.hostname === '') return 'it has no host after http:// or https://';
  if (url.username !== '' || url.password !== '')
    return 'it must not hold a user name or password (user:password@); keep secrets out of the catalog';
  return undefined;
}

/** The URL as it is stored and opened: parsed and written back (lower-case scheme and host). */
export function normalizedToolUrl(text: string): string {
  return new URL(text).href;
}
