// Loopback ports for a lab's VMs (SSH forwards and VNC displays): the lab file's own, or the
// lowest free ones in VLM's ranges. A port is free when no lab holds it and nothing on the host
// listens on it (read from /proc, without probing binds); it is recorded before QEMU uses it.
import { readFile } from 'node:fs/promises';
import type { Lab } from '@vlm/schemas';
import { type AllocatedPort, type PortKind, recordedLab } from '../state/state-shape';
import type { DeployContext } from './deploy-context';

const portRanges: Record<PortKind, { first: number; last: number }> = {
  ssh: { first: 22000, last: 22999 },
  vnc: { first: 5900, last: 5999 },
};

/** The listening ports in one /proc/net/tcp or tcp6 table. */
function parseListeningPorts(table: string): number[] {
  const ports: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is ADDRESS:PORT in hex; state 0A is LISTEN.
    if (fields[3] === '0A' && fields[1]) ports.push(Number.parseInt(fields[1].split(':')[1] ?? '', 16));
  }
  return ports;
}

/** TCP ports something listens on now, from /proc (no probing binds). */
async function listeningPorts(): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const port of parseListeningPorts(text)) ports.add(port);
  }
  return ports;
}

/** The lowest port of the kind's range that is not taken. */
function lowestFree(kind: PortKind, taken: ReadonlySet<string>): number | undefined {
  const range = portRanges[kind];
  for (let candidate = range.first; candidate <= range.last; candidate += 1) {
    if (!taken.has(`${kind}:${candidate}`)) return candidate;
  }
  return undefined;
}

/** Gives every VM its ports: the lab file's, or the lowest free ones; recorded before use. */
export async function allocatePorts(context: DeployContext, lab: Lab): Promise<void> {
  const listening = await listeningPorts();
  await context.options.store.update((draft) => {
    const record = recordedLab(draft.labs, lab.name);
    if (!record) return;
    const taken = new Set(draft.allocated_ports.map((port) => `${port.kind}:${port.port}`));
    // Another program's listener would make QEMU fail to start; such ports are skipped.
    for (const port of listening) {
      taken.add(`ssh:${port}`);
      taken.add(`vnc:${port}`);
    }
    // Ports the lab file names are kept free for their VMs.
    for (const vm of lab.vms) {
      if (vm.ssh_port !== undefined) taken.add(`ssh:${vm.ssh_port}`);
      if (vm.vnc_port !== undefined) taken.add(`vnc:${vm.vnc_port}`);
    }
    for (const vm of lab.vms) {
      for (const kind of ['ssh', 'vnc'] as const) {
        if (record.resources.ports.some((port) => port.vm === vm.name && port.kind === kind)) continue;
        const port = (kind === 'ssh' ? vm.ssh_port : vm.vnc_port) ?? lowestFree(kind, taken);
        if (port === undefined) throw new Error(`No free ${kind} port is left in ${portRanges[kind].first}-${portRanges[kind].last}.`);
        taken.add(`${kind}:${port}`);
        const allocation: AllocatedPort = { kind, port, lab: lab.name, vm: vm.name };
        draft.allocated_ports.push(allocation);
        record.resources.ports.push({ kind, port, vm: vm.name });
      }
    }
  });
}
