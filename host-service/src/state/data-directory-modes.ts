// Who may read what in the data directory. The service owns all of it. libvirt's QEMU user must
// pass through to the disks, seeds and kernels QEMU opens (libvirt gives it each file by changing
// the file's owner when the VM starts), so those folders are 0711: others may pass, not list.
// Files that hold user data are 0600: seeds (cloud-init user data may hold passwords), disks,
// serial logs (whatever was typed on a console), VNC passwords, the state file and keys.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Folders of a data directory and their modes; '' is the data directory itself. */
export const dataFolderModes = {
  '': 0o711,
  pool: 0o711,
  images: 0o711,
  // UEFI variable stores, which libvirt hands to QEMU like disks.
  nvram: 0o711,
  logs: 0o700,
  ssh: 0o700,
  vnc: 0o700,
} as const;

export type DataFolder = keyof typeof dataFolderModes;

/** Files with user data in them. */
export const privateFileMode = 0o600;

/** Folders whose files all hold user data (disks, seeds, logs, passwords): none readable by others. */
const privateFileFolders: DataFolder[] = ['pool', 'logs', 'vnc', 'ssh', 'nvram'];

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Makes `folder` of the data directory, or sets its mode when it exists with another one; returns its path. */
export async function ensureDataFolder(dataDirectory: string, folder: DataFolder): Promise<string> {
  const path = join(dataDirectory, folder);
  const mode = dataFolderModes[folder];
  await mkdir(path, { recursive: true, mode });
  // mkdir leaves an existing folder's mode alone, and the umask may have taken bits off.
  const info = await lstat(path);
  if (!info.isDirectory()) throw new Error(`${path} is not a folder; vlm-host keeps its ${folder || 'data'} there.`);
  if ((info.mode & 0o7777) !== mode) await chmod(path, mode);
  return path;
}

/**
 * Brings an existing data directory to these modes (folders made by an older vlm-host were 0755,
 * seeds 0644). Folders are not created here; each is made when first needed.
 */
export async function secureDataDirectory(dataDirectory: string, log: (line: string) => void): Promise<void> {
  for (const [folder, mode] of Object.entries(dataFolderModes) as Array<[DataFolder, number]>) {
    const path = join(dataDirectory, folder);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory() || (info.mode & 0o7777) === mode) continue;
    await chmod(path, mode);
    log(`Set ${path} to mode ${modeText(mode)} (it was ${modeText(info.mode)}).`);
  }
  for (const folder of privateFileFolders) {
    const path = join(dataDirectory, folder);
    const names = await readdir(path).catch(() => [] as string[]);
    let tightened = 0;
    for (const name of names) {
      const file = join(path, name);
      const info = await lstat(file).catch(() => undefined);
      // Public keys are public; everything else here is someone's data.
      if (!info?.isFile() || (info.mode & 0o077) === 0 || (folder === 'ssh' && name.endsWith('.pub'))) continue;
      await chmod(file, info.mode & 0o700);
      tightened += 1;
    }
    if (tightened > 0) log(`Made ${tightened} file(s) in ${path} readable by their owner only.`);
  }
}
