// What a test run must not leave behind: libvirt daemons it started, and processes running from
// this checkout. Compared before and after the run, so daemons that were already running are fine.
import { readdirSync, readFileSync } from 'node:fs';
import { repositoryRoot } from './paths.mjs';

const daemonNames = ['libvirtd', 'virtlogd', 'libvirt-dbus'];

function processes() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), name, command });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function watched() {
  return processes().filter(
    (found) => found.pid !== process.pid && (daemonNames.includes(found.name) || found.command.includes(repositoryRoot)),
  );
}

/** Call before the run; the function it returns lists what the run left (an empty list when nothing). */
export function watchLeftBehind() {
  const before = new Set(watched().map((found) => found.pid));
  return () => watched().filter((found) => !before.has(found.pid));
}
