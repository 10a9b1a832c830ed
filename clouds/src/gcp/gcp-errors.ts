// Compute Engine failures as CloudErrors: an HTTP error in Google's JSON shape, a credentials
// failure, a broken answer, or an operation that ended with `error.errors[]`. The raw error is not
// kept as the cause: its request config carries the bearer token.
import { CloudError, type CloudErrorKind } from '../cloud-errors.js';

const hints: Record<CloudErrorKind, string> = {
  auth: "Sign in again with `gcloud auth application-default login`, or check the account's keyFile.",
  permission: 'Grant the signed-in account the IAM permission named in the message (roles/compute.instanceAdmin.v1 covers power actions).',
  notFound: 'Refresh the list: the instance, zone or operation may be gone, or the project id is wrong.',
  throttled: 'Compute Engine is rate-limiting this project: wait a minute, then retry.',
  quota: 'Free some quota (stop or delete unused resources) or ask for more in the console under IAM & Admin > Quotas.',
  wrongState: 'Wait until the instance finishes its current change, then retry.',
  unreachable: "Check the network connection and the account's apiEndpoint.",
  malformed: "The endpoint did not answer in Compute Engine's format: check the account's apiEndpoint.",
  invalidInput: 'Correct the value named in the message.',
  provider: 'Retry later; if it persists, check https://status.cloud.google.com.',
};

const quotaReasons = ['quotaExceeded', 'QUOTA_EXCEEDED', 'limitExceeded'];
const throttleReasons = ['rateLimitExceeded', 'userRateLimitExceeded', 'RESOURCE_OPERATION_RATE_EXCEEDED'];

/** Cuts an untrusted provider message down to one clean line. */
function clean(text: string): string {
  const line = [...text].map((character) => (character.charCodeAt(0) < 32 ? ' ' : character)).join('');
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function make(kind: CloudErrorKind, message: string, code?: string, status?: number, hint = hints[kind]): CloudError {
  return new CloudError(kind, 'gcp', clean(message), { code, status, hint });
}

interface GoogleErrorBody {
  message?: string;
  reason?: string;
  googleStatus?: string;
}

/** Google's `{"error":{"code","message","errors":[{"reason"}],"status"}}`, when the body is that. */
function parseGoogleError(text: string): GoogleErrorBody | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; status?: unknown; errors?: Array<{ reason?: unknown }> } };
    const error = body.error;
    if (!error || typeof error !== 'object') return undefined;
    const reason = Array.isArray(error.errors) ? error.errors[0]?.reason : undefined;
    return {
      message: typeof error.message === 'string' ? error.message : undefined,
      reason: typeof reason === 'string' ? reason : undefined,
      googleStatus: typeof error.status === 'string' ? error.status : undefined,
    };
  } catch {
    return undefined;
  }
}

function kindOf(status: number, reason?: string): CloudErrorKind {
  if (reason && quotaReasons.includes(reason)) return 'quota';
  if (reason && throttleReasons.includes(reason)) return 'throttled';
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 404) return 'notFound';
  if (status === 429) return 'throttled';
  if ((status === 400 && reason === 'resourceNotReady') || status === 409) return 'wrongState';
  return 'provider';
}

function fromHttp(status: number, text: string): CloudError {
  const google = parseGoogleError(text);
  if (!google) {
    return make('provider', `Compute Engine answered HTTP ${status} without Google's error JSON`, `HTTP ${status}`, status);
  }
  const kind = kindOf(status, google.reason);
  const code = google.reason ?? google.googleStatus ?? `HTTP ${status}`;
  const hint = google.reason === 'accessNotConfigured' ? 'Enable the Compute Engine API for this project in the console.' : hints[kind];
  return make(kind, google.message ?? `HTTP ${status}`, code, status, hint);
}

/** An answer that is not what Compute Engine sends (a hostile name, an unknown status…). */
export function malformedAnswer(message: string): CloudError {
  return make('malformed', message, 'malformed');
}

/** Maps whatever the client library threw to a CloudError. */
export function toCloudError(error: unknown): CloudError {
  if (error instanceof CloudError) return error;
  const failure = (error ?? {}) as { message?: unknown; status?: unknown; code?: unknown; name?: unknown };
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  if (typeof failure.status === 'number') {
    if (/invalid_grant|invalid_client|unauthorized_client/.test(message)) {
      return make(
        'auth',
        'the token endpoint refused the credentials (expired or revoked refresh token, or a wrong client)',
        'invalid_grant',
        failure.status,
      );
    }
    return fromHttp(failure.status, message);
  }
  if (
    /Could not load the default credentials|Unable to detect a Project Id|The incoming JSON object|private_key|client_email/.test(message)
  ) {
    return make(
      'auth',
      'no usable Google credentials: neither application-default credentials nor the keyFile gave a token',
      'credentials',
    );
  }
  if (failure.name === 'SyntaxError' || /fromProto3JSON|Received null|malformed/i.test(message)) {
    return make('malformed', 'Compute Engine answered with a body that is not the expected JSON', 'malformed');
  }
  if (
    failure.code === 4 ||
    failure.name === 'TimeoutError' ||
    /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|socket hang up/.test(`${failure.code} ${message}`)
  ) {
    return make('unreachable', 'Compute Engine did not answer', typeof failure.code === 'string' ? failure.code : 'DEADLINE_EXCEEDED');
  }
  return make('provider', message, typeof failure.code === 'string' ? failure.code : undefined);
}

/** The error of a zone operation that ended DONE with `error.errors[]`. */
export function operationError(errors: Array<{ code?: string | null; message?: string | null }>, httpStatus?: number): CloudError {
  const first = errors[0] ?? {};
  const code = first.code ?? 'OPERATION_FAILED';
  const message = errors.map((entry) => entry.message ?? entry.code ?? 'failed').join('; ');
  let kind: CloudErrorKind = 'provider';
  if (quotaReasons.includes(code)) kind = 'quota';
  else if (throttleReasons.includes(code)) kind = 'throttled';
  else if (code === 'RESOURCE_NOT_READY') kind = 'wrongState';
  else if (code.startsWith('PERMISSION') || code === 'FORBIDDEN') kind = 'permission';
  const hint = code.startsWith('ZONE_RESOURCE_POOL_EXHAUSTED')
    ? 'The zone has no capacity for this machine type now: retry later or use another zone.'
    : hints[kind];
  return make(kind, message, code, httpStatus, hint);
}
