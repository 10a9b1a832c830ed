// `vlm-host --remove-data`: removes a data directory that records no lab, with everything of it
// that libvirt holds (its storage pool), so nothing of it stays on a shared libvirtd.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Hypervisor } from '../libvirt/hypervisor';
import { lockFileName } from './data-directory-lock';
import { StateStore, stateFileName } from './state-store';
import { volumePoolFor } from '../deploy/lab-resources';

export class DataDirectoryRemovalRefused extends Error {
  override readonly name = 'DataDirectoryRemovalRefused';
}

export interface DataDirectoryRemovalOptions {
  dataDirectory: string;
  /** Connects to libvirt; called only once the data directory is known to be removable. */
  connect: () => Promise<Hypervisor>;
  log: (line: string) => void;
}

/** What was removed, one line each. Throws DataDirectoryRemovalRefused, having removed nothing. */
export async function removeDataDirectory(options: DataDirectoryRemovalOptions): Promise<string[]> {
  const directory = resolve(options.dataDirectory);
  const pool = volumePoolFor(directory);
  let store: StateStore | undefined;
  if (existsSync(directory)) {
    // Only a folder a vlm-host made is removed: a mistyped --data-dir must never lose files.
    if (!existsSync(join(directory, stateFileName))) {
      throw new DataDirectoryRemovalRefused(
        `${directory} holds no ${stateFileName}, so it is not a vlm-host data directory: nothing was removed.`,
      );
    }
    // Refuses while a vlm-host uses the directory, and keeps another from starting meanwhile.
    store = await StateStore.open({ dataDirectory: directory, log: options.log });
  }
  let hypervisor: Hypervisor | undefined;
  try {
    const labs = Object.keys(store?.state.labs ?? {}).sort();
    if (labs.length > 0) {
      throw new DataDirectoryRemovalRefused(
        `${directory} still records ${labs.length === 1 ? 'the lab' : `${labs.length} labs:`} ${labs.join(', ')}. ` +
          `Destroy ${labs.length === 1 ? 'it' : 'them'} first (vlm lab down NAME, with this vlm-host running), then remove the data directory. Nothing was removed.`,
      );
    }
    hypervisor = await options.connect();
    // A domain that still uses a disk, seed or log of the directory would be left broken.
    const users: string[] = [];
    for (const domain of await hypervisor.listDomains()) {
      const xml = await hypervisor.getDomainXml(domain.name).catch(() => '');
      if (xml.includes(`${directory}/`)) users.push(domain.name);
    }
    if (users.length > 0) {
      throw new DataDirectoryRemovalRefused(
        `libvirt domain(s) ${users.join(', ')} use files of ${directory}, though no lab records them. Remove them first ` +
          '(vlm lab sweep, with this vlm-host running, lists and removes what VLM made). Nothing was removed.',
      );
    }
    const removed: string[] = [];
    const defined = (await hypervisor.listStoragePools()).find((item) => item.name === pool);
    if (defined) {
      // Its volumes are files in the directory, which goes next.
      if (defined.active) {
        for (const volume of await hypervisor.listVolumes(pool)) await hypervisor.deleteVolume(pool, volume.name);
        await hypervisor.destroyStoragePool(pool);
      }
      await hypervisor.undefineStoragePool(pool);
      removed.push(`storage pool ${pool}`);
    }
    if (store) {
      // Everything but the lock first, so no vlm-host starts on a half-removed directory.
      for (const entry of await readdir(directory))
        if (entry !== lockFileName) await rm(join(directory, entry), { recursive: true, force: true });
      await store.close();
      store = undefined;
      await rm(directory, { recursive: true, force: true });
      removed.push(`data directory ${directory}`);
    }
    return removed;
  } finally {
    await store?.close();
    await hypervisor?.close();
  }
}
