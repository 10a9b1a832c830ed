// `vlm-host --socket-group NAME`: the group whose members may use the host API socket. Looked up
// through the system's name service (getent), so groups from LDAP or sssd work as well as /etc/group.
import { runCommand } from '../process/process-runner';

export interface SocketGroup {
  name: string;
  gid: number;
}

export class SocketGroupError extends Error {
  override readonly name = 'SocketGroupError';
}

/** What useradd/groupadd accept on Debian, by default: no path, option or shell characters. */
const groupNamePattern = /^[a-z_][a-z0-9_-]{0,31}$/;

export async function lookUpSocketGroup(name: string): Promise<SocketGroup> {
  if (!groupNamePattern.test(name)) {
    throw new SocketGroupError(
      `--socket-group: ${JSON.stringify(name.slice(0, 64))} is not a group name (lowercase letters, digits, '_' and '-', starting with a letter or '_', at most 32).`,
    );
  }
  const result = await runCommand({ program: 'getent', args: ['group', name], timeoutMs: 10_000 }).catch((error: Error) => {
    throw new SocketGroupError(`--socket-group: cannot look up group ${name}: ${error.message} (getent is in Debian's libc-bin).`);
  });
  // getent exits 2 when the name is not found.
  if (result.exitCode === 2)
    throw new SocketGroupError(
      `--socket-group: there is no group named ${JSON.stringify(name)} on this host. Create it (groupadd ${name}) and add the users who may use vlm-host (usermod -aG ${name} USER).`,
    );
  const gid = Number(result.stdout.split('\n')[0]?.split(':')[2]);
  if (result.exitCode !== 0 || !Number.isInteger(gid) || gid < 0) {
    throw new SocketGroupError(
      `--socket-group: looking up group ${name} failed (getent exited ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}).`,
    );
  }
  return { name, gid };
}
