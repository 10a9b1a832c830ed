// Leftovers of this host service that no recorded lab owns, each with proof VLM made it here:
// domains and networks whose VLM mark names this data directory (domains from before the mark
// held it: VLM's mark and a disk in this data directory's pool), and volumes and seed files in
// this data directory's own pool. Names prove nothing: a network or domain named like a lab's
// but made by the user or another vlm-host is never listed. Also storage pools VLM named after a
// data directory whose folder is gone.
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HostErrorCode, type LabSweepResult, type SweepLeftover } from '@vlm/schemas/src/host-protocol';
import { fromHypervisorError, hostError } from '../host-errors';
import { madeByDataDirectory, vlmMetadataOfNetwork } from '../libvirt/vlm-metadata';
import { childText, parseXml } from '../libvirt/xml-parse';
import { type DeployContext, ignoreGoneOrStopped } from './deploy-context';
import { volumePoolFor } from './lab-resources';

/** What the recorded labs own, by kind. */
interface Owned {
  domains: Set<string>;
  networks: Set<string>;
  /** "pool/name" */
  volumes: Set<string>;
  seeds: Set<string>;
}

/** Lists the leftovers and, when `remove`, removes them. Refused while an apply or destroy runs. */
export async function sweepLeftovers(context: DeployContext, remove: boolean): Promise<LabSweepResult> {
  if (context.busy.size > 0) {
    throw hostError(
      HostErrorCode.InvalidState,
      `A sweep waits until no lab is being applied or destroyed (busy: ${[...context.busy].join(', ')}).`,
    );
  }
  const sweeping = '\u0000sweep';
  context.busy.add(sweeping);
  try {
    const labs = Object.values(context.options.store.state.labs);
    const owned: Owned = {
      domains: new Set(labs.flatMap((lab) => lab.resources.domains.map((item) => item.name))),
      networks: new Set(labs.flatMap((lab) => lab.resources.networks.map((item) => item.name))),
      volumes: new Set(labs.flatMap((lab) => lab.resources.volumes.map((item) => `${item.pool}/${item.name}`))),
      seeds: new Set(labs.flatMap((lab) => (lab.resources.seeds ?? []).map((item) => item.path))),
    };
    const leftovers: SweepLeftover[] = [
      ...(await leftoverDomains(context, owned)),
      ...(await leftoverNetworks(context, owned)),
      ...(await leftoversInPool(context, owned)),
    ];
    if (remove) await removeLeftovers(context, leftovers);
    return { leftovers, removed: remove };
  } catch (error) {
    throw fromHypervisorError(error);
  } finally {
    context.busy.delete(sweeping);
  }
}

async function leftoverDomains(context: DeployContext, owned: Owned): Promise<SweepLeftover[]> {
  const { hypervisor, dataDirectory } = context.options;
  const poolDirectory = context.poolDirectory();
  const leftovers: SweepLeftover[] = [];
  for (const domain of await hypervisor.listDomains()) {
    if (!domain.vlm || owned.domains.has(domain.name)) continue;
    if (domain.vlm.dataDirectory !== undefined) {
      if (!madeByDataDirectory(domain.vlm, dataDirectory)) continue; // another vlm-host's
      leftovers.push({
        kind: 'domain',
        name: domain.name,
        reason: `VLM's mark for this data directory (lab ${domain.vlm.lab}, VM ${domain.vlm.vm}); no recorded lab owns it`,
      });
      continue;
    }
    // Marked by an older version, which did not name its data directory: its disk must be in this one's pool.
    const xml = await hypervisor.getDomainXml(domain.name).catch(() => '');
    if (!xml.includes(`'${poolDirectory}`) && !xml.includes(`"${poolDirectory}`)) continue;
    leftovers.push({
      kind: 'domain',
      name: domain.name,
      reason: `VLM's mark (lab ${domain.vlm.lab}, VM ${domain.vlm.vm}) and a disk in this host's pool; no recorded lab owns it`,
    });
  }
  return leftovers;
}

async function leftoverNetworks(context: DeployContext, owned: Owned): Promise<SweepLeftover[]> {
  const { hypervisor, dataDirectory } = context.options;
  const leftovers: SweepLeftover[] = [];
  for (const network of await hypervisor.listNetworks()) {
    if (owned.networks.has(network.name)) continue;
    const mark = vlmMetadataOfNetwork(await hypervisor.getNetworkXml(network.name).catch(() => ''));
    if (!mark || !madeByDataDirectory(mark, dataDirectory)) continue;
    leftovers.push({
      kind: 'network',
      name: network.name,
      reason: `VLM's mark for this data directory (lab ${mark.lab}, network ${mark.network}); no recorded lab owns it`,
    });
  }
  return leftovers;
}

/** Volumes and seeds in this data directory's pool, then storage pools whose folder is gone. */
async function leftoversInPool(context: DeployContext, owned: Owned): Promise<SweepLeftover[]> {
  const { hypervisor } = context.options;
  const { volumePool } = context;
  const poolDirectory = context.poolDirectory();
  const leftovers: SweepLeftover[] = [];
  const pools = await hypervisor.listStoragePools();
  const pool = pools.find((item) => item.name === volumePool);
  const seen = new Set<string>();
  if (pool?.active) {
    for (const volume of await hypervisor.listVolumes(volumePool)) {
      seen.add(volume.name);
      if (owned.volumes.has(`${volumePool}/${volume.name}`) || owned.seeds.has(join(poolDirectory, volume.name))) continue;
      leftovers.push(
        volume.name.endsWith('.seed.iso')
          ? {
              kind: 'seed',
              name: join(poolDirectory, volume.name),
              reason: `a seed in this host's pool ${volumePool}; no recorded lab owns it`,
            }
          : { kind: 'volume', name: `${volumePool}/${volume.name}`, reason: `in this host's pool ${volumePool}; no recorded lab owns it` },
      );
    }
  }
  // The pool's volume list can lag the directory (libvirt refreshes it on demand).
  for (const file of await readdir(poolDirectory).catch(() => [] as string[])) {
    const path = join(poolDirectory, file);
    if (seen.has(file) || !context.isSeedPath(path) || owned.seeds.has(path)) continue;
    leftovers.push({ kind: 'seed', name: path, reason: `a seed in this host's pool directory; no recorded lab owns it` });
  }
  for (const item of pools) {
    if (!item.name.startsWith('vlm-')) continue;
    const folder = await orphanPoolFolder(context, item.name);
    if (folder !== undefined)
      leftovers.push({ kind: 'pool', name: item.name, reason: `the storage pool VLM names after ${folder}, which is gone` });
  }
  return leftovers;
}

/** Domains first (they hold disks open), pools last. */
async function removeLeftovers(context: DeployContext, leftovers: readonly SweepLeftover[]): Promise<void> {
  const { hypervisor } = context.options;
  const { volumePool } = context;
  const order: SweepLeftover['kind'][] = ['domain', 'volume', 'seed', 'network', 'pool'];
  for (const kind of order) {
    for (const leftover of leftovers.filter((item) => item.kind === kind)) {
      if (kind === 'domain') {
        await hypervisor.destroy(leftover.name).catch(ignoreGoneOrStopped);
        await hypervisor.undefine(leftover.name, { snapshots: true }).catch(ignoreGoneOrStopped);
      } else if (kind === 'volume') {
        await hypervisor.deleteVolume(volumePool, leftover.name.slice(volumePool.length + 1)).catch(ignoreGoneOrStopped);
      } else if (kind === 'seed') {
        if (context.isSeedPath(leftover.name)) await rm(leftover.name, { force: true });
      } else if (kind === 'network') {
        await hypervisor.destroyNetwork(leftover.name).catch(ignoreGoneOrStopped);
        await hypervisor.undefineNetwork(leftover.name).catch(ignoreGoneOrStopped);
      } else {
        await hypervisor.destroyStoragePool(leftover.name).catch(ignoreGoneOrStopped);
        await hypervisor.undefineStoragePool(leftover.name).catch(ignoreGoneOrStopped);
      }
    }
  }
}

/**
 * The folder a `vlm-*` pool points at, when VLM named the pool after it (volumePoolFor: the
 * name is a hash of the folder's path, which proves VLM made it) and the folder is gone.
 */
async function orphanPoolFolder(context: DeployContext, pool: string): Promise<string | undefined> {
  const xml = await context.options.hypervisor.getStoragePoolXml(pool).catch(() => undefined);
  if (xml === undefined) return undefined;
  let folder: string | undefined;
  try {
    folder = childText(parseXml(xml), 'target', 'path');
  } catch {
    return undefined;
  }
  if (folder === undefined || basename(folder) !== 'pool' || volumePoolFor(dirname(folder)) !== pool) return undefined;
  const exists = await stat(folder).then(
    () => true,
    () => false,
  );
  return exists ? undefined : folder;
}
