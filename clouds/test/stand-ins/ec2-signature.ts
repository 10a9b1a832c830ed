// Checks an AWS request's Signature Version 4 (EC2's, Cost Explorer's) the way the service does: the canonical request
// and the signing key are recomputed from the secret the stand-in knows, so a client that signs
// anything differently (a wrong secret, a changed body, an unsigned header) is refused.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface StandInCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** A session token the service no longer accepts (its requests get `RequestExpired`). */
  expired?: boolean;
}

export interface SignedRequest {
  method: string;
  /** The path and query as received, such as `/` or `/?a=b`. */
  target: string;
  /** Raw header pairs as Node gives them (`rawHeaders`). */
  rawHeaders: string[];
  body: Buffer;
}

export type SignatureVerdict =
  | { ok: true; credential: StandInCredential; region: string }
  | { ok: false; status: number; code: string; message: string };

const authorizationPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** RFC 3986 encoding, as SigV4 wants it (every character but unreserved ones). */
function encodeComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

function headerValues(rawHeaders: string[]): Map<string, string> {
  const values = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = (rawHeaders[index + 1] ?? '').trim().replace(/\s+/g, ' ');
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return new Map([...values].map(([name, list]) => [name, list.join(',')]));
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query.split('&').map((pair) => {
    const [name = '', value = ''] = pair.split('=');
    return [encodeComponent(decodeURIComponent(name)), encodeComponent(decodeURIComponent(value))] as const;
  });
  pairs.sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function canonicalPath(path: string): string {
  // Services other than S3 encode each path segment twice: once by the client, once here.
  return path
    .split('/')
    .map((segment) => encodeComponent(decodeURIComponent(segment)))
    .join('/');
}

const refused = (status: number, code: string, message: string): SignatureVerdict => ({ ok: false, status, code, message });

const mismatch = refused(
  403,
  'SignatureDoesNotMatch',
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
);

/** Verifies the request against the known credentials; the region comes from the credential scope. `service` is the signing name (`ec2`, `ce`). */
export function verifySignature(
  request: SignedRequest,
  credentials: readonly StandInCredential[],
  now: Date,
  expectedService = 'ec2',
): SignatureVerdict {
  const headers = headerValues(request.rawHeaders);
  const authorization = headers.get('authorization');
  if (!authorization) return refused(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
  const match = authorizationPattern.exec(authorization);
  if (!match) return refused(400, 'IncompleteSignature', `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.`);
  const [, accessKeyId = '', scopeDate = '', region = '', service = '', signedHeaderList = '', signature = ''] = match;
  const credential = credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (!credential) return refused(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
  if (service !== expectedService) {
    return refused(400, 'IncompleteSignature', `Credential should be scoped to correct service: '${expectedService}'.`);
  }
  const signedHeaders = signedHeaderList.split(';');
  const amzDate = headers.get('x-amz-date') ?? '';
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date') || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return refused(400, 'IncompleteSignature', 'The request must sign the host and x-amz-date headers.');
  }
  if (!amzDate.startsWith(scopeDate)) return mismatch;
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
  );
  if (Math.abs(now.getTime() - signedAt) > 5 * 60_000) return refused(400, 'RequestExpired', 'Request has expired.');
  if (credential.sessionToken !== undefined) {
    if (headers.get('x-amz-security-token') !== credential.sessionToken || !signedHeaders.includes('x-amz-security-token')) {
      return refused(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
    }
  }
  const questionMark = request.target.indexOf('?');
  const path = questionMark === -1 ? request.target : request.target.slice(0, questionMark);
  const query = questionMark === -1 ? '' : request.target.slice(questionMark + 1);
  const payloadHash = sha256Hex(request.body);
  const sentPayloadHash = headers.get('x-amz-content-sha256');
  if (sentPayloadHash !== undefined && sentPayloadHash !== payloadHash) return mismatch;
  const canonicalRequest = [
    request.method,
    canonicalPath(path),
    canonicalQuery(query),
    ...signedHeaders.map((name) => `${name}:${headers.get(name) ?? ''}`),
    '',
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credential.secretAccessKey}`, scopeDate);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return mismatch;
  if (credential.expired) return refused(400, 'RequestExpired', 'Request has expired.');
  return { ok: true, credential, region };
}
