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

/** Marks every CloudError, so one made by another bundled copy of this module (a provider built apart) is still recognised. */
const cloudErrorBrand = Symbol.for('vlm.CloudError');

export class CloudError extends Error {
  override readonly name = 'CloudError';
  readonly [cloudErrorBrand] = true;
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

// `instanceof CloudError` asks for the brand; a subclass still asks its own prototype.
Object.defineProperty(CloudError, Symbol.hasInstance, {
  value(this: unknown, value: unknown): boolean {
    if (this !== CloudError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[cloudErrorBrand] === true;
  },
});

export function isCloudError(error: unknown): error is CloudError {
  return error instanceof CloudError;
}
