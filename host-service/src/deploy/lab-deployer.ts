// The deploy engine's face: applying, destroying and sweeping labs, and rolling back applies a
// crash interrupted. Creation is write-ahead (write-ahead.ts): an intent ("creating X") is
// recorded before libvirt makes X and swapped for X's record right after, and removal forgets X
// right after libvirt removed it. So a crash part-way leaves a record of everything that may
// exist, which crash-recovery.ts resolves on the next start.
//
// The parts: pre-flight checks and plan conflicts (preflight-checks.ts), the apply flow
// (lab-apply.ts), VM creation (vm-creation.ts), ports (port-allocation.ts), readiness
// (vm-readiness.ts), provisioning (vm-provisioning.ts), removal (resource-removal.ts,
// lab-destroy.ts), sweep (leftover-sweep.ts).
import type { Lab } from '@vlm/schemas';
import type { DeployLogLine, LabSweepResult, PlanResult } from '@vlm/schemas/src/host-protocol';
import type { DomainSummary } from '../libvirt/hypervisor';
import { madeByDataDirectory } from '../libvirt/vlm-metadata';
import { recoverInterrupted } from './crash-recovery';
import { DeployContext, type LabDeployerOptions } from './deploy-context';
import { applyLab } from './lab-apply';
import { destroyLab } from './lab-destroy';
import { sweepLeftovers } from './leftover-sweep';
import type { ServiceSshKey } from './service-ssh-key';
import type { VncPasswords } from './vnc-passwords';

export type { LabDeployerOptions } from './deploy-context';

export class LabDeployer {
  private readonly context: DeployContext;
  readonly volumePool: string;
  /** The VNC password of every domain with a VNC display that this deployer defined. */
  readonly vncPasswords: VncPasswords;
  readonly parallelLimit: number;
  readonly readinessTimeoutMs: number;
  readonly provisionTimeoutMs: number;

  constructor(private readonly options: LabDeployerOptions) {
    this.context = new DeployContext(options);
    this.volumePool = this.context.volumePool;
    this.vncPasswords = this.context.vncPasswords;
    this.parallelLimit = this.context.parallelLimit;
    this.readinessTimeoutMs = this.context.readinessTimeoutMs;
    this.provisionTimeoutMs = this.context.provisionTimeoutMs;
  }

  /** Where a UEFI domain's variable store is (for exports that describe the VM). */
  nvramPathFor(domain: string): string {
    return this.context.nvramPathFor(domain);
  }

  /** True when this vlm-host made the domain: VLM's mark in it names this data directory. */
  madeHere(domain: DomainSummary): boolean {
    return madeByDataDirectory(domain.vlm, this.options.dataDirectory);
  }

  /** The data directory's shared service key, made on first use: only labs deployed before per-lab keys use it. */
  serviceKey(): Promise<ServiceSshKey> {
    return this.context.serviceKey();
  }

  /**
   * The key the lab's VMs trust: its own pair (made at its first apply), or for a lab deployed
   * before per-lab keys (its record has no `sshKey`), the data directory's service key.
   */
  labKey(lab: string): Promise<ServiceSshKey> {
    return this.context.labKey(lab);
  }

  /**
   * Rolls back applies a previous run did not finish: every unconfirmed creation is looked up by
   * name and removed if it exists with proof this creation made it; the lab is marked failed.
   * Confirmed resources stay recorded. Returns the labs so marked.
   */
  recoverInterrupted(): Promise<string[]> {
    return recoverInterrupted(this.context);
  }

  /**
   * Cancelling through `signal` stops new steps, aborts readiness waits, lets running libvirt
   * calls finish and be recorded, and marks the lab failed.
   */
  apply(lab: Lab, signal: AbortSignal = new AbortController().signal): Promise<PlanResult> {
    return applyLab(this.context, lab, signal);
  }

  /**
   * Marks the lab busy with another operation (a lab snapshot), so that applying or destroying it
   * meanwhile is refused, and it is refused while those run. Call the returned function when done.
   */
  claim(lab: string, activity: string, field: string): () => void {
    return this.context.claim(lab, activity, field);
  }

  /** Removes everything recorded for the lab, then the lab itself. */
  destroy(lab: string): Promise<PlanResult> {
    return destroyLab(this.context, lab);
  }

  /** Adds a line to the lab's deploy log (kept in the state, sent as a deploy-log event). */
  log(lab: string, level: DeployLogLine['level'], text: string, vm?: string): Promise<void> {
    return this.context.log(lab, level, text, vm);
  }

  /** Lists (and when `remove`, removes) what this host service made that no recorded lab owns. */
  sweep(remove: boolean): Promise<LabSweepResult> {
    return sweepLeftovers(this.context, remove);
  }
}
