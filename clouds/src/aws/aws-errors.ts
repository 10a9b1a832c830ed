// EC2's error codes mapped onto CloudError kinds, each with what the user can do about it.
import { CloudError, type CloudErrorKind, isCloudError } from '../cloud-errors.js';

const expired = 'The credentials have expired: sign in again (aws sso login, or refresh the keys) and retry.';
const throttled = 'EC2 is throttling this account: wait a minute, then retry; listing fewer regions sends fewer calls.';
const quota = 'Raise the limit in Service Quotas, or choose another instance type or region.';

const codes: Record<string, [CloudErrorKind, string]> = {
  AuthFailure: ['auth', 'Check the access key, and that the region is enabled for this account.'],
  SignatureDoesNotMatch: ['auth', 'The secret access key does not belong to this access key id: enter the key pair again.'],
  InvalidClientTokenId: ['auth', 'The access key id is not known to AWS: enter a current key pair.'],
  OptInRequired: ['auth', 'The account is not subscribed to EC2 in this region: enable the region or remove it from the account.'],
  ExpiredToken: ['auth', expired],
  RequestExpired: ['auth', expired],
  UnauthorizedOperation: ['permission', 'Ask an administrator for this EC2 permission in your IAM policy.'],
  RequestLimitExceeded: ['throttled', throttled],
  Throttling: ['throttled', throttled],
  InstanceLimitExceeded: ['quota', quota],
  VcpuLimitExceeded: ['quota', quota],
  InsufficientInstanceCapacity: ['quota', 'AWS has no capacity for this type in this zone now: retry later or choose another type.'],
  IncorrectInstanceState: ['wrongState', 'Wait until the instance is running or stopped, then try again.'],
  'InvalidInstanceID.NotFound': ['notFound', 'It may have been terminated, or it lives in another region: refresh the list.'],
  'InvalidInstanceID.Malformed': ['invalidInput', 'Instance ids look like i-0123456789abcdef0.'],
};

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: unknown;
}

function deserializationFailed(error: SdkError): boolean {
  return error.$response !== undefined && /deseriali[sz]ation error|XML parse error/i.test(error.message ?? '');
}

/** What the user sees: the first sentence of EC2's message, without the encoded policy blob it may append. */
function cleanMessage(message: string | undefined): string {
  return (message ?? 'EC2 failed without a message').replace(/\s*Encoded authorization failure message:.*$/s, '').slice(0, 400);
}

/** Turns whatever the SDK threw into a CloudError; `action` names the EC2 action for permission hints. */
export function toCloudError(error: unknown, action: string): CloudError {
  if (isCloudError(error)) return error;
  const sdkError = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkError;
  const status = sdkError.$metadata?.httpStatusCode;
  const statusDetail = status === undefined ? {} : { status };
  const code = sdkError.name ?? 'Error';
  if (code === 'CredentialsProviderError') {
    return new CloudError('auth', 'aws', 'no AWS credentials were found', {
      code,
      hint: 'Run "aws configure" or "aws sso login", name the profile in the account settings, or store an access key for this account.',
      cause: error,
    });
  }
  if (deserializationFailed(sdkError)) {
    return new CloudError('malformed', 'aws', `EC2's answer to ${action} could not be read`, {
      ...statusDetail,
      hint: 'The endpoint may not be EC2, or a proxy changed the answer: check the account endpoint and retry.',
      cause: error,
    });
  }
  const network = sdkError.code ?? code;
  if (networkCodes.has(network) || code === 'TimeoutError') {
    return new CloudError('unreachable', 'aws', `EC2 did not answer ${action}`, {
      code: network,
      hint: 'Check the network, a proxy, or the account endpoint.',
      cause: error,
    });
  }
  const known = codes[code];
  if (known) {
    const hint = code === 'UnauthorizedOperation' ? `Ask an administrator for the ec2:${action} permission in your IAM policy.` : known[1];
    return new CloudError(known[0], 'aws', cleanMessage(sdkError.message), { code, hint, ...statusDetail, cause: error });
  }
  const serverSide = status !== undefined && status >= 500;
  return new CloudError('provider', 'aws', cleanMessage(sdkError.message), {
    code,
    hint: serverSide
      ? 'EC2 had an internal error: retry later, and see https://health.aws.amazon.com if it lasts.'
      : `EC2 refused ${action}.`,
    ...statusDetail,
    cause: error,
  });
}
