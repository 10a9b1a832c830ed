// What every part of the deploy engine shares: its options, the lab records it writes, the
// deploy log, the lock that keeps two applies or destroys of one lab from interleaving, and the
// queue that keeps storage pool work one at a time.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { HostErrorCode, type LabStatus } from '@vlm/schemas/src/host-protocol';
import type { EventLog } from '../event-log';
import { hostError } from '../host-errors';
import type { ImageStore } from '../images/image-store';
import { type Hypervisor, HypervisorError } from '../libvirt/hypervisor';
import type { DataFolder } from '../state/data-directory-modes';
import { type DeployLogLine, deployLogLimit, type HostState, type LabRecord, recordedLab } from '../state/state-shape';
import type { ReadonlyHostState, StateStore } from '../state/state-store';
import { defaultPlaybookTimeoutMs } from '../provision/ansible-playbook';
import { isSeedFileName, volumePoolFor } from './lab-resources';
import { loadLabSshKey, loadServiceSshKey, type ServiceSshKey } from './service-ssh-key';
import { VncPasswords } from './vnc-passwords';

export interface LabDeployerOptions {
  hypervisor: Hypervisor;
  store: StateStore;
  events: EventLog;
  images: ImageStore;
  dataDirectory: string;
  /** How many VMs are created, started and waited for at once. Default: from the host's cores (defaultParallelLimit). */
  parallelLimit?: number;
  /** How long a started VM may take to accept SSH. Default 180 s (TCG boots on a busy host are slow). */
  readinessTimeoutMs?: number;
  /** How long one VM's playbook may run before it is stopped. Default 30 minutes. */
  provisionTimeoutMs?: number;
  /** Where the deployer reports what concerns the whole host (a replaced key); stderr by default. */
  log?: (line: string) => void;
}

/** Libvirt errors that mean "already gone", which destroy treats as done. */
export function isGone(error: unknown): boolean {
  return error instanceof HypervisorError && error.code.startsWith('no-such-');
}

/** Rethrows unless the object was already gone. */
export function ignoreGone(error: unknown): void {
  if (!isGone(error)) throw error;
}

/** Rethrows unless the object was already gone or already stopped. */
export function ignoreGoneOrStopped(error: unknown): void {
  if (!isGone(error) && !(error instanceof HypervisorError && error.code === 'invalid-operation')) throw error;
}

/**
 * VMs booted at once: one per host core, 1 to 8. A booting TCG guest keeps a core busy; more at
 * once than there are cores only slows each boot, and a starved guest misses its own timers (its
 * DHCP and SSH start later still), which made a parallel deploy on two cores slow and unsteady.
 */
export function defaultParallelLimit(cores = availableParallelism()): number {
  return Math.min(8, Math.max(1, Math.floor(cores)));
}

export class DeployContext {
  /** Labs with an apply or destroy under way; a second one is refused rather than interleaved. */
  readonly busy = new Set<string>();
  /** What each busy lab is being ("applied or destroyed", "snapshotted"), for the refusal's message. */
  private readonly activities = new Map<string, string>();
  readonly volumePool: string;
  /** The VNC password of every domain with a VNC display that this deployer defined. */
  readonly vncPasswords: VncPasswords;
  readonly parallelLimit: number;
  readonly readinessTimeoutMs: number;
  readonly provisionTimeoutMs: number;
  private key: Promise<ServiceSshKey> | undefined;
  /**
   * Pool work one at a time: applies of two labs at once would both define and start it, and the
   * removal after a last lab's destroy must not race an apply making it.
   */
  private poolWork: Promise<unknown> = Promise.resolve();

  constructor(readonly options: LabDeployerOptions) {
    this.volumePool = volumePoolFor(options.dataDirectory);
    this.vncPasswords = new VncPasswords(options.dataDirectory);
    this.parallelLimit = options.parallelLimit ?? defaultParallelLimit();
    if (!Number.isInteger(this.parallelLimit) || this.parallelLimit < 1 || this.parallelLimit > 64) {
      throw new Error(`The parallel VM limit must be an integer from 1 to 64, not ${options.parallelLimit}.`);
    }
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? 180_000;
    this.provisionTimeoutMs = options.provisionTimeoutMs ?? defaultPlaybookTimeoutMs;
    if (!Number.isInteger(this.provisionTimeoutMs) || this.provisionTimeoutMs < 1000) {
      throw new Error(
        `The provisioning deadline must be a whole number of milliseconds, at least 1000, not ${options.provisionTimeoutMs}.`,
      );
    }
  }

  hostLog(line: string): void {
    (this.options.log ?? ((text: string) => process.stderr.write(`vlm-host: ${text}\n`)))(line);
  }

  /** The data directory's shared service key, made on first use: only labs deployed before per-lab keys use it. */
  serviceKey(): Promise<ServiceSshKey> {
    this.key ??= loadServiceSshKey(this.options.dataDirectory, (line) => this.hostLog(line)).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  /**
   * The key the lab's VMs trust: its own pair (made at its first apply), or for a lab deployed
   * before per-lab keys (its record has no `sshKey`), the data directory's service key.
   */
  labKey(lab: string): Promise<ServiceSshKey> {
    const record = this.labRecord(lab);
    if (record && record.sshKey !== 'lab') return this.serviceKey();
    return loadLabSshKey(this.options.dataDirectory, lab, (line) => this.hostLog(`lab ${lab}: ${line}`));
  }

  /** The lab's record as the state holds it now. */
  labRecord(lab: string): ReadonlyHostState['labs'][string] | undefined {
    return recordedLab(this.options.store.state.labs, lab);
  }

  async log(lab: string, level: DeployLogLine['level'], text: string, vm?: string): Promise<void> {
    const line: DeployLogLine = { time: new Date().toISOString(), level, text };
    if (vm !== undefined) line.vm = vm;
    await this.options.store.update((draft) => {
      const record = recordedLab(draft.labs, lab);
      if (!record) return;
      record.deployLog.push(line);
      if (record.deployLog.length > deployLogLimit) record.deployLog.splice(0, record.deployLog.length - deployLogLimit);
    });
    this.options.events.publish({ type: 'deploy-log', lab, line });
  }

  async setStatus(lab: string, status: LabStatus): Promise<void> {
    await this.options.store.update((draft) => {
      const record = recordedLab(draft.labs, lab);
      if (record) {
        record.status = status;
        record.updatedAt = new Date().toISOString();
      }
    });
    this.options.events.publish({ type: 'lab-status', lab, status });
  }

  record(lab: string, change: (record: LabRecord, draft: HostState) => void): Promise<void> {
    return this.options.store.update((draft) => {
      const record = recordedLab(draft.labs, lab);
      if (record) change(record, draft);
    });
  }

  /** Marks the lab busy with `activity`; the returned function releases it. */
  claim(lab: string, activity = 'applied or destroyed', field = '/lab/name'): () => void {
    if (this.busy.has(lab)) {
      const under = this.activities.get(lab) ?? 'applied or destroyed';
      throw hostError(HostErrorCode.InvalidState, `The lab "${lab}" is being ${under} right now; wait for that to finish.`, { field });
    }
    this.busy.add(lab);
    this.activities.set(lab, activity);
    return () => {
      this.busy.delete(lab);
      this.activities.delete(lab);
    };
  }

  withPool<T>(work: () => Promise<T>): Promise<T> {
    const next = this.poolWork.then(work, work);
    this.poolWork = next.catch(() => undefined);
    return next;
  }

  /** The data directory's pool folder, with its trailing '/'. */
  poolDirectory(): string {
    return `${join(this.options.dataDirectory, 'pool')}/`;
  }

  isSeedPath(path: string): boolean {
    const directory = this.poolDirectory();
    return path.startsWith(directory) && isSeedFileName(path.slice(directory.length));
  }

  /** A UEFI guest's variable store: in the data directory, named after its domain. */
  nvramPathFor(domain: string): string {
    return join(this.options.dataDirectory, 'nvram' satisfies DataFolder, `${domain}.fd`);
  }
}
