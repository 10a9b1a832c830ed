// The storage pool vlm-host keeps a data directory's disks in. It is defined on libvirtd, which
// outlives a test run, and goes with the data directory's last lab.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import type { Hypervisor, VolumeSummary } from '../../src/libvirt/hypervisor';
import { buildDirectoryPoolXml } from '../../src/libvirt/volume-xml';

/** The volumes in the data directory's pool; none when the pool is not defined (no lab left). */
export async function poolVolumes(hypervisor: Hypervisor, dataDirectory: string): Promise<VolumeSummary[]> {
  const pool = volumePoolFor(dataDirectory);
  const defined = (await hypervisor.listStoragePools()).find((item) => item.name === pool);
  return defined?.active ? hypervisor.listVolumes(pool) : [];
}

/** Whether libvirt has the data directory's pool defined, active or not. */
export async function poolIsDefined(hypervisor: Hypervisor, dataDirectory: string): Promise<boolean> {
  const pool = volumePoolFor(dataDirectory);
  return (await hypervisor.listStoragePools()).some((item) => item.name === pool);
}

/** Defines and starts the data directory's pool as vlm-host does, for a test that fills it before any apply. */
export async function startPoolOf(hypervisor: Hypervisor, dataDirectory: string): Promise<string> {
  const pool = volumePoolFor(dataDirectory);
  const defined = (await hypervisor.listStoragePools()).find((item) => item.name === pool);
  if (!defined) await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name: pool, path: join(dataDirectory, 'pool') }));
  if (!defined?.active) await hypervisor.startStoragePool(pool);
  return pool;
}

/**
 * Teardown on qemu:///system: removes the data directory's pool with its volumes, if a failed
 * test left it. The lab's domains must be gone first (a running domain holds its disk).
 */
export function removePoolOf(dataDirectory: string): void {
  const pool = volumePoolFor(dataDirectory);
  const virsh = (...words: string[]) => spawnSync('virsh', ['-q', '-c', 'qemu:///system', ...words], { encoding: 'utf8', timeout: 60_000 });
  if (virsh('pool-info', pool).status !== 0) return;
  const volumes = virsh('vol-list', '--pool', pool)
    .stdout.split('\n')
    .map((line) => line.trim().split(/\s+/)[0]);
  for (const volume of volumes.filter((name): name is string => Boolean(name))) {
    virsh('vol-delete', '--pool', pool, volume);
  }
  virsh('pool-destroy', pool);
  virsh('pool-undefine', pool);
}
