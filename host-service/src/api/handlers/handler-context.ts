// What every handler module is given: the host's parts, and the checks that several areas share
// (a VM that must exist, a VM that must be this host's, a request that may have been cancelled).
import type { CancellationToken } from 'vscode-jsonrpc/node';
import { HostErrorCode, type VmSummary } from '@vlm/schemas/src/host-protocol';
import type { Consoles } from '../../consoles/console-manager';
import type { DomainSummary, Hypervisor } from '../../libvirt/hypervisor';
import { recordedLab } from '../../state/state-shape';
import type { StateStore } from '../../state/state-store';
import type { EventLog } from '../../event-log';
import { fromHypervisorError, hostError } from '../../host-errors';
import type { ImageStore } from '../../images/image-store';
import type { LabDeployer } from '../../deploy/lab-deployer';
import type { IdleShutdown } from '../../idle-shutdown/idle-shutdown-service';
import type { MetricsSampler } from '../../metrics/metrics-sampler';

export interface HostApiDependencies {
  hypervisor: Hypervisor;
  /** VM metrics: one GetAllDomainStats per interval while anyone (API followers, idle shutdown) holds a demand. */
  metrics: MetricsSampler;
  store: StateStore;
  events: EventLog;
  deployer: LabDeployer;
  consoles: Consoles;
  images: ImageStore;
  /** Absent in tests of other parts, which start no idle shutdown. */
  idleShutdown?: IdleShutdown;
  version: string;
  startedAt: string;
}

/** The summary with the time idle shutdown will ask the VM to power off, when it is counting down. */
export function withIdleShutdown(summary: VmSummary, idleShutdown: IdleShutdown | undefined): VmSummary {
  const at = idleShutdown?.shutdownAt(summary.name);
  return at === undefined ? summary : { ...summary, idleShutdownAt: at };
}

export function toVmSummary(domain: DomainSummary): VmSummary {
  const summary: VmSummary = {
    name: domain.name,
    uuid: domain.uuid,
    state: domain.state,
    vcpu: domain.vcpu,
    memoryBytes: domain.memoryBytes,
    persistent: domain.persistent,
    autostart: domain.autostart,
  };
  if (domain.vlm) {
    summary.lab = domain.vlm.lab;
    summary.labVm = domain.vlm.vm;
  }
  return summary;
}

export function throwIfCancelled(token: CancellationToken): void {
  if (token.isCancellationRequested) throw hostError(HostErrorCode.RequestCancelled, 'The request was cancelled.');
}

export class HandlerContext {
  constructor(readonly dependencies: HostApiDependencies) {}

  /** Runs a hypervisor call; its failure becomes the API error a client can act on. */
  async hypervisorCall<T>(call: () => Promise<T>, field?: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw fromHypervisorError(error, field);
    }
  }

  /** The lab's VM: recorded by it, or marked for it by this host (another vlm-host's lab of the same name is not it). */
  isLabDomain(domain: DomainSummary, lab: string): boolean {
    const { deployer, store } = this.dependencies;
    return (
      domain.vlm?.lab === lab &&
      (deployer.madeHere(domain) ||
        (recordedLab(store.state.labs, lab)?.resources.domains.some((item) => item.name === domain.name) ?? false))
    );
  }

  async requireDomain(name: string): Promise<DomainSummary> {
    const { hypervisor } = this.dependencies;
    const domain = await this.hypervisorCall(() => hypervisor.getDomain(name));
    if (!domain) throw hostError(HostErrorCode.NotFound, `There is no VM named "${name}".`, { field: '/vm' });
    return domain;
  }

  /**
   * Destructive calls on a domain this host did not make (no VLM mark naming its data directory)
   * go ahead only when the request names the domain a second time, in confirmForeign.
   */
  requireOwnedOrConfirmed(domain: DomainSummary, confirmForeign: string | undefined, action: string): void {
    if (this.dependencies.deployer.madeHere(domain) || confirmForeign === domain.name) return;
    const vm = domain.name;
    const whose = domain.vlm ? `carries the mark of another vlm-host or an older version (lab "${domain.vlm.lab}")` : 'has no VLM metadata';
    throw hostError(
      HostErrorCode.InvalidState,
      confirmForeign === undefined
        ? `VM "${vm}" was not made by this host (it ${whose}). To ${action} anyway, repeat its exact name in confirmForeign: "${vm}".`
        : `confirmForeign "${confirmForeign}" does not name VM "${vm}": give the exact name of the domain to ${action}.`,
      { field: '/confirmForeign', allowed: `the exact domain name ${JSON.stringify(vm)}` },
    );
  }
}
