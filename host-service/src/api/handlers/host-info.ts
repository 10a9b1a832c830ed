// vlm/host/info: what this host is (service version, libvirt, capacity), for a client deciding
// whether it can work with it.
import { HostInfoRequest, hostProtocolVersion } from '@vlm/schemas/src/host-protocol';
import type { HandlerTable } from '../handler-table';
import { type HandlerContext, throwIfCancelled } from './handler-context';

export function registerHostInfoHandlers(table: HandlerTable, context: HandlerContext): void {
  const { hypervisor, version, startedAt } = context.dependencies;

  table.on(HostInfoRequest.type, async (_params, { token }) => {
    throwIfCancelled(token);
    const info = await context.hypervisorCall(() => hypervisor.hostInfo());
    return {
      protocolVersion: hostProtocolVersion,
      service: { version, pid: process.pid, startedAt },
      hostname: info.hostname,
      libvirtVersion: info.libvirtVersion,
      hypervisorVersion: info.hypervisorVersion,
      driver: info.driver,
      libvirtConnection: info.libvirtConnection,
      cpus: info.cpus,
      memoryBytes: info.memoryBytes,
      virtualization: info.virtualization,
      warnings: info.warnings,
    };
  });
}
