// Maps what @azure/identity and the ARM pipeline throw onto CloudError kinds, keeping ARM's or
// Entra's own code and message and adding what the user can do. Secrets never appear in them.
import { CloudError, type CloudErrorKind } from '../cloud-errors.js';

interface AzureErrorShape {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  details?: unknown;
  errorResponse?: { error?: string; errorDescription?: string };
  errors?: unknown[];
  response?: { bodyAsText?: string | null };
}

/** Connection and TLS failures: Node's socket codes and the certificate checks. */
const networkCodes =
  /^(REQUEST_SEND_ERROR|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ERR_TLS_.*|.*CERT.*|UNABLE_TO_.*)$/;

const credentialErrors = [
  'AuthenticationError',
  'AuthenticationRequiredError',
  'AggregateAuthenticationError',
  'CredentialUnavailableError',
];

const hints: Record<CloudErrorKind, string> = {
  auth: "Sign in with `az login`, or check the account's tenantId, clientId and client secret.",
  permission: 'Ask for a role such as Virtual Machine Contributor on the subscription or resource group.',
  notFound: 'Refresh the list: the virtual machine, resource group or subscription is gone or was never there.',
  throttled: 'Azure Resource Manager is throttling this subscription; wait a minute and try again.',
  quota: 'Request a higher vCPU quota for this region in the portal (Subscriptions > Usage + quotas), or choose a smaller size.',
  wrongState: 'Wait for the running operation to end, or refresh to see the current state.',
  unreachable: "Check the network and the account's endpoint and authorityHost.",
  malformed: 'Azure answered with something other than the expected JSON; try again, and report it if it stays.',
  invalidInput: 'Check the account settings.',
  provider: 'Azure reported an error; try again later or see the Azure status page.',
};

function armCode(error: AzureErrorShape): { code?: string; message?: string } {
  const details = error.details as { error?: { code?: unknown; message?: unknown } } | undefined;
  const inner = details?.error;
  if (inner && typeof inner.code === 'string')
    return { code: inner.code, message: typeof inner.message === 'string' ? inner.message : undefined };
  // Paging errors carry only a generic message; ARM's own is in the body.
  try {
    const body = JSON.parse(error.response?.bodyAsText ?? '') as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string' && typeof body.error.message === 'string')
      return { code: body.error.code, message: body.error.message };
  } catch {}
  return { code: error.code, message: error.message };
}

function kindOf(status: number | undefined, code: string | undefined, message: string): CloudErrorKind {
  if (/quota/i.test(code ?? '') || (code === 'OperationNotAllowed' && /quota/i.test(message))) return 'quota';
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 404) return 'notFound';
  if (status === 429) return 'throttled';
  if (status === 409) return 'wrongState';
  if (code !== undefined && networkCodes.test(code)) return 'unreachable';
  if (code === 'PARSE_ERROR') return 'malformed';
  return 'provider';
}

function withHint(kind: CloudErrorKind, message: string, details: { code?: string; status?: number; cause?: unknown }): CloudError {
  return new CloudError(kind, 'azure', message, { ...details, hint: hints[kind] });
}

/** A CloudError for anything the SDK, the credential or our own checks threw (AbortError passes through). */
export function toCloudError(caught: unknown): unknown {
  if (caught instanceof CloudError) return caught;
  const error = (caught ?? {}) as AzureErrorShape;
  if (error.name === 'AbortError') return caught;
  if (credentialErrors.includes(error.name ?? '')) {
    const text = error.message ?? '';
    // MSAL writes "invalid_client: Error(s): … - Description: AADSTS…: what happened. - Correlation ID: …".
    const code = error.errorResponse?.error ?? /^([a-z_]+): /.exec(text)?.[1] ?? error.name;
    const description = error.errorResponse?.errorDescription ?? /Description: (.*?)(?: - Correlation ID| - Trace ID|$)/s.exec(text)?.[1];
    const message = description
      ? `Microsoft Entra refused the sign-in: ${firstLine(description)}`
      : `No Azure credential is available: ${firstLine(text)}`;
    // MSAL reports an authority it could not reach (network, TLS) as endpoints_resolution_error.
    if (code === 'endpoints_resolution_error')
      return withHint('unreachable', 'Microsoft Entra (the authorityHost) could not be reached, or its certificate is not trusted', {
        code,
        cause: caught,
      });
    return withHint('auth', message, { code, cause: caught });
  }
  if (error.name === 'RestError' || typeof error.statusCode === 'number') {
    const { code, message } = armCode(error);
    // The SDK's pager keeps ARM's code but drops its message.
    const text = /^Pagination failed/.test(message ?? '')
      ? `Listing virtual machines failed with HTTP ${error.statusCode}`
      : firstLine(message ?? 'Azure request failed');
    return withHint(kindOf(error.statusCode, code, text), text, { code, status: error.statusCode, cause: caught });
  }
  if (caught instanceof SyntaxError || caught instanceof TypeError)
    return withHint('malformed', `Azure's answer had an unexpected shape: ${caught.message}`, { cause: caught });
  return withHint('provider', firstLine(error.message ?? String(caught)), { cause: caught });
}

/** The error of a long-running operation that ended Failed: core-lro writes it as "…has failed. CODE. message". */
export function operationFailure(error: unknown, action: string): CloudError {
  const text = error instanceof Error ? error.message : String(error);
  const match = /has failed\. ([^.\s]+)\. ([\s\S]*)$/.exec(text);
  const code = match?.[1];
  const message = firstLine(match?.[2] ?? text);
  const kind = kindOf(undefined, code, message);
  return withHint(kind === 'provider' ? 'provider' : kind, `The ${action} operation failed: ${message}`, { code, cause: error });
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.slice(0, 500) ?? '';
}
