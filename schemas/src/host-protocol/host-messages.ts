// Messages about the host itself: who it is, and the token check of TCP connections.
import { request } from './message-types';
import type { HostInfoResult, NoParams } from './shapes';

export namespace HostInfoRequest {
  export const method = 'vlm/host/info' as const;
  export const type = request<NoParams, HostInfoResult>(method);
}

/**
 * Only on a TCP connection (vlm-host --listen, TLS): must be the first request, with the host's
 * token. Any other first request, or a wrong token, is answered with Unauthenticated and the
 * connection is closed. On the Unix socket (whose file mode is the access check) it is not
 * needed and is answered { authenticated: true } without looking at the token.
 */
export interface AuthenticateParams {
  token: string;
}
export namespace AuthenticateRequest {
  export const method = 'vlm/authenticate' as const;
  export const type = request<AuthenticateParams, { authenticated: true }>(method);
}
