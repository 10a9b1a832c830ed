// A small two-VM lab on one network, for host API tests that need a valid lab to plan or to break.
import type { Lab } from '@vlm/schemas';

export function tinyLab(name: string, overrides: Partial<Lab['vms'][number]> = {}): Lab {
  return {
    name,
    networks: [{ name: 'lan', cidr: '10.10.1.0/24' }],
    vms: [
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'], ...overrides },
      { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: [{ name: 'lan', ip: '10.10.1.10' }] },
    ],
  };
}
