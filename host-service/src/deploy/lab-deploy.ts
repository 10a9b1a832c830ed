// Applying and destroying labs. Creation is write-ahead: an intent ("creating X") is recorded
// before libvirt makes X and swapped for X's record right after, and removal forgets X right after
// libvirt removed it. So a crash part-way leaves a record of everything that may exist.
//
// Interrupted applies are rolled back, not resumed: on start, every unconfirmed intent is looked
// up by name in libvirt (or on disk, for seeds) and removed if found with proof this creation made
// it (the UUID it gave, the seed's instance id, a volume in this data directory's own pool); what
// lacks the proof is left alone and logged. Confirmed resources stay recorded; the lab is marked
// failed. Destroy then removes all of it, and applying again makes
// only what is missing and starts what is not running.
//
// A changed lab file is applied in place, as planned: removed VMs go with exactly their recorded
// domain, disk, seed and ports, and VMs whose definition changed are destroyed too (no live
// resizing); then removed and changed networks go, after the VMs that used them. The new
// definition is recorded once those removals are done, and everything added or replaced is made
// like in a first apply. Unchanged VMs are not touched.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { imageNames, type Lab, type VM } from '@vlm/schemas';
import { HostErrorCode, type LabStatus, type LabSweepResult, type PlanResult, type PlanStep, type SweepLeftover } from '@vlm/schemas/src/host-protocol';
import { buildDomainXml } from '../libvirt/domain-xml';
import { HypervisorError, type DomainSummary, type Hypervisor } from '../libvirt/hypervisor';
import { buildNetworkXml } from '../libvirt/network-xml';
import { madeByDataDirectory, vlmMetadataOfNetwork } from '../libvirt/vlm-metadata';
import { childText, parseXml } from '../libvirt/xml-parse';
import { buildDirectoryPoolXml, buildVolumeXml } from '../libvirt/volume-xml';
import {
  deployLogLimit,
  type AllocatedPort,
  type DeployLogLine,
  type HostState,
  type LabRecord,
  type PendingCreation,
  type PortKind,
  recordedLab,
  setRecordedLab,
} from '../state/state-shape';
import { writeNoCloudSeed } from './nocloud-seed';
import { CloudInitError, mergeCloudConfig } from '../deploy/cloud-config';
import { loadLabSshKey, loadServiceSshKey, removeLabSshKey, type ServiceSshKey } from '../deploy/service-ssh-key';
import { waitForSsh } from '../deploy/ssh-readiness';
import { defaultPlaybookTimeoutMs, PlaybookInputError, runPlaybook, validatePlaybook } from '../provision/ansible-playbook';
import { runScheduled, StepFailedError, type ScheduledStep } from '../deploy/step-scheduler';
import type { StateStore } from '../state/state-store';
import type { EventLog } from '../api/event-log';
import { fromHypervisorError, hostError } from '../api/host-errors';
import type { ImageFiles, ImageStore } from '../images/image-store';
import { checkLab } from '../api/lab-checks';
import { networkConflicts, occupiedRanges } from './network-surroundings';
import { planLab } from './lab-plan';
import { labNics, nicMac, seedInterfaces } from './lab-addresses';
import {
  isSeedFileName,
  labDomainName,
  labNetworkName,
  labVolumeName,
  networkName,
  seedPathFor,
  serialLogPathFor,
  volumePoolFor,
} from './lab-resources';
import { removeSerialLogs, removeVolumePool } from './volume-pool';
import { ensureDataFolder, type DataFolder } from '../state/data-directory-modes';
import { VncPasswords } from '../deploy/vnc-passwords';

const portRanges: Record<PortKind, { first: number; last: number }> = {
  ssh: { first: 22000, last: 22999 },
  vnc: { first: 5900, last: 5999 },
};

export interface LabDeployerOptions {
  hypervisor: Hypervisor;
  store: StateStore;
  events: EventLog;
  images: ImageStore;
  dataDirectory: string;
  /** How many VMs are created, started and waited for at once. Default 3. */
  parallelLimit?: number;
  /** How long a started VM may take to accept SSH. Default 180 s (TCG boots on a busy host are slow). */
  readinessTimeoutMs?: number;
  /** How long one VM's playbook may run before it is stopped. Default 30 minutes. */
  provisionTimeoutMs?: number;
  /** Where the deployer reports what concerns the whole host (a replaced key); stderr by default. */
  log?: (line: string) => void;
}

/** TCP ports something listens on now, from /proc (no probing binds). */
async function listeningPorts(): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDRESS:PORT in hex; state 0A is LISTEN.
      if (fields[3] === '0A' && fields[1]) ports.add(Number.parseInt(fields[1].split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

/** Libvirt errors that mean "already gone", which destroy treats as done. */
function isGone(error: unknown): boolean {
  return error instanceof HypervisorError && error.code.startsWith('no-such-');
}

/** VMs in an order where each comes after everything it depends on. */
function bootOrder(vms: readonly VM[]): VM[] {
  const byName = new Map(vms.map((vm) => [vm.name, vm]));
  const ordered: VM[] = [];
  const placed = new Set<string>();
  const place = (vm: VM) => {
    if (placed.has(vm.name)) return;
    placed.add(vm.name);
    for (const dependency of vm.depends_on ?? []) {
      const other = byName.get(dependency);
      if (other) place(other);
    }
    ordered.push(vm);
  };
  vms.forEach(place);
  return ordered;
}

export class LabDeployer {
  /** Labs with an apply or destroy under way; a second one is refused rather than interleaved. */
  private readonly busy = new Set<string>();
  readonly volumePool: string;
  /** The VNC password of every domain with a VNC display that this deployer defined. */
  readonly vncPasswords: VncPasswords;
  readonly parallelLimit: number;
  readonly readinessTimeoutMs: number;
  readonly provisionTimeoutMs: number;
  private key: Promise<ServiceSshKey> | undefined;

  constructor(private readonly options: LabDeployerOptions) {
    this.volumePool = volumePoolFor(options.dataDirectory);
    this.vncPasswords = new VncPasswords(options.dataDirectory);
    this.parallelLimit = options.parallelLimit ?? 3;
    if (!Number.isInteger(this.parallelLimit) || this.parallelLimit < 1 || this.parallelLimit > 64) {
      throw new Error(`The parallel VM limit must be an integer from 1 to 64, not ${options.parallelLimit}.`);
    }
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? 180_000;
    this.provisionTimeoutMs = options.provisionTimeoutMs ?? defaultPlaybookTimeoutMs;
    if (!Number.isInteger(this.provisionTimeoutMs) || this.provisionTimeoutMs < 1000) {
      throw new Error(`The provisioning deadline must be a whole number of milliseconds, at least 1000, not ${options.provisionTimeoutMs}.`);
    }
  }

  private hostLog(line: string): void {
    (this.options.log ?? ((text: string) => process.stderr.write(`vlm-host: ${text}\n`)))(line);
  }

  /** True when this vlm-host made the domain: VLM's mark in it names this data directory. */
  madeHere(domain: DomainSummary): boolean {
    return madeByDataDirectory(domain.vlm, this.options.dataDirectory);
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
    const record = recordedLab(this.options.store.state.labs, lab);
    if (record && record.sshKey !== 'lab') return this.serviceKey();
    return loadLabSshKey(this.options.dataDirectory, lab, (line) => this.hostLog(`lab ${lab}: ${line}`));
  }

  private async log(lab: string, level: DeployLogLine['level'], text: string, vm?: string): Promise<void> {
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

  private async setStatus(lab: string, status: LabStatus): Promise<void> {
    await this.options.store.update((draft) => {
      const record = recordedLab(draft.labs, lab);
      if (record) {
        record.status = status;
        record.updatedAt = new Date().toISOString();
      }
    });
    this.options.events.publish({ type: 'lab-status', lab, status });
  }

  private record(lab: string, change: (record: LabRecord, draft: HostState) => void): Promise<void> {
    return this.options.store.update((draft) => {
      const record = recordedLab(draft.labs, lab);
      if (record) change(record, draft);
    });
  }

  private claim(lab: string): () => void {
    if (this.busy.has(lab)) {
      throw hostError(HostErrorCode.InvalidState, `The lab "${lab}" is being applied or destroyed right now; wait for that to finish.`, {
        field: '/lab/name',
      });
    }
    this.busy.add(lab);
    return () => this.busy.delete(lab);
  }

  /**
   * Rolls back applies a previous run did not finish: every unconfirmed creation is looked up by
   * name and removed if it exists with proof this creation made it; the lab is marked failed.
   * Confirmed resources stay recorded.
   */
  async recoverInterrupted(): Promise<string[]> {
    const labs = Object.values(this.options.store.state.labs).filter((lab) => lab.status === 'deploying' || (lab.pending ?? []).length > 0);
    for (const lab of labs) {
      const pending = [...(lab.pending ?? [])];
      const removed: string[] = [];
      const kept: string[] = [];
      // Domains first: a domain holds its disk and seed open.
      const order: PendingCreation['kind'][] = ['domain', 'volume', 'seed', 'network'];
      pending.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
      for (const intent of pending) {
        const outcome = await this.removeUnconfirmed(intent);
        if (outcome === 'removed') removed.push(`${intent.kind} ${intent.name}`);
        else if (outcome !== 'absent') kept.push(`${intent.kind} ${intent.name} (${outcome})`);
        await this.record(lab.name, (record) => {
          record.pending = (record.pending ?? []).filter((item) => !(item.kind === intent.kind && item.name === intent.name));
        });
      }
      const keptNote = kept.length === 0 ? '' : ` Left alone, as nothing proves this apply made it: ${kept.join(', ')}.`;
      await this.log(
        lab.name,
        'error',
        `The deploy was interrupted: vlm-host stopped before it finished. ${removed.length === 0 ? 'No unconfirmed resource of this apply existed' : `Rolled back what was made but not yet recorded: ${removed.join(', ')}`}.${keptNote} Destroy the lab or apply it again.`,
      );
      await this.setStatus(lab.name, 'failed');
    }
    return labs.map((lab) => lab.name);
  }

  /** 'removed', 'absent', or why what carries the name was kept. */
  private async removeUnconfirmed(intent: PendingCreation): Promise<'removed' | 'absent' | string> {
    const { hypervisor } = this.options;
    const ignoreGone = (error: unknown) => {
      if (!isGone(error) && !(error instanceof HypervisorError && error.code === 'invalid-operation')) throw error;
    };
    switch (intent.kind) {
      case 'domain': {
        const domain = await hypervisor.getDomain(intent.name);
        if (!domain) return 'absent';
        if (intent.uuid === undefined) return 'an older version noted no UUID to check it by';
        if (domain.uuid !== intent.uuid) return `its UUID ${domain.uuid} is not the one this apply gave`;
        if (domain.state !== 'shut-off') await hypervisor.destroy(intent.name).catch(ignoreGone);
        await hypervisor.undefine(intent.name, { snapshots: true }).catch(ignoreGone);
        return 'removed';
      }
      case 'volume': {
        // This data directory's pool holds only what this vlm-host made, and names are one per lab and VM.
        if ((intent.pool ?? this.volumePool) !== this.volumePool) return `not in this host's pool ${this.volumePool}`;
        const exists = await hypervisor.listVolumes(this.volumePool).then(
          (volumes) => volumes.some((volume) => volume.name === intent.name),
          () => false,
        );
        if (!exists) return 'absent';
        await hypervisor.deleteVolume(this.volumePool, intent.name).catch(ignoreGone);
        return 'removed';
      }
      case 'network': {
        const network = (await hypervisor.listNetworks()).find((item) => item.name === intent.name);
        if (!network) return 'absent';
        if (intent.uuid === undefined) return 'an older version noted no UUID to check it by';
        if (network.uuid !== intent.uuid) return `its UUID ${network.uuid} is not the one this apply gave`;
        await hypervisor.destroyNetwork(intent.name).catch(ignoreGone);
        await hypervisor.undefineNetwork(intent.name).catch(ignoreGone);
        return 'removed';
      }
      case 'seed': {
        if (!this.isSeedPath(intent.name)) throw new Error(`Refusing to remove ${JSON.stringify(intent.name)}: not a seed path of this data directory.`);
        // A write killed half-way leaves its staging file beside the seed; the staging name is ours.
        const directory = dirname(intent.name);
        const staging = `.${basename(intent.name)}.`;
        for (const file of await readdir(directory).catch(() => [] as string[])) {
          if (file.startsWith(staging) && file.endsWith('.partial')) await rm(join(directory, file), { force: true });
        }
        const content = await readFile(intent.name).catch(() => undefined);
        if (content === undefined) return 'absent';
        if (intent.instanceId === undefined || !content.includes(intent.instanceId)) return 'it does not hold the instance id this apply wrote';
        await rm(intent.name, { force: true });
        return 'removed';
      }
    }
  }

  private isSeedPath(path: string): boolean {
    const directory = join(this.options.dataDirectory, 'pool') + '/';
    return path.startsWith(directory) && isSeedFileName(path.slice(directory.length));
  }

  private async deleteSeed(lab: string, path: string): Promise<void> {
    if (!this.isSeedPath(path)) throw new Error(`Refusing to remove ${JSON.stringify(path)}: not a seed path of this data directory.`);
    await rm(path, { force: true });
    await this.record(lab, (record) => {
      record.resources.seeds = (record.resources.seeds ?? []).filter((item) => item.path !== path);
    });
  }

  /**
   * Cancelling through `signal` stops new steps, aborts readiness waits, lets running libvirt
   * calls finish and be recorded, and marks the lab failed.
   */
  async apply(lab: Lab, signal: AbortSignal = new AbortController().signal): Promise<PlanResult> {
    const { hypervisor, store } = this.options;
    const problems = checkLab(lab, store.state, imageNames(await this.options.images.catalog()));
    if (problems.length > 0) {
      const first = problems[0] as { field: string; message: string };
      throw hostError(HostErrorCode.InvalidLab, `The lab "${lab.name}" has ${problems.length} problem(s): ${first.field}: ${first.message}.`, {
        field: first.field,
        problems,
      });
    }
    // cloud_init that cannot be merged into the seed is refused before anything is made.
    for (const [index, vm] of lab.vms.entries()) {
      if (vm.cloud_init === undefined) continue;
      try {
        mergeCloudConfig({ hostname: vm.name, sshAuthorizedKeys: [], cloudInit: vm.cloud_init });
      } catch (error) {
        if (!(error instanceof CloudInitError)) throw error;
        const field = `/lab/vms/${index}/cloud_init`;
        throw hostError(HostErrorCode.InvalidLab, `The lab "${lab.name}" has 1 problem(s): ${field}: ${error.message}.`, { field, problems: [{ field, message: error.message }] });
      }
    }
    // A playbook that cannot run is refused before anything is made.
    for (const [index, vm] of lab.vms.entries()) {
      if (vm.ansible_config_yaml === undefined) continue;
      try {
        validatePlaybook(vm.ansible_config_yaml, vm.name);
      } catch (error) {
        if (!(error instanceof PlaybookInputError)) throw error;
        const field = `/lab/vms/${index}/ansible_config_yaml`;
        throw hostError(HostErrorCode.InvalidLab, `The lab "${lab.name}" has 1 problem(s): ${field}: ${error.message}.`, { field, problems: [{ field, message: error.message }] });
      }
    }
    const release = this.claim(lab.name);
    try {
      const info = await hypervisor.hostInfo();
      // The test driver boots nothing; real guests need their image on this host.
      const images = new Map<string, ImageFiles>();
      if (info.driver !== 'test') {
        for (const [index, vm] of lab.vms.entries()) {
          if (images.has(vm.os_image)) continue;
          const files = await this.options.images.files(vm.os_image);
          if (!files?.disk && !files?.kernel) {
            throw hostError(
              HostErrorCode.InvalidState,
              `The image "${vm.os_image}" is not on this host yet: pull it first (vlm/images/pull).`,
              { field: `/lab/vms/${index}/os_image` },
            );
          }
          images.set(vm.os_image, files);
        }
      }
      const [domains, networks] = await Promise.all([hypervisor.listDomains(), hypervisor.listNetworks()]);
      const { plan, conflicts } = planLab({ lab, record: recordedLab(store.state.labs, lab.name), domains, networks, volumePool: this.volumePool });
      conflicts.push(...networkConflicts(lab, await occupiedRanges({ lab, state: store.state, hypervisor, driver: info.driver })));
      if (conflicts.length > 0) {
        const first = conflicts[0] as { field: string; message: string };
        throw hostError(HostErrorCode.AlreadyExists, `The lab "${lab.name}" cannot be applied: ${first.field}: ${first.message}.`, {
          field: first.field,
          problems: conflicts,
        });
      }
      // Unchanged and all running: nothing to do. A lab whose last apply failed may still have
      // VMs to start (or to wait for), which execute does without changing anything else.
      const record = recordedLab(store.state.labs, lab.name);
      const running = new Set(domains.filter((domain) => domain.state === 'running').map((domain) => domain.name));
      const allRunning = lab.vms.every((vm) => running.has(labDomainName(record, lab.name, vm.name)));
      if (plan.steps.length === 0 && allRunning && record?.status === 'running') {
        // Fields that need no step (description, tags, depends_on) are still recorded.
        if (JSON.stringify(record.definition) !== JSON.stringify(lab)) {
          await this.record(lab.name, (draft) => {
            draft.definition = lab;
          });
        }
        return plan;
      }
      await this.execute(lab, plan.steps, info.domainType, images, signal);
      return plan;
    } catch (error) {
      throw fromHypervisorError(error);
    } finally {
      release();
    }
  }

  private async execute(
    lab: Lab,
    steps: PlanStep[],
    domainType: 'kvm' | 'qemu',
    images: ReadonlyMap<string, ImageFiles>,
    signal: AbortSignal,
  ): Promise<void> {
    const cancelledError = () => hostError(HostErrorCode.RequestCancelled, `The apply of "${lab.name}" was cancelled; what was made so far is recorded.`);
    const checkpoint = () => {
      if (signal.aborted) throw cancelledError();
    };
    const { hypervisor, store, events } = this.options;
    const now = new Date().toISOString();
    // The lab is recorded before anything is made, so whatever is made is recorded under it. An
    // applied lab keeps its old definition until its removals are done (see below).
    await store.update((draft) => {
      const existing = recordedLab(draft.labs, lab.name);
      if (existing) {
        existing.status = 'deploying';
        existing.updatedAt = now;
        existing.deployLog = [];
      } else {
        setRecordedLab(draft.labs, lab.name, {
          name: lab.name,
          status: 'deploying',
          definition: lab,
          createdAt: now,
          updatedAt: now,
          resources: { domains: [], volumes: [], networks: [], ports: [], seeds: [] },
          pending: [],
          deployLog: [],
          sshKey: 'lab',
        });
      }
    });
    events.publish({ type: 'lab-status', lab: lab.name, status: 'deploying' });
    try {
      await this.log(lab.name, 'info', `Applying ${steps.length} step(s), up to ${this.parallelLimit} VM(s) at a time.`);
      // Removals first, VMs before networks, so no network goes while a VM still uses it. Each
      // VM goes with exactly what is recorded for it; a replaced VM keeps its unchanged ports.
      const removedVms = new Set(steps.filter((item) => item.action === 'delete' && item.kind === 'domain').map((item) => item.labItem));
      const replacedVms = new Set(steps.filter((item) => item.action === 'change' && item.kind === 'domain').map((item) => item.labItem));
      const movedPorts = new Set(steps.filter((item) => item.action === 'change' && item.kind === 'port').map((item) => `${item.labItem} ${item.resource.split(':')[0]}`));
      for (const vm of [...removedVms, ...replacedVms]) {
        checkpoint();
        const replaced = steps.find((item) => item.action === 'change' && item.kind === 'domain' && item.labItem === vm);
        await this.log(lab.name, 'info', replaced ? `Replacing ${replaced.resource}: ${replaced.changes.slice(1).join(', ')}.` : `Removing VM ${vm}: it is no longer in the lab file.`, vm);
        await this.removeVm(lab.name, vm, (port) => removedVms.has(vm) || movedPorts.has(`${vm} ${port.kind}`));
      }
      for (const step of steps.filter((item) => (item.action === 'delete' || item.action === 'change') && item.kind === 'network')) {
        checkpoint();
        await this.deleteNetwork(lab.name, step.resource);
      }
      // From here on the lab holds nothing the new definition does not describe, so the new
      // definition is recorded: a failure later is resumed like a failed first apply.
      await this.record(lab.name, (record, draft) => {
        record.definition = lab;
        // Ports of VMs in neither file (left by an older failed apply) are freed too.
        const kept = new Set(lab.vms.map((vm) => vm.name));
        record.resources.ports = record.resources.ports.filter((port) => kept.has(port.vm));
        draft.allocated_ports = draft.allocated_ports.filter((port) => port.lab !== lab.name || kept.has(port.vm));
      });

      for (const network of lab.networks ?? []) {
        checkpoint();
        if (!steps.some((step) => step.action !== 'delete' && step.kind === 'network' && step.labItem === network.name)) continue;
        // A replaced network was removed above, so it is made again under the current scheme's name.
        const name = networkName(lab.name, network.name);
        const uuid = randomUUID();
        const vlm = { lab: lab.name, network: network.name, dataDirectory: this.options.dataDirectory };
        await this.creating(lab.name, { kind: 'network', name, item: network.name, uuid }, async () => {
          await hypervisor.defineNetwork(buildNetworkXml({ name, uuid, cidr: network.cidr, mode: network.mode ?? 'isolated', dhcp: network.dhcp ?? true, vlm }));
        }, (record) => record.resources.networks.push({ name, network: network.name, uuid }));
        await hypervisor.startNetwork(name);
        await this.log(lab.name, 'info', `Network ${name} (${network.cidr}) is up.`);
      }

      await this.allocatePorts(lab);
      const poolPath = await this.ensurePool();
      const serviceKey = images.size > 0 ? await this.labKey(lab.name) : undefined;
      if (serviceKey !== undefined && recordedLab(store.state.labs, lab.name)?.sshKey !== 'lab') {
        await this.log(lab.name, 'warning', 'This lab was deployed before each lab had its own SSH key: its VMs trust the data directory\'s shared key. Destroy and apply it to give it a key of its own.');
      }
      // By lab VM: a replaced VM's step names the domain it had, its new one may be named anew.
      const created = new Set(steps.filter((step) => step.action !== 'delete' && step.kind === 'domain').map((step) => step.labItem));
      const states = new Map((await hypervisor.listDomains()).map((domain) => [domain.name, domain.state]));
      const vmSteps: ScheduledStep[] = lab.vms.map((vm) => ({
        name: vm.name,
        dependsOn: vm.depends_on ?? [],
        run: async (stepSignal) => {
          let name = labDomainName(recordedLab(this.options.store.state.labs, lab.name), lab.name, vm.name);
          const stop = () => {
            if (stepSignal.aborted) throw signal.aborted ? cancelledError() : new Error('stopped because another step failed');
          };
          if (created.has(vm.name)) {
            name = await this.createVm(lab, vm, { domainType, image: images.get(vm.os_image), poolPath, serviceKey, stop });
          } else if (states.get(name) === 'running') {
            return;
          }
          stop();
          await hypervisor.start(name);
          await this.log(lab.name, 'info', `Started ${name}.`, vm.name);
          const image = images.get(vm.os_image);
          const sshPort = recordedLab(this.options.store.state.labs, lab.name)?.resources.ports.find((port) => port.vm === vm.name && port.kind === 'ssh')?.port;
          if (image !== undefined && serviceKey !== undefined && sshPort !== undefined) {
            await this.log(lab.name, 'info', `Waiting for SSH on 127.0.0.1:${sshPort} (up to ${Math.round(this.readinessTimeoutMs / 1000)} s).`, vm.name);
            const ready = await waitForSsh({
              host: '127.0.0.1',
              port: sshPort,
              user: 'root',
              privateKey: serviceKey.privateKey,
              timeoutMs: this.readinessTimeoutMs,
              signal: stepSignal,
            });
            stop();
            await this.log(
              lab.name,
              'info',
              `${name} is ready: SSH on 127.0.0.1:${sshPort} accepted the lab's key after ${(ready.elapsedMs / 1000).toFixed(1)} s (${ready.attempts} attempt(s)); host key SHA256:${ready.hostKeySha256}.`,
              vm.name,
            );
            if (vm.ansible_config_yaml !== undefined) {
              await this.log(lab.name, 'info', `Provisioning ${name} with its Ansible playbook.`, vm.name);
              await runPlaybook({
                playbook: vm.ansible_config_yaml,
                host: vm.name,
                port: sshPort,
                user: 'root',
                privateKeyPath: serviceKey.privateKeyPath,
                // Nothing of the data directory (keys, state, other labs) is visible to the run.
                hiddenPaths: [this.options.dataDirectory],
                timeoutMs: this.provisionTimeoutMs,
                // Lines are logged in order (the store serializes updates); a failed write is not the playbook's failure.
                onLine: (line) => void this.log(lab.name, 'info', line, vm.name).catch(() => undefined),
                signal: stepSignal,
              });
              stop();
              await this.log(lab.name, 'info', `${name} is provisioned.`, vm.name);
            }
          }
        },
      }));
      await runScheduled(vmSteps, this.parallelLimit, signal);
      await this.log(lab.name, 'info', 'The lab is running.');
      await this.setStatus(lab.name, 'running');
    } catch (error) {
      const failed = error instanceof StepFailedError ? error : undefined;
      const cause = failed ? failed.reason : error;
      const reason = cause instanceof HypervisorError ? (cause.libvirtMessage ?? cause.message) : cause instanceof Error ? cause.message : String(cause);
      const where = failed ? ` at VM "${failed.step}"` : '';
      await this.log(lab.name, 'error', signal.aborted ? `Apply cancelled by the client${where}: ${reason}` : `Apply failed${where}: ${reason}`).catch(() => undefined);
      await this.setStatus(lab.name, 'failed').catch(() => undefined);
      if (signal.aborted) throw cancelledError();
      if (failed) {
        const converted = fromHypervisorError(cause);
        throw hostError(converted.code as HostErrorCode, `Apply of "${lab.name}" failed at VM "${failed.step}": ${converted.message}`, { field: `/lab/vms/${lab.vms.findIndex((vm) => vm.name === failed.step)}` });
      }
      throw error;
    }
  }

  /**
   * Write-ahead creation: the intent is recorded durably, the resource made, then the intent
   * swapped for the resource's record in one write. A crash in between leaves the intent, which
   * the next start resolves by looking the name up in libvirt.
   */
  private async creating(lab: string, intent: PendingCreation, make: () => Promise<void>, confirm: (record: LabRecord) => void): Promise<void> {
    await this.record(lab, (record) => {
      record.pending = [...(record.pending ?? []), intent];
    });
    try {
      await make();
    } catch (error) {
      // libvirt refused because the name is taken: nothing was made, and what holds the name is not ours.
      if (error instanceof HypervisorError && error.code === 'already-exists') {
        await this.record(lab, (record) => {
          record.pending = (record.pending ?? []).filter((item) => !(item.kind === intent.kind && item.name === intent.name));
        });
      }
      throw error;
    }
    await this.record(lab, (record) => {
      record.pending = (record.pending ?? []).filter((item) => !(item.kind === intent.kind && item.name === intent.name));
      confirm(record);
    });
  }

  private async createVm(
    lab: Lab,
    vm: VM,
    context: { domainType: 'kvm' | 'qemu'; image: ImageFiles | undefined; poolPath: string; serviceKey: ServiceSshKey | undefined; stop: () => void },
  ): Promise<string> {
    const { hypervisor } = this.options;
    const { image, poolPath } = context;
    const labRecord = () => recordedLab(this.options.store.state.labs, lab.name);
    const recorded = () => labRecord()?.resources;
    const name = labDomainName(labRecord(), lab.name, vm.name);
    const volume = labVolumeName(labRecord(), this.volumePool, lab.name, vm.name);
    const nics = labNics(lab, vm);
    context.stop();
    let volumePath = join(poolPath, volume);
    // A previous, interrupted apply may have made (and recorded) the disk already.
    if (!recorded()?.volumes.some((item) => item.pool === this.volumePool && item.name === volume)) {
      await this.creating(lab.name, { kind: 'volume', name: volume, pool: this.volumePool, item: vm.name }, async () => {
        const made = await hypervisor.createVolume(
          this.volumePool,
          buildVolumeXml({
            name: volume,
            capacityBytes: vm.disk_gb * 1024 ** 3,
            // A thin overlay: only the blocks the VM writes use space.
            ...(image?.disk === undefined ? {} : { backingPath: image.disk, backingFormat: image.diskFormat }),
          }),
        );
        if (made.path) volumePath = made.path;
      }, (record) => record.resources.volumes.push({ pool: this.volumePool, name: volume, vm: vm.name }));
    }
    context.stop();
    let seedPath: string | undefined;
    if (image !== undefined && context.serviceKey !== undefined) {
      const path = recorded()?.seeds?.find((item) => item.vm === vm.name)?.path ?? seedPathFor(poolPath, lab.name, vm.name);
      const keys = [context.serviceKey.publicKey, ...(vm.ssh_authorized_keys ?? [])];
      // A new instance id per apply: cloud-init redoes its first-boot work for a recreated VM. Its
      // random part is also what proves, after a crash, that the file is this apply's.
      const instanceId = `${name.slice(0, 111)}-${randomBytes(8).toString('hex')}`; // at most 128, as NoCloud seeds take
      await this.creating(lab.name, { kind: 'seed', name: path, item: vm.name, instanceId }, async () => {
        const userData = mergeCloudConfig({ hostname: vm.name, sshAuthorizedKeys: keys, ...(vm.cloud_init === undefined ? {} : { cloudInit: vm.cloud_init }) });
        const interfaces = seedInterfaces(lab, vm);
        await writeNoCloudSeed(path, { instanceId, hostname: vm.name, sshAuthorizedKeys: keys, userData, ...(interfaces ? { interfaces } : {}) });
      }, (record) => {
        const seeds = (record.resources.seeds ??= []);
        if (!seeds.some((item) => item.path === path)) seeds.push({ path, vm: vm.name });
      });
      seedPath = path;
    }
    const ports = recorded()?.ports ?? [];
    const uuid = randomUUID();
    const sshPort = ports.find((port) => port.vm === vm.name && port.kind === 'ssh')?.port;
    const vncPort = ports.find((port) => port.vm === vm.name && port.kind === 'vnc')?.port;
    // On disk before the domain is defined: a display is never left without its recorded password.
    const vncPassword = vncPort === undefined ? undefined : await this.vncPasswords.create(name);
    const xml = buildDomainXml({
      name,
      type: context.domainType,
      vcpu: vm.vcpu,
      memoryMiB: vm.ram_mb,
      disk: { path: volumePath },
      // Under OVMF, Linux finds no IDE CD-ROM on 'pc' (the firmware leaves the channel unusable), so UEFI guests read the seed from virtio.
      ...(seedPath === undefined ? {} : { cdrom: seedPath, cdromBus: vm.firmware === 'uefi' ? ('virtio' as const) : ('ide' as const) }),
      networks: nics.map((nic) => ({ network: labNetworkName(labRecord(), lab.name, nic.network), mac: nic.mac })),
      ...(vncPort === undefined ? {} : { vncPort, vncPassword }),
      ...(sshPort === undefined ? {} : { sshHostPort: sshPort, sshMac: nicMac(lab.name, vm.name, 'management') }),
      ...(vm.firmware === 'uefi' ? { firmware: 'uefi' as const, nvramPath: this.nvramPathFor(name) } : {}),
      ...(image?.kernel === undefined
        ? {}
        : {
            kernelBoot: {
              kernel: image.kernel,
              ...(image.initramfs === undefined ? {} : { initrd: image.initramfs }),
              ...(image.cmdline === undefined ? {} : { cmdline: image.cmdline }),
            },
          }),
      ...(image === undefined ? {} : { serialLogPath: serialLogPathFor(this.options.dataDirectory, name) }),
      vlm: { lab: lab.name, vm: vm.name, dataDirectory: this.options.dataDirectory },
      // Chosen here and noted in the intent: the proof, after a crash, that this domain is this apply's.
      // It also makes libvirt refuse, rather than redefine, a domain someone else made under the name.
      uuid,
    });
    context.stop();
    // Static addresses: a fixed lease on the lab network too, for guests that ask DHCP anyway.
    for (const nic of nics) {
      const network = (lab.networks ?? []).find((item) => item.name === nic.network);
      if (nic.ip === undefined || !(network?.dhcp ?? true)) continue;
      await hypervisor.setNetworkDhcpHost(labNetworkName(labRecord(), lab.name, nic.network), { mac: nic.mac, ip: nic.ip, name: vm.name }, true);
    }
    if (vm.firmware === 'uefi') await ensureDataFolder(this.options.dataDirectory, 'nvram');
    await this.creating(lab.name, { kind: 'domain', name, item: vm.name, uuid }, async () => {
      await hypervisor.defineDomain(xml);
      if (vm.autostart) await hypervisor.setAutostart(name, true);
    }, (record) => record.resources.domains.push({ name, vm: vm.name, uuid }));
    // A VM that starts with the host needs its networks up by then.
    if (vm.autostart) for (const nic of nics) await hypervisor.setNetworkAutostart(labNetworkName(labRecord(), lab.name, nic.network), true);
    await this.log(lab.name, 'info', `Defined ${name} (${vm.vcpu} vCPU, ${vm.ram_mb} MiB, ${vm.disk_gb} GiB${seedPath === undefined ? '' : `, NoCloud seed on ${vm.firmware === 'uefi' ? 'virtio' : 'IDE'}`}).`, vm.name);
    return name;
  }

  /** Gives every VM its ports: the lab file's, or the lowest free ones; recorded before use. */
  private async allocatePorts(lab: Lab): Promise<void> {
    const listening = await listeningPorts();
    await this.options.store.update((draft) => {
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
          let port = kind === 'ssh' ? vm.ssh_port : vm.vnc_port;
          if (port === undefined) {
            const range = portRanges[kind];
            for (let candidate = range.first; candidate <= range.last; candidate += 1) {
              if (!taken.has(`${kind}:${candidate}`)) {
                port = candidate;
                break;
              }
            }
          }
          if (port === undefined) throw new Error(`No free ${kind} port is left in ${portRanges[kind].first}-${portRanges[kind].last}.`);
          taken.add(`${kind}:${port}`);
          const allocation: AllocatedPort = { kind, port, lab: lab.name, vm: vm.name };
          draft.allocated_ports.push(allocation);
          record.resources.ports.push({ kind, port, vm: vm.name });
        }
      }
    });
  }

  /**
   * Pool work one at a time: applies of two labs at once would both define and start it, and the
   * removal after a last lab's destroy must not race an apply making it.
   */
  private poolWork: Promise<unknown> = Promise.resolve();

  private withPool<T>(work: () => Promise<T>): Promise<T> {
    const next = this.poolWork.then(work, work);
    this.poolWork = next.catch(() => undefined);
    return next;
  }

  private ensurePool(): Promise<string> {
    return this.withPool(() => this.ensurePoolOnce());
  }

  private async ensurePoolOnce(): Promise<string> {
    const { hypervisor, dataDirectory } = this.options;
    // QEMU (its own user) passes through to the disks; virtlogd (root) writes the serial logs.
    const path = await ensureDataFolder(dataDirectory, 'pool');
    await ensureDataFolder(dataDirectory, 'logs');
    const pool = (await hypervisor.listStoragePools()).find((item) => item.name === this.volumePool);
    if (!pool) await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name: this.volumePool, path }));
    if (!pool?.active) await hypervisor.startStoragePool(this.volumePool);
    return path;
  }

  /** Removes a VM's recorded domain, disks, seeds and the ports `freePort` picks, in that order. */
  private async removeVm(lab: string, vm: string, freePort: (port: { kind: PortKind; port: number }) => boolean): Promise<void> {
    const resources = () => recordedLab(this.options.store.state.labs, lab)?.resources;
    for (const item of [...(resources()?.domains ?? [])].filter((domain) => domain.vm === vm)) await this.deleteDomain(lab, item.name);
    // Its fixed leases, on networks that stay (a network that goes takes them along).
    const definition = recordedLab(this.options.store.state.labs, lab)?.definition as Lab | undefined;
    const before = definition?.vms.find((item) => item.name === vm);
    for (const nic of definition && before ? labNics(definition, before) : []) {
      const network = resources()?.networks.find((item) => item.network === nic.network);
      if (nic.ip === undefined || !network) continue;
      await this.options.hypervisor.setNetworkDhcpHost(network.name, { mac: nic.mac, ip: nic.ip }, false).catch((error: unknown) => {
        if (!isGone(error)) throw error;
      });
    }
    for (const item of [...(resources()?.volumes ?? [])].filter((volume) => volume.vm === vm)) await this.deleteVolume(lab, `${item.pool}/${item.name}`);
    for (const item of [...(resources()?.seeds ?? [])].filter((seed) => seed.vm === vm)) await this.deleteSeed(lab, item.path);
    await this.record(lab, (record, draft) => {
      const freed = (port: { kind: PortKind; port: number; vm: string }) => port.vm === vm && freePort(port);
      record.resources.ports = record.resources.ports.filter((port) => !freed(port));
      draft.allocated_ports = draft.allocated_ports.filter((port) => port.lab !== lab || !freed(port));
    });
  }

  /** A UEFI guest's variable store: in the data directory, named after its domain. */
  private nvramPathFor(domain: string): string {
    return join(this.options.dataDirectory, 'nvram' satisfies DataFolder, `${domain}.fd`);
  }

  private async deleteDomain(lab: string, name: string): Promise<void> {
    const { hypervisor } = this.options;
    const found = await hypervisor.getDomain(name);
    // The recorded UUID says which domain the lab made; one made since under the name is not it.
    const recordedUuid = recordedLab(this.options.store.state.labs, lab)?.resources.domains.find((item) => item.name === name)?.uuid;
    const domain = found && (recordedUuid === undefined || recordedUuid === '' || found.uuid === recordedUuid) ? found : undefined;
    if (found && !domain) await this.log(lab, 'warning', `Left ${name} alone: its UUID ${found.uuid} is not the ${recordedUuid} this lab made, so it is someone else's.`);
    if (domain && domain.state !== 'shut-off') {
      await hypervisor.destroy(name).catch((error: unknown) => {
        if (!isGone(error) && !(error instanceof HypervisorError && error.code === 'invalid-operation')) throw error;
      });
    }
    if (domain) await hypervisor.undefine(name, { snapshots: true }).catch((error: unknown) => {
      if (!isGone(error)) throw error;
    });
    await removeSerialLogs(this.options.dataDirectory, name);
    // libvirt removes a UEFI guest's NVRAM with it; a file left by an older libvirt goes here.
    await rm(this.nvramPathFor(name), { force: true });
    await this.vncPasswords.remove(name);
    await this.record(lab, (record) => {
      record.resources.domains = record.resources.domains.filter((item) => item.name !== name);
    });
    await this.log(lab, 'info', `Removed ${name}.`);
  }

  /** `resource` is "pool/name". */
  private async deleteVolume(lab: string, resource: string): Promise<void> {
    const [pool, name] = resource.split('/') as [string, string];
    await this.options.hypervisor.deleteVolume(pool, name).catch((error: unknown) => {
      if (!isGone(error)) throw error;
    });
    await this.record(lab, (record) => {
      record.resources.volumes = record.resources.volumes.filter((item) => !(item.pool === pool && item.name === name));
    });
  }

  private async deleteNetwork(lab: string, name: string): Promise<void> {
    const { hypervisor } = this.options;
    const recordedUuid = recordedLab(this.options.store.state.labs, lab)?.resources.networks.find((item) => item.name === name)?.uuid;
    const found = (await hypervisor.listNetworks()).find((item) => item.name === name);
    if (found && recordedUuid !== undefined && found.uuid !== recordedUuid) {
      await this.log(lab, 'warning', `Left network ${name} alone: its UUID ${found.uuid} is not the ${recordedUuid} this lab made, so it is someone else's.`);
    } else if (found) {
      await hypervisor.destroyNetwork(name).catch((error: unknown) => {
        if (!isGone(error) && !(error instanceof HypervisorError && error.code === 'invalid-operation')) throw error;
      });
      await hypervisor.undefineNetwork(name).catch((error: unknown) => {
        if (!isGone(error)) throw error;
      });
    }
    await this.record(lab, (record) => {
      record.resources.networks = record.resources.networks.filter((item) => item.name !== name);
    });
    if (!found || recordedUuid === undefined || found.uuid === recordedUuid) await this.log(lab, 'info', `Removed network ${name}.`);
  }

  /** Removes everything recorded for the lab, then the lab itself. */
  async destroy(lab: string): Promise<PlanResult> {
    const record = recordedLab(this.options.store.state.labs, lab);
    if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${lab}" on this host.`, { field: '/name' });
    const release = this.claim(lab);
    try {
      const steps: PlanStep[] = [
        ...record.resources.domains.map((item): PlanStep => ({ action: 'delete', kind: 'domain', resource: item.name, labItem: item.vm, changes: [] })),
        ...record.resources.volumes.map((item): PlanStep => ({ action: 'delete', kind: 'volume', resource: `${item.pool}/${item.name}`, labItem: item.vm, changes: [] })),
        ...record.resources.networks.map((item): PlanStep => ({ action: 'delete', kind: 'network', resource: item.name, labItem: item.network, changes: [] })),
        ...(record.resources.seeds ?? []).map((item): PlanStep => ({ action: 'delete', kind: 'seed', resource: item.path, labItem: item.vm, changes: [] })),
        ...record.resources.ports.map((item): PlanStep => ({ action: 'delete', kind: 'port', resource: `${item.kind}:${item.port}`, labItem: item.vm, changes: [] })),
      ];
      await this.log(lab, 'info', `Destroying: ${steps.length} resource(s).`);
      try {
        for (const step of steps.filter((item) => item.kind === 'domain')) await this.deleteDomain(lab, step.resource);
        for (const step of steps.filter((item) => item.kind === 'volume')) await this.deleteVolume(lab, step.resource);
        for (const step of steps.filter((item) => item.kind === 'seed')) await this.deleteSeed(lab, step.resource);
        for (const step of steps.filter((item) => item.kind === 'network')) await this.deleteNetwork(lab, step.resource);
      } catch (error) {
        await this.log(lab, 'error', `Destroy failed: ${error instanceof Error ? error.message : String(error)}`).catch(() => undefined);
        await this.setStatus(lab, 'failed').catch(() => undefined);
        throw fromHypervisorError(error);
      }
      await this.options.store.update((draft) => {
        delete draft.labs[lab];
        draft.allocated_ports = draft.allocated_ports.filter((port) => port.lab !== lab);
      });
      // The lab's key goes with it: nothing it opened exists any more.
      await removeLabSshKey(this.options.dataDirectory, lab);
      this.options.events.publish({ type: 'lab-status', lab, status: 'destroyed' });
      await this.removePoolIfLast(lab);
      return { lab, newLab: false, steps, unchanged: 0 };
    } finally {
      release();
    }
  }

  /**
   * Removes the data directory's pool once `lab`, just destroyed, was the last one: no lab is
   * recorded and none is being applied. A failure is logged; the lab is destroyed either way.
   */
  private removePoolIfLast(lab: string): Promise<void> {
    const { hypervisor, store, dataDirectory } = this.options;
    const log = this.options.log ?? (() => undefined);
    return this.withPool(async () => {
      if (Object.keys(store.state.labs).length > 0 || [...this.busy].some((item) => item !== lab)) return;
      const result = await removeVolumePool(hypervisor, this.volumePool, join(dataDirectory, 'pool'));
      if ('kept' in result) log(`The storage pool ${this.volumePool} stays although no lab is left: ${result.kept}.`);
      else if (result.removed) log(`Removed the storage pool ${this.volumePool}: its last lab, ${lab}, is destroyed.`);
    }).catch((error: unknown) => log(`Removing the storage pool ${this.volumePool} failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  /**
   * Leftovers of this host service that no recorded lab owns, each with proof VLM made it here:
   * domains and networks whose VLM mark names this data directory (domains from before the mark
   * held it: VLM's mark and a disk in this data directory's pool), and volumes and seed files in
   * this data directory's own pool. Names prove nothing: a network or domain named like a lab's
   * but made by the user or another vlm-host is never listed. Also storage pools VLM named after a
   * data directory whose folder is gone. Refused while an apply or destroy runs.
   */
  async sweep(remove: boolean): Promise<LabSweepResult> {
    if (this.busy.size > 0) {
      throw hostError(HostErrorCode.InvalidState, `A sweep waits until no lab is being applied or destroyed (busy: ${[...this.busy].join(', ')}).`);
    }
    const sweeping = '\u0000sweep';
    this.busy.add(sweeping);
    try {
      const { hypervisor, store, dataDirectory } = this.options;
      const poolDirectory = join(dataDirectory, 'pool') + '/';
      const labs = Object.values(store.state.labs);
      const ownedDomains = new Set(labs.flatMap((lab) => lab.resources.domains.map((item) => item.name)));
      const ownedNetworks = new Set(labs.flatMap((lab) => lab.resources.networks.map((item) => item.name)));
      const ownedVolumes = new Set(labs.flatMap((lab) => lab.resources.volumes.map((item) => `${item.pool}/${item.name}`)));
      const ownedSeeds = new Set(labs.flatMap((lab) => (lab.resources.seeds ?? []).map((item) => item.path)));
      const leftovers: SweepLeftover[] = [];
      for (const domain of await hypervisor.listDomains()) {
        if (!domain.vlm || ownedDomains.has(domain.name)) continue;
        if (domain.vlm.dataDirectory !== undefined) {
          if (!madeByDataDirectory(domain.vlm, dataDirectory)) continue; // another vlm-host's
          leftovers.push({ kind: 'domain', name: domain.name, reason: `VLM's mark for this data directory (lab ${domain.vlm.lab}, VM ${domain.vlm.vm}); no recorded lab owns it` });
          continue;
        }
        // Marked by an older version, which did not name its data directory: its disk must be in this one's pool.
        const xml = await hypervisor.getDomainXml(domain.name).catch(() => '');
        if (!xml.includes(`'${poolDirectory}`) && !xml.includes(`"${poolDirectory}`)) continue;
        leftovers.push({ kind: 'domain', name: domain.name, reason: `VLM's mark (lab ${domain.vlm.lab}, VM ${domain.vlm.vm}) and a disk in this host's pool; no recorded lab owns it` });
      }
      for (const network of await hypervisor.listNetworks()) {
        if (ownedNetworks.has(network.name)) continue;
        const mark = vlmMetadataOfNetwork(await hypervisor.getNetworkXml(network.name).catch(() => ''));
        if (!mark || !madeByDataDirectory(mark, dataDirectory)) continue;
        leftovers.push({ kind: 'network', name: network.name, reason: `VLM's mark for this data directory (lab ${mark.lab}, network ${mark.network}); no recorded lab owns it` });
      }
      const pools = await hypervisor.listStoragePools();
      const pool = pools.find((item) => item.name === this.volumePool);
      const seen = new Set<string>();
      if (pool?.active) {
        for (const volume of await hypervisor.listVolumes(this.volumePool)) {
          seen.add(volume.name);
          if (ownedVolumes.has(`${this.volumePool}/${volume.name}`) || ownedSeeds.has(join(poolDirectory, volume.name))) continue;
          leftovers.push(
            volume.name.endsWith('.seed.iso')
              ? { kind: 'seed', name: join(poolDirectory, volume.name), reason: `a seed in this host's pool ${this.volumePool}; no recorded lab owns it` }
              : { kind: 'volume', name: `${this.volumePool}/${volume.name}`, reason: `in this host's pool ${this.volumePool}; no recorded lab owns it` },
          );
        }
      }
      // The pool's volume list can lag the directory (libvirt refreshes it on demand).
      for (const file of await readdir(poolDirectory).catch(() => [] as string[])) {
        const path = join(poolDirectory, file);
        if (seen.has(file) || !this.isSeedPath(path) || ownedSeeds.has(path)) continue;
        leftovers.push({ kind: 'seed', name: path, reason: `a seed in this host's pool directory; no recorded lab owns it` });
      }
      for (const item of pools) {
        if (!item.name.startsWith('vlm-')) continue;
        const folder = await this.orphanPoolFolder(item.name);
        if (folder !== undefined) leftovers.push({ kind: 'pool', name: item.name, reason: `the storage pool VLM names after ${folder}, which is gone` });
      }
      if (remove) {
        const ignoreGone = (error: unknown) => {
          if (!isGone(error) && !(error instanceof HypervisorError && error.code === 'invalid-operation')) throw error;
        };
        const order: SweepLeftover['kind'][] = ['domain', 'volume', 'seed', 'network', 'pool'];
        for (const kind of order) {
          for (const leftover of leftovers.filter((item) => item.kind === kind)) {
            if (kind === 'domain') {
              await hypervisor.destroy(leftover.name).catch(ignoreGone);
              await hypervisor.undefine(leftover.name, { snapshots: true }).catch(ignoreGone);
            } else if (kind === 'volume') {
              await hypervisor.deleteVolume(this.volumePool, leftover.name.slice(this.volumePool.length + 1)).catch(ignoreGone);
            } else if (kind === 'seed') {
              if (this.isSeedPath(leftover.name)) await rm(leftover.name, { force: true });
            } else if (kind === 'network') {
              await hypervisor.destroyNetwork(leftover.name).catch(ignoreGone);
              await hypervisor.undefineNetwork(leftover.name).catch(ignoreGone);
            } else {
              await hypervisor.destroyStoragePool(leftover.name).catch(ignoreGone);
              await hypervisor.undefineStoragePool(leftover.name).catch(ignoreGone);
            }
          }
        }
      }
      return { leftovers, removed: remove };
    } catch (error) {
      throw fromHypervisorError(error);
    } finally {
      this.busy.delete(sweeping);
    }
  }

  /**
   * The folder a `vlm-*` pool points at, when VLM named the pool after it (volumePoolFor: the
   * name is a hash of the folder's path, which proves VLM made it) and the folder is gone.
   */
  private async orphanPoolFolder(pool: string): Promise<string | undefined> {
    const xml = await this.options.hypervisor.getStoragePoolXml(pool).catch(() => undefined);
    if (xml === undefined) return undefined;
    let folder: string | undefined;
    try {
      folder = childText(parseXml(xml), 'target', 'path');
    } catch {
      return undefined;
    }
    if (folder === undefined || basename(folder) !== 'pool' || volumePoolFor(dirname(folder)) !== pool) return undefined;
    const exists = await stat(folder).then(() => true, () => false);
    return exists ? undefined : folder;
  }
}
