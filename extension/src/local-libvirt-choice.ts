// Which libvirt the `local` host uses, decided once: `npm start` decides, prints it and passes it
// to the extension (VLM_LOCAL_LIBVIRT); the extension decides the same way when started without it.
// Root gets qemu:///system; anyone else gets their own qemu:///session (libvirt-dbus on a
// session bus opens it), which runs real VMs without root but cannot make lab networks.
// No `vscode` import: unit-tested.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type LocalLibvirt = 'system' | 'session' | 'simulated' | 'missing';

export interface LocalLibvirtChoice {
  libvirt: LocalLibvirt;
  /** vlm-host's --libvirt. */
  driver: 'qemu' | 'test';
  /** One line for people: what the host uses, and why. */
  words: string;
}

export interface LocalLibvirtFacts {
  userId: number;
  /** Root's libvirtd socket exists and may be used (as root: libvirtd runs). */
  systemSocketUsable: boolean;
  /** Whether a program is installed (libvirtd lives in /usr/sbin, outside a user's PATH). */
  hasCommand: (name: string) => boolean;
}

const passedValues = ['system', 'session', 'simulated'] as const;

const describe: Record<LocalLibvirt, string> = {
  system: 'qemu:///system (real VMs, libvirt as root)',
  session: 'qemu:///session (real VMs as you, without root; lab networks need qemu:///system)',
  simulated: "libvirt's test driver (simulated VMs)",
  missing: 'no libvirt: libvirt-dbus is not installed',
};

function choice(libvirt: LocalLibvirt, why = ''): LocalLibvirtChoice {
  return { libvirt, driver: libvirt === 'system' || libvirt === 'session' ? 'qemu' : 'test', words: `${describe[libvirt]}${why}` };
}

/**
 * `setting` is vlm.localHost.libvirt (auto, qemu, test); `passed` is VLM_LOCAL_LIBVIRT, the
 * decision npm start took, honoured under auto. Throws on a passed value that is none of them.
 */
export function chooseLocalLibvirt(setting: string, passed: string | undefined, facts: LocalLibvirtFacts): LocalLibvirtChoice {
  if (!facts.hasCommand('libvirt-dbus')) return choice('missing');
  const real: LocalLibvirt = facts.userId === 0 ? 'system' : 'session';
  if (setting === 'test') return choice('simulated', ', as vlm.localHost.libvirt says');
  if (setting === 'qemu') return choice(real, ', as vlm.localHost.libvirt says');
  if (passed !== undefined && passed !== '') {
    if (!(passedValues as readonly string[]).includes(passed)) {
      throw new Error(`VLM_LOCAL_LIBVIRT must be one of ${passedValues.join(', ')}, not ${JSON.stringify(passed.slice(0, 40))}.`);
    }
    return choice(passed as LocalLibvirt);
  }
  const hasQemu = facts.hasCommand('qemu-system-x86_64') && facts.hasCommand('libvirtd');
  if (real === 'system') {
    return facts.systemSocketUsable ? choice('system') : choice('simulated', ': libvirtd does not run (its socket is missing)');
  }
  return hasQemu ? choice('session') : choice('simulated', ': QEMU or libvirtd is not installed (qemu-system-x86, libvirt-daemon)');
}

/** Whether `name` is an executable in PATH or in the system folders a user's PATH may lack. */
export function commandInstalled(name: string, path = process.env.PATH ?? ''): boolean {
  const folders = [...path.split(delimiter).filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin'];
  return folders.some((folder) => {
    try {
      accessSync(join(folder, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The facts of this machine and process. */
export function localLibvirtFacts(libvirtSocket = '/var/run/libvirt/libvirt-sock'): LocalLibvirtFacts {
  let systemSocketUsable = false;
  try {
    accessSync(libvirtSocket, constants.R_OK | constants.W_OK);
    systemSocketUsable = true;
  } catch {
    // Not there, or not ours.
  }
  return { userId: process.getuid?.() ?? 0, systemSocketUsable, hasCommand: (name) => commandInstalled(name) };
}

/**
 * The `vlm.localLibvirt` context key (for the walkthrough): what the connected local service
 * says it drives, else what was decided for it.
 */
export function localLibvirtKey(decided: LocalLibvirt, connected: 'system' | 'session' | 'test' | undefined): LocalLibvirt {
  if (connected === 'test') return 'simulated';
  return connected ?? decided;
}
