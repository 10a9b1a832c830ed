// Which secrets belong to an SSH host: the password of each machine on its route (the jump hosts
// too) and the passphrases of the key files its ssh_config names. Removing a host deletes those
// that no remaining host uses. No `vscode` import: unit-tested.
import { passphraseSecretKey, passwordSecretKey } from './ssh-login';
import { parseSshDestination } from './ssh-destination';
import type { SshRoute } from './ssh-route';

/** The secret store keys of a host reached at `destination`. */
export function hostSecretKeys(destination: string, routeOf: (destination: string) => SshRoute): string[] {
  let route: SshRoute;
  try {
    route = routeOf(destination);
  } catch {
    // ssh_config refuses this destination now: its password was kept under the destination itself.
    try {
      return [passwordSecretKey(parseSshDestination(destination))];
    } catch {
      return [];
    }
  }
  const hops = [...route.jumps, route.target];
  return [
    ...new Set([
      ...hops.map((hop) => passwordSecretKey({ user: hop.user, host: hop.host, port: hop.port })),
      ...hops.flatMap((hop) => hop.identityFiles.map(passphraseSecretKey)),
    ]),
  ];
}

/** The keys of the removed host that none of the remaining ones shares (a jump host, a key file). */
export function secretKeysToDelete(removed: string, remaining: readonly string[], routeOf: (destination: string) => SshRoute): string[] {
  const kept = new Set(remaining.flatMap((destination) => hostSecretKeys(destination, routeOf)));
  return hostSecretKeys(removed, routeOf).filter((key) => !kept.has(key));
}
