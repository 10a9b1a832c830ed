// After a real-tier test: whatever a failed run left on the shared libvirtd, removed by the names
// the run made (never by a prefix), errors ignored since most of it is usually gone already.
import type { Hypervisor } from '../../src/libvirt/hypervisor';

export interface RunLeftovers {
  domains?: readonly string[];
  networks?: readonly string[];
  /** A storage pool of the run's own: its volumes, then the pool. */
  pool?: string;
}

export async function removeRunLeftovers(hypervisor: Hypervisor, leftovers: RunLeftovers): Promise<void> {
  for (const domain of leftovers.domains ?? []) {
    await hypervisor.destroy(domain).catch(() => undefined);
    await hypervisor.undefine(domain).catch(() => undefined);
  }
  for (const network of leftovers.networks ?? []) {
    await hypervisor.destroyNetwork(network).catch(() => undefined);
    await hypervisor.undefineNetwork(network).catch(() => undefined);
  }
  const pool = leftovers.pool;
  if (pool === undefined) return;
  for (const volume of await hypervisor.listVolumes(pool).catch(() => []))
    await hypervisor.deleteVolume(pool, volume.name).catch(() => undefined);
  await hypervisor.destroyStoragePool(pool).catch(() => undefined);
  await hypervisor.undefineStoragePool(pool).catch(() => undefined);
}
