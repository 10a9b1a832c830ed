// One error type for every provider, so the tree, the CLI and the tests show the same things:
// what kind of failure it was, the provider's own code and message, and what the user can do.
import type { ProviderKind } from './cloud-provider.js';

export type CloudErrorKind =
  | 'auth' // credentials missing, expired or refused
  | 'permission' // signed in, but not allowed (a missing IAM right, a privilege-separated token)
  | 'notFound'
  | 'throttled' // retried with backoff before it surfaces
  | 'quota'
  | 'wrongState' // the action does not apply to the instance's current state
  | 'unreachable' // no answer within the deadline, refused connection, TLS failure
  | 'malformed' // the provider's answer did not have the expected shape
  | 'invalidInput' // a name, region or setting refused before any request was sent
  | 'provider'; // any other provider error (a 500, an unknown code)

export class CloudError extends Error {
  override readonly name = 'CloudError';
  constructor(
    readonly kind: CloudErrorKind,
    readonly provider: ProviderKind,
    message: string,
    readonly details: {
      /** The provider's own error code, such as `UnauthorizedOperation` or an HTTP status. */
      code?: string;
      /** What the user can do about it, as one sentence. */
      hint?: string;
      /** HTTP status, where there was one. */
      status?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  /** The message with the provider's code and the hint, for a notification or a terminal. */
  describe(): string {
    const code = this.details.code ? ` (${this.details.code})` : '';
    const hint = this.details.hint ? ` ${this.details.hint}` : '';
    return `${this.provider}: ${this.message}${code}.${hint}`;
  }
}

export function isCloudError(error: unknown): error is CloudError {
  return error instanceof CloudError;
}
