// Typed errors of the host API: a numeric code, a symbolic kind, and where useful the field
// (JSON pointer into the params) and what is allowed there.
import { ResponseError } from 'vscode-jsonrpc/node';
import { HostErrorCode, type HostErrorData } from '@vlm/schemas/src/host-protocol';
import { HypervisorError } from './libvirt/hypervisor';

const kinds: Record<number, string> = {
  [HostErrorCode.InvalidParams]: 'invalid-params',
  [HostErrorCode.MethodNotFound]: 'method-not-found',
  [HostErrorCode.InternalError]: 'internal-error',
  [HostErrorCode.RequestTooLarge]: 'request-too-large',
  [HostErrorCode.NotFound]: 'not-found',
  [HostErrorCode.InvalidState]: 'invalid-state',
  [HostErrorCode.AlreadyExists]: 'already-exists',
  [HostErrorCode.NotImplemented]: 'not-implemented',
  [HostErrorCode.HypervisorError]: 'hypervisor-error',
  [HostErrorCode.InvalidLab]: 'invalid-lab',
  [HostErrorCode.RequestCancelled]: 'request-cancelled',
  [HostErrorCode.Unauthenticated]: 'unauthenticated',
};

export type HostError = ResponseError<HostErrorData>;

export function hostError(code: HostErrorCode, message: string, details: Omit<HostErrorData, 'kind'> = {}): HostError {
  return new ResponseError<HostErrorData>(code, message, { kind: kinds[code] ?? 'error', ...details });
}

/** Turns a Hypervisor failure into the API error a client can act on. */
export function fromHypervisorError(error: unknown, field?: string): HostError {
  if (error instanceof ResponseError) return error as HostError;
  if (error instanceof HypervisorError) {
    switch (error.code) {
      case 'no-such-domain':
      case 'no-such-snapshot':
      case 'no-such-network':
      case 'no-such-pool':
      case 'no-such-volume':
        return hostError(HostErrorCode.NotFound, error.message, field === undefined ? {} : { field });
      case 'invalid-operation':
        return hostError(HostErrorCode.InvalidState, error.message, field === undefined ? {} : { field });
      case 'already-exists':
        return hostError(HostErrorCode.AlreadyExists, error.message, field === undefined ? {} : { field });
      default:
        return hostError(HostErrorCode.HypervisorError, error.message);
    }
  }
  return hostError(HostErrorCode.InternalError, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
}
