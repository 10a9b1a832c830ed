// One Proxmox stand-in per test file, and providers built the way users get them: settings
// through parseSettings (the CA as caFile), secrets through a SecretSource.
import type { SecretSource } from '../../src/cloud-provider.js';
import { ProxmoxProvider } from '../../src/proxmox/proxmox-provider.js';
import { parseProxmoxSettings } from '../../src/proxmox/proxmox-settings.js';
import type { ProxmoxStandIn } from '../stand-ins/proxmox-server.js';

export type Login = 'token' | 'separated' | 'ticket';

export interface ProviderOptions {
  login?: Login;
  settings?: Record<string, unknown>;
  secrets?: Record<string, string>;
  now?: () => number;
}

export function secretsOf(values: Record<string, string>): SecretSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get: async (accountId, key) => {
      asked.push(`${accountId}/${key}`);
      return values[key];
    },
  };
}

export function makeProvider(standIn: ProxmoxStandIn, options: ProviderOptions = {}): ProxmoxProvider {
  const login = options.login ?? 'token';
  const identity =
    login === 'ticket'
      ? { username: standIn.user.username }
      : { tokenId: login === 'token' ? standIn.token.id : standIn.separatedToken.id };
  const secret: Record<string, string> =
    login === 'ticket'
      ? { password: standIn.user.password }
      : { tokenSecret: login === 'token' ? standIn.token.secret : standIn.separatedToken.secret };
  const settings = parseProxmoxSettings({ url: standIn.url, caFile: standIn.caFile, timeoutSeconds: 5, ...identity, ...options.settings });
  const account = { id: 'lab', provider: 'proxmox' as const, settings: {} };
  return new ProxmoxProvider(account, settings, secretsOf(options.secrets ?? secret), { now: options.now, firstPollMs: 20 });
}

/** The request paths the stand-in saw, "METHOD /path". */
export function seen(standIn: ProxmoxStandIn): string[] {
  return standIn.requests.map((request) => `${request.method} ${request.path}`);
}
