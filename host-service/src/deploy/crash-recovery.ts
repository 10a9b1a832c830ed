// Interrupted applies are rolled back, not resumed: on start, every unconfirmed intent is looked
// up by name in libvirt (or on disk, for seeds) and removed if found with proof this creation made
// it (the UUID it gave, the seed's instance id, a volume in this data directory's own pool); what
// lacks the proof is left alone and logged. Confirmed resources stay recorded; the lab is marked
// failed. Destroy then removes all of it, and applying again makes only what is missing.
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { PendingCreation } from '../state/state-shape';
import { type DeployContext, ignoreGoneOrStopped } from './deploy-context';
import { forgetIntent } from './write-ahead';

/** Rolls back what interrupted applies made but did not confirm; returns the labs marked failed. */
export async function recoverInterrupted(context: DeployContext): Promise<string[]> {
  const labs = Object.values(context.options.store.state.labs).filter(
    (lab) => lab.status === 'deploying' || (lab.pending ?? []).length > 0,
  );
  for (const lab of labs) {
    const pending = [...(lab.pending ?? [])];
    const removed: string[] = [];
    const kept: string[] = [];
    // Domains first: a domain holds its disk and seed open.
    const order: PendingCreation['kind'][] = ['domain', 'volume', 'seed', 'network'];
    pending.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    for (const intent of pending) {
      const outcome = await removeUnconfirmed(context, intent);
      if (outcome === 'removed') removed.push(`${intent.kind} ${intent.name}`);
      else if (outcome !== 'absent') kept.push(`${intent.kind} ${intent.name} (${outcome})`);
      await context.record(lab.name, (record) => forgetIntent(record, intent));
    }
    const keptNote = kept.length === 0 ? '' : ` Left alone, as nothing proves this apply made it: ${kept.join(', ')}.`;
    await context.log(
      lab.name,
      'error',
      'The deploy was interrupted: vlm-host stopped before it finished. ' +
        `${removed.length === 0 ? 'No unconfirmed resource of this apply existed' : `Rolled back what was made but not yet recorded: ${removed.join(', ')}`}.` +
        `${keptNote} Destroy the lab or apply it again.`,
    );
    await context.setStatus(lab.name, 'failed');
  }
  return labs.map((lab) => lab.name);
}

/** 'removed', 'absent', or why what carries the name was kept. */
function removeUnconfirmed(context: DeployContext, intent: PendingCreation): Promise<'removed' | 'absent' | string> {
  switch (intent.kind) {
    case 'domain':
      return removeUnconfirmedDomain(context, intent);
    case 'volume':
      return removeUnconfirmedVolume(context, intent);
    case 'network':
      return removeUnconfirmedNetwork(context, intent);
    case 'seed':
      return removeUnconfirmedSeed(context, intent);
  }
}

async function removeUnconfirmedDomain(context: DeployContext, intent: PendingCreation): Promise<string> {
  const { hypervisor } = context.options;
  const domain = await hypervisor.getDomain(intent.name);
  if (!domain) return 'absent';
  if (intent.uuid === undefined) return 'an older version noted no UUID to check it by';
  if (domain.uuid !== intent.uuid) return `its UUID ${domain.uuid} is not the one this apply gave`;
  if (domain.state !== 'shut-off') await hypervisor.destroy(intent.name).catch(ignoreGoneOrStopped);
  await hypervisor.undefine(intent.name, { snapshots: true }).catch(ignoreGoneOrStopped);
  return 'removed';
}

async function removeUnconfirmedVolume(context: DeployContext, intent: PendingCreation): Promise<string> {
  const { hypervisor } = context.options;
  const { volumePool } = context;
  // This data directory's pool holds only what this vlm-host made, and names are one per lab and VM.
  if ((intent.pool ?? volumePool) !== volumePool) return `not in this host's pool ${volumePool}`;
  const exists = await hypervisor.listVolumes(volumePool).then(
    (volumes) => volumes.some((volume) => volume.name === intent.name),
    () => false,
  );
  if (!exists) return 'absent';
  await hypervisor.deleteVolume(volumePool, intent.name).catch(ignoreGoneOrStopped);
  return 'removed';
}

async function removeUnconfirmedNetwork(context: DeployContext, intent: PendingCreation): Promise<string> {
  const { hypervisor } = context.options;
  const network = (await hypervisor.listNetworks()).find((item) => item.name === intent.name);
  if (!network) return 'absent';
  if (intent.uuid === undefined) return 'an older version noted no UUID to check it by';
  if (network.uuid !== intent.uuid) return `its UUID ${network.uuid} is not the one this apply gave`;
  await hypervisor.destroyNetwork(intent.name).catch(ignoreGoneOrStopped);
  await hypervisor.undefineNetwork(intent.name).catch(ignoreGoneOrStopped);
  return 'removed';
}

async function removeUnconfirmedSeed(context: DeployContext, intent: PendingCreation): Promise<string> {
  if (!context.isSeedPath(intent.name))
    throw new Error(`Refusing to remove ${JSON.stringify(intent.name)}: not a seed path of this data directory.`);
  // A write killed half-way leaves its staging file beside the seed; the staging name is ours.
  const directory = dirname(intent.name);
  const staging = `.${basename(intent.name)}.`;
  for (const file of await readdir(directory).catch(() => [] as string[])) {
    if (file.startsWith(staging) && file.endsWith('.partial')) await rm(join(directory, file), { force: true });
  }
  const content = await readFile(intent.name).catch(() => undefined);
  if (content === undefined) return 'absent';
  if (intent.instanceId === undefined || !content.includes(intent.instanceId)) return 'it does not hold the instance id this apply wrote';
  await rm(intent.name, { force: true });
  return 'removed';
}
