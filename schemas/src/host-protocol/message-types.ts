// How every message of the host API is typed: params are always one object, sent by name, and
// a request's error data is HostErrorData.
import { NotificationType, ParameterStructures, RequestType } from 'vscode-jsonrpc';
import type { HostErrorData } from './errors';

export function request<P, R>(method: string) {
  return new RequestType<P, R, HostErrorData>(method, ParameterStructures.byName);
}
export function notification<P>(method: string) {
  return new NotificationType<P>(method, ParameterStructures.byName);
}
