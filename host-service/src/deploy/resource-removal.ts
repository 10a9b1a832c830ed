// Removing one recorded resource of a lab: a domain, a disk, a seed, a network, or a whole VM
// with everything recorded for it. Each goes from libvirt (or disk) first and from the record
// right after, so the record always holds everything that may still exist. A domain or network
// whose UUID is not the one recorded was made by someone else under the name: it is left alone.
import { rm } from 'node:fs/promises';
import type { Lab } from '@vlm/schemas';
import type { PortKind } from '../state/state-shape';
import { type DeployContext, ignoreGone, ignoreGoneOrStopped } from './deploy-context';
import { labNics } from './lab-addresses';
import { removeSerialLogs } from './volume-pool';

export async function deleteSeed(context: DeployContext, lab: string, path: string): Promise<void> {
  if (!context.isSeedPath(path)) throw new Error(`Refusing to remove ${JSON.stringify(path)}: not a seed path of this data directory.`);
  await rm(path, { force: true });
  await context.record(lab, (record) => {
    record.resources.seeds = (record.resources.seeds ?? []).filter((item) => item.path !== path);
  });
}

export async function deleteDomain(context: DeployContext, lab: string, name: string): Promise<void> {
  const { hypervisor, dataDirectory } = context.options;
  const found = await hypervisor.getDomain(name);
  // The recorded UUID says which domain the lab made; one made since under the name is not it.
  const recordedUuid = context.labRecord(lab)?.resources.domains.find((item) => item.name === name)?.uuid;
  const domain = found && (recordedUuid === undefined || recordedUuid === '' || found.uuid === recordedUuid) ? found : undefined;
  if (found && !domain)
    await context.log(
      lab,
      'warning',
      `Left ${name} alone: its UUID ${found.uuid} is not the ${recordedUuid} this lab made, so it is someone else's.`,
    );
  if (domain && domain.state !== 'shut-off') await hypervisor.destroy(name).catch(ignoreGoneOrStopped);
  if (domain) await hypervisor.undefine(name, { snapshots: true }).catch(ignoreGone);
  await removeSerialLogs(dataDirectory, name);
  // libvirt removes a UEFI guest's NVRAM with it; a file left by an older libvirt goes here.
  await rm(context.nvramPathFor(name), { force: true });
  await context.vncPasswords.remove(name);
  await context.record(lab, (record) => {
    record.resources.domains = record.resources.domains.filter((item) => item.name !== name);
  });
  await context.log(lab, 'info', `Removed ${name}.`);
}

/** `resource` is "pool/name". */
export async function deleteVolume(context: DeployContext, lab: string, resource: string): Promise<void> {
  const [pool, name] = resource.split('/') as [string, string];
  await context.options.hypervisor.deleteVolume(pool, name).catch(ignoreGone);
  await context.record(lab, (record) => {
    record.resources.volumes = record.resources.volumes.filter((item) => !(item.pool === pool && item.name === name));
  });
}

export async function deleteNetwork(context: DeployContext, lab: string, name: string): Promise<void> {
  const { hypervisor } = context.options;
  const recordedUuid = context.labRecord(lab)?.resources.networks.find((item) => item.name === name)?.uuid;
  const found = (await hypervisor.listNetworks()).find((item) => item.name === name);
  if (found && recordedUuid !== undefined && found.uuid !== recordedUuid) {
    await context.log(
      lab,
      'warning',
      `Left network ${name} alone: its UUID ${found.uuid} is not the ${recordedUuid} this lab made, so it is someone else's.`,
    );
  } else if (found) {
    await hypervisor.destroyNetwork(name).catch(ignoreGoneOrStopped);
    await hypervisor.undefineNetwork(name).catch(ignoreGone);
  }
  await context.record(lab, (record) => {
    record.resources.networks = record.resources.networks.filter((item) => item.name !== name);
  });
  if (!found || recordedUuid === undefined || found.uuid === recordedUuid) await context.log(lab, 'info', `Removed network ${name}.`);
}

/** Removes a VM's recorded domain, disks, seeds and the ports `freePort` picks, in that order. */
export async function removeVm(
  context: DeployContext,
  lab: string,
  vm: string,
  freePort: (port: { kind: PortKind; port: number }) => boolean,
): Promise<void> {
  const resources = () => context.labRecord(lab)?.resources;
  for (const item of [...(resources()?.domains ?? [])].filter((domain) => domain.vm === vm)) await deleteDomain(context, lab, item.name);
  // Its fixed leases, on networks that stay (a network that goes takes them along).
  const definition = context.labRecord(lab)?.definition as Lab | undefined;
  const before = definition?.vms.find((item) => item.name === vm);
  for (const nic of definition && before ? labNics(definition, before) : []) {
    const network = resources()?.networks.find((item) => item.network === nic.network);
    if (nic.ip === undefined || !network) continue;
    await context.options.hypervisor.setNetworkDhcpHost(network.name, { mac: nic.mac, ip: nic.ip }, false).catch(ignoreGone);
  }
  for (const item of [...(resources()?.volumes ?? [])].filter((volume) => volume.vm === vm))
    await deleteVolume(context, lab, `${item.pool}/${item.name}`);
  for (const item of [...(resources()?.seeds ?? [])].filter((seed) => seed.vm === vm)) await deleteSeed(context, lab, item.path);
  await context.record(lab, (record, draft) => {
    const freed = (port: { kind: PortKind; port: number; vm: string }) => port.vm === vm && freePort(port);
    record.resources.ports = record.resources.ports.filter((port) => !freed(port));
    draft.allocated_ports = draft.allocated_ports.filter((port) => port.lab !== lab || !freed(port));
  });
}
