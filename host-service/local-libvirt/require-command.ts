// Fails `npm start` or a test run loudly, with the install command, when a system program is missing.
import { spawnSync } from 'node:child_process';

/** Throws naming the Debian package to install when `command` is not on PATH (or in /usr/sbin). */
export function requireCommand(command: string, debianPackage: string): string {
  const found = spawnSync('sh', ['-c', `command -v "$0" || ls /usr/sbin/"$0" 2>/dev/null`, command], { encoding: 'utf8' });
  const path = found.stdout.trim().split('\n')[0];
  if (found.status !== 0 || !path) {
    throw new Error(
      `${command} is not installed. Install it with: ` +
        `apt-get install -y --no-install-recommends ${debianPackage} ` +
        `(or: node scripts/system-packages.mjs libvirt qemu)`,
    );
  }
  return path;
}
