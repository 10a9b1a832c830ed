// The VM requests: list, the lifecycle (start, stop, force-stop, reboot, resume), delete, and the VNC
// credentials of a VM this host deployed.
import type { CancellationToken } from 'vscode-jsonrpc/node';
import {
  HostErrorCode,
  VmsDeleteRequest,
  VmsForceStopRequest,
  VmsListRequest,
  VmsRebootRequest,
  VmsResumeRequest,
  type VmSummary,
  VmsStartRequest,
  VmsStopRequest,
  VmsVncCredentialsRequest,
} from '@vlm/schemas/src/host-protocol';
import { HypervisorError } from '../../libvirt/hypervisor';
import { child, descendants, parseXml } from '../../libvirt/xml-parse';
import type { HandlerTable } from '../handler-table';
import { fromHypervisorError, hostError } from '../../host-errors';
import { type HandlerContext, throwIfCancelled, toVmSummary, withIdleShutdown } from './handler-context';

type LifecycleVerb = 'start' | 'stop' | 'force-stop' | 'reboot' | 'resume';

export function registerVmHandlers(table: HandlerTable, context: HandlerContext): void {
  const { hypervisor, store, deployer } = context.dependencies;

  table.on(VmsListRequest.type, async ({ lab }, { token }) => {
    const domains = await context.hypervisorCall(() => hypervisor.listDomains());
    throwIfCancelled(token);
    const selected = lab === undefined ? domains : domains.filter((domain) => context.isLabDomain(domain, lab));
    return { vms: selected.map((domain) => withIdleShutdown(toVmSummary(domain), context.dependencies.idleShutdown)) };
  });

  table.on(VmsStartRequest.type, ({ vm }, { token }) => lifecycle(context, vm, 'start', (name) => hypervisor.start(name), token));
  table.on(VmsStopRequest.type, ({ vm }, { token }) => lifecycle(context, vm, 'stop', (name) => hypervisor.shutdown(name), token));
  table.on(VmsForceStopRequest.type, ({ vm }, { token }) =>
    lifecycle(context, vm, 'force-stop', (name) => hypervisor.destroy(name), token),
  );

  table.on(VmsDeleteRequest.type, async ({ vm, confirmForeign }, { token }) => {
    throwIfCancelled(token);
    const domain = await context.requireDomain(vm);
    const recordedBy = Object.values(store.state.labs).find((record) => record.resources.domains.some((item) => item.name === vm))?.name;
    const lab =
      recordedBy ??
      (deployer.madeHere(domain) && domain.vlm && Object.hasOwn(store.state.labs, domain.vlm.lab) ? domain.vlm.lab : undefined);
    if (lab !== undefined) {
      throw hostError(
        HostErrorCode.InvalidState,
        `VM "${vm}" belongs to lab "${lab}": remove it from the lab file and apply, or destroy the lab.`,
        { field: '/vm' },
      );
    }
    context.requireOwnedOrConfirmed(domain, confirmForeign, 'delete it');
    const definition = parseXml(await context.hypervisorCall(() => hypervisor.getDomainXml(vm), '/vm'));
    const keptDisks = descendants(definition, 'disk')
      .map((disk) => child(disk, 'source')?.attributes.file)
      .filter((path): path is string => path !== undefined);
    throwIfCancelled(token);
    if (domain.state !== 'shut-off' && domain.state !== 'crashed') await context.hypervisorCall(() => hypervisor.destroy(vm), '/vm');
    await context.hypervisorCall(() => hypervisor.undefine(vm), '/vm');
    return { deleted: vm, keptDisks };
  });
  table.on(VmsRebootRequest.type, ({ vm }, { token }) => lifecycle(context, vm, 'reboot', (name) => hypervisor.reboot(name), token));
  table.on(VmsResumeRequest.type, ({ vm }, { token }) => lifecycle(context, vm, 'resume', (name) => hypervisor.resume(name), token));
  table.on(VmsVncCredentialsRequest.type, async ({ vm }, { token }) => {
    throwIfCancelled(token);
    await context.requireDomain(vm);
    const graphics = descendants(parseXml(await context.hypervisorCall(() => hypervisor.getDomainXml(vm), '/vm')), 'graphics').find(
      (item) => item.attributes.type === 'vnc',
    );
    const port = Number(graphics?.attributes.port);
    const password = await deployer.vncPasswords.read(vm);
    if (!graphics || !Number.isInteger(port) || port <= 0 || password === undefined) {
      throw hostError(
        HostErrorCode.NotFound,
        `VM "${vm}" has no VNC display with a password from this host: only VMs this host deployed from a lab have one.`,
        { field: '/vm' },
      );
    }
    return { host: '127.0.0.1' as const, port, password };
  });
}

/** Runs a lifecycle action once (never after a cancel), then answers with the VM as it is now. */
async function lifecycle(
  context: HandlerContext,
  name: string,
  verb: LifecycleVerb,
  action: (name: string) => Promise<void>,
  token: CancellationToken,
): Promise<VmSummary> {
  throwIfCancelled(token);
  const domain = await context.requireDomain(name);
  // Said plainly here, since drivers word (and classify) these differently.
  const running = domain.state !== 'shut-off' && domain.state !== 'crashed';
  if (verb === 'start' && running) {
    throw hostError(HostErrorCode.InvalidState, `Cannot start VM "${name}": it is already ${domain.state}.`, { field: '/vm' });
  }
  if (verb === 'resume' && domain.state !== 'paused') {
    throw hostError(HostErrorCode.InvalidState, `Cannot resume VM "${name}": it is not paused (${domain.state}).`, { field: '/vm' });
  }
  if (verb !== 'start' && !running) {
    throw hostError(HostErrorCode.InvalidState, `Cannot ${verb} VM "${name}": it is not running (${domain.state}).`, { field: '/vm' });
  }
  throwIfCancelled(token);
  try {
    await action(name);
  } catch (error) {
    const failure = fromHypervisorError(error, '/vm');
    const reason = error instanceof HypervisorError ? (error.libvirtMessage ?? error.message) : failure.message;
    throw hostError(failure.code as HostErrorCode, `Cannot ${verb} VM "${name}": ${reason}`, { ...failure.data, field: '/vm' });
  }
  return toVmSummary(await context.requireDomain(name));
}
