// A data directory's storage pool and serial logs: the pool is made when a lab first needs it;
// libvirt keeps a pool defined host-wide until it is undefined, so the pool goes when the data
// directory's last lab goes, and logs go with their domains.
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HypervisorError, type Hypervisor } from '../libvirt/hypervisor';
import { buildDirectoryPoolXml } from '../libvirt/volume-xml';
import { ensureDataFolder } from '../state/data-directory-modes';
import { serialLogPathFor } from './lab-resources';

/** Defines and starts pool `name` on the data directory's pool folder if needed; returns the folder. */
export async function ensureVolumePool(hypervisor: Hypervisor, dataDirectory: string, name: string): Promise<string> {
  // QEMU (its own user) passes through to the disks; virtlogd (root) writes the serial logs.
  const path = await ensureDataFolder(dataDirectory, 'pool');
  await ensureDataFolder(dataDirectory, 'logs');
  const pool = (await hypervisor.listStoragePools()).find((item) => item.name === name);
  if (!pool) await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name, path }));
  if (!pool?.active) await hypervisor.startStoragePool(name);
  return path;
}

export type PoolRemoval = { removed: boolean } | { kept: string };

/**
 * Stops and undefines pool `name` and removes its folder `directory`, unless a volume or file is
 * still in it (a leftover disk or seed that sweep lists): then the pool stays, and `kept` says why.
 */
export async function removeVolumePool(hypervisor: Hypervisor, name: string, directory: string): Promise<PoolRemoval> {
  const pool = (await hypervisor.listStoragePools()).find((item) => item.name === name);
  // What libvirt lists in the pool, and what is in its folder (libvirt may not have looked yet).
  const volumes = pool?.active ? (await hypervisor.listVolumes(name)).map((volume) => volume.name) : [];
  const files = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const left = [...new Set([...volumes, ...files])].sort();
  if (left.length > 0) {
    const shown = left.slice(0, 5).join(', ');
    return {
      kept: `${directory} still holds ${left.length} file(s) (${shown}${left.length > 5 ? ', ...' : ''}); vlm lab sweep lists leftovers`,
    };
  }
  const gone = (error: unknown) => {
    if (!(error instanceof HypervisorError && (error.code === 'no-such-pool' || error.code === 'invalid-operation'))) throw error;
  };
  if (pool?.active) await hypervisor.destroyStoragePool(name).catch(gone);
  if (pool) await hypervisor.undefineStoragePool(name).catch(gone);
  await rmdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return { removed: pool !== undefined };
}

/** Removes a domain's serial log and the older logs virtlogd rotated out of it (`NAME.log.0`, ...). */
export async function removeSerialLogs(dataDirectory: string, domain: string): Promise<void> {
  const log = serialLogPathFor(dataDirectory, domain);
  const folder = join(dataDirectory, 'logs');
  const prefix = `${domain}.log.`;
  const rotated = (await readdir(folder).catch(() => [] as string[])).filter(
    (file) => file.startsWith(prefix) && /^\d+$/.test(file.slice(prefix.length)),
  );
  for (const path of [log, ...rotated.map((file) => join(folder, file))]) await rm(path, { force: true });
}
