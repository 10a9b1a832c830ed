// Applying and destroying labs. Every resource is recorded in the state file right after libvirt
// made it (and forgotten right after libvirt removed it), so a crash part-way leaves a record of
// exactly what exists, and destroy can always clean up.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab, VM } from '@vlm/schemas';
import { HostErrorCode, type LabStatus, type PlanResult, type PlanStep } from '@vlm/schemas/src/host-protocol';
import { buildDomainXml } from '../libvirt/domain-xml';
import { HypervisorError, type Hypervisor } from '../libvirt/hypervisor';
import { buildNetworkXml } from '../libvirt/network-xml';
import { buildDirectoryPoolXml, buildVolumeXml } from '../libvirt/volume-xml';
import { deployLogLimit, type AllocatedPort, type DeployLogLine, type HostState, type LabRecord, type PortKind } from '../state/state-shape';
import type { StateStore } from '../state/state-store';
import type { EventLog } from './event-log';
import { fromHypervisorError, hostError } from './host-errors';
import type { ImageFiles, ImageStore } from './image-store';
import { checkLab } from './lab-checks';
import { planLab } from './lab-plan';
import { domainName, networkName, volumeName, volumePoolFor } from './lab-resources';

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

  constructor(private readonly options: LabDeployerOptions) {
    this.volumePool = volumePoolFor(options.dataDirectory);
  }

  private async log(lab: string, level: DeployLogLine['level'], text: string, vm?: string): Promise<void> {
    const line: DeployLogLine = { time: new Date().toISOString(), level, text };
    if (vm !== undefined) line.vm = vm;
    await this.options.store.update((draft) => {
      const record = draft.labs[lab];
      if (!record) return;
      record.deployLog.push(line);
      if (record.deployLog.length > deployLogLimit) record.deployLog.splice(0, record.deployLog.length - deployLogLimit);
    });
    this.options.events.publish({ type: 'deploy-log', lab, line });
  }

  private async setStatus(lab: string, status: LabStatus): Promise<void> {
    await this.options.store.update((draft) => {
      const record = draft.labs[lab];
      if (record) {
        record.status = status;
        record.updatedAt = new Date().toISOString();
      }
    });
    this.options.events.publish({ type: 'lab-status', lab, status });
  }

  private record(lab: string, change: (record: LabRecord, draft: HostState) => void): Promise<void> {
    return this.options.store.update((draft) => {
      const record = draft.labs[lab];
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

  /** Marks labs whose deploy a previous run did not finish as failed. */
  async recoverInterrupted(): Promise<string[]> {
    const interrupted = Object.values(this.options.store.state.labs)
      .filter((lab) => lab.status === 'deploying')
      .map((lab) => lab.name);
    for (const lab of interrupted) {
      await this.log(lab, 'error', 'The deploy was interrupted: vlm-host stopped before it finished. Destroy the lab or apply it again.');
      await this.setStatus(lab, 'failed');
    }
    return interrupted;
  }

  /** `cancelled` is asked between steps: a cancelled apply stops there and the lab is marked failed. */
  async apply(lab: Lab, cancelled: () => boolean = () => false): Promise<PlanResult> {
    const { hypervisor, store } = this.options;
    const problems = checkLab(lab, store.state);
    if (problems.length > 0) {
      const first = problems[0] as { field: string; message: string };
      throw hostError(HostErrorCode.InvalidLab, `The lab "${lab.name}" has ${problems.length} problem(s): ${first.field}: ${first.message}.`, {
        field: first.field,
        problems,
      });
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
      const { plan, conflicts } = planLab({ lab, record: store.state.labs[lab.name], domains, networks, volumePool: this.volumePool });
      if (conflicts.length > 0) {
        const first = conflicts[0] as { field: string; message: string };
        throw hostError(HostErrorCode.AlreadyExists, `The lab "${lab.name}" cannot be applied: ${first.field}: ${first.message}.`, {
          field: first.field,
          problems: conflicts,
        });
      }
      const changes = plan.steps.filter((step) => step.action === 'change');
      if (changes.length > 0) {
        throw hostError(
          HostErrorCode.NotImplemented,
          `Changing resources of an applied lab is not implemented yet (${changes.map((step) => `${step.resource}: ${step.changes.join(', ')}`).join('; ')}). Destroy the lab and apply it again.`,
        );
      }
      if (plan.steps.length === 0) return plan;
      await this.execute(lab, plan.steps, info.domainType, images, cancelled);
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
    cancelled: () => boolean,
  ): Promise<void> {
    const checkpoint = () => {
      if (cancelled()) throw hostError(HostErrorCode.RequestCancelled, `The apply of "${lab.name}" was cancelled; what was made so far is recorded.`);
    };
    const { hypervisor, store, events } = this.options;
    const now = new Date().toISOString();
    // The lab is recorded before anything is made, so whatever is made is recorded under it.
    await store.update((draft) => {
      const existing = draft.labs[lab.name];
      if (existing) {
        existing.definition = lab;
        existing.status = 'deploying';
        existing.updatedAt = now;
        existing.deployLog = [];
      } else {
        draft.labs[lab.name] = {
          name: lab.name,
          status: 'deploying',
          definition: lab,
          createdAt: now,
          updatedAt: now,
          resources: { domains: [], volumes: [], networks: [], ports: [] },
          deployLog: [],
        };
      }
    });
    events.publish({ type: 'lab-status', lab: lab.name, status: 'deploying' });
    try {
      await this.log(lab.name, 'info', `Applying ${steps.length} step(s).`);
      for (const step of steps.filter((item) => item.action === 'delete' && item.kind === 'domain')) await this.deleteDomain(lab.name, step.resource);
      for (const step of steps.filter((item) => item.action === 'delete' && item.kind === 'volume')) await this.deleteVolume(lab.name, step.resource);
      for (const step of steps.filter((item) => item.action === 'delete' && item.kind === 'network')) await this.deleteNetwork(lab.name, step.resource);
      await this.record(lab.name, (record, draft) => {
        const kept = new Set(lab.vms.map((vm) => vm.name));
        record.resources.ports = record.resources.ports.filter((port) => kept.has(port.vm));
        draft.allocated_ports = draft.allocated_ports.filter((port) => port.lab !== lab.name || kept.has(port.vm));
      });

      for (const network of lab.networks ?? []) {
        checkpoint();
        const name = networkName(lab.name, network.name);
        if (!steps.some((step) => step.action === 'create' && step.kind === 'network' && step.resource === name)) continue;
        await hypervisor.defineNetwork(buildNetworkXml({ name, cidr: network.cidr, dhcp: network.dhcp ?? true }));
        await this.record(lab.name, (record) => record.resources.networks.push({ name, network: network.name }));
        await hypervisor.startNetwork(name);
        await this.log(lab.name, 'info', `Network ${name} (${network.cidr}) is up.`);
      }

      await this.allocatePorts(lab);
      const poolPath = await this.ensurePool();
      const created = new Set(steps.filter((step) => step.action === 'create' && step.kind === 'domain').map((step) => step.resource));
      for (const vm of lab.vms) {
        checkpoint();
        const name = domainName(lab.name, vm.name);
        if (!created.has(name)) continue;
        const volume = volumeName(lab.name, vm.name);
        const image = images.get(vm.os_image);
        const made = await hypervisor.createVolume(
          this.volumePool,
          buildVolumeXml({
            name: volume,
            capacityBytes: vm.disk_gb * 1024 ** 3,
            // A thin overlay: only the blocks the VM writes use space.
            ...(image?.disk === undefined ? {} : { backingPath: image.disk, backingFormat: 'qcow2' as const }),
          }),
        );
        await this.record(lab.name, (record) => record.resources.volumes.push({ pool: this.volumePool, name: volume, vm: vm.name }));
        const ports = this.options.store.state.labs[lab.name]?.resources.ports ?? [];
        const sshPort = ports.find((port) => port.vm === vm.name && port.kind === 'ssh')?.port;
        const vncPort = ports.find((port) => port.vm === vm.name && port.kind === 'vnc')?.port;
        const xml = buildDomainXml({
          name,
          type: domainType,
          vcpu: vm.vcpu,
          memoryMiB: vm.ram_mb,
          disk: { path: made.path || join(poolPath, volume) },
          networks: (vm.networks ?? []).map((reference) => ({ network: networkName(lab.name, typeof reference === 'string' ? reference : reference.name) })),
          ...(vncPort === undefined ? {} : { vncPort }),
          ...(sshPort === undefined ? {} : { sshHostPort: sshPort }),
          ...(image?.kernel === undefined
            ? {}
            : {
                kernelBoot: {
                  kernel: image.kernel,
                  ...(image.initramfs === undefined ? {} : { initrd: image.initramfs }),
                  ...(image.cmdline === undefined ? {} : { cmdline: image.cmdline }),
                },
              }),
          ...(image === undefined ? {} : { serialLogPath: join(this.options.dataDirectory, 'logs', `${name}.log`) }),
          vlm: { lab: lab.name, vm: vm.name },
        });
        if (image !== undefined && (vm.cloud_init !== undefined || (vm.ssh_authorized_keys ?? []).length > 0)) {
          await this.log(
            lab.name,
            'warning',
            `${name}: cloud_init and ssh_authorized_keys are not passed to the guest yet (no NoCloud seed is attached).`,
            vm.name,
          );
        }
        const domain = await hypervisor.defineDomain(xml);
        await this.record(lab.name, (record) => record.resources.domains.push({ name, vm: vm.name, uuid: domain.uuid }));
        await this.log(lab.name, 'info', `Defined ${name} (${vm.vcpu} vCPU, ${vm.ram_mb} MiB, ${vm.disk_gb} GiB).`, vm.name);
      }
      for (const vm of bootOrder(lab.vms)) {
        checkpoint();
        const name = domainName(lab.name, vm.name);
        if (!created.has(name)) continue;
        await hypervisor.start(name);
        await this.log(lab.name, 'info', `Started ${name}.`, vm.name);
      }
      await this.log(lab.name, 'info', 'The lab is running.');
      await this.setStatus(lab.name, 'running');
    } catch (error) {
      const reason = error instanceof HypervisorError ? (error.libvirtMessage ?? error.message) : error instanceof Error ? error.message : String(error);
      await this.log(lab.name, 'error', cancelled() ? `Apply cancelled by the client: ${reason}` : `Apply failed: ${reason}`).catch(() => undefined);
      await this.setStatus(lab.name, 'failed').catch(() => undefined);
      throw error;
    }
  }

  /** Gives every VM its ports: the lab file's, or the lowest free ones; recorded before use. */
  private async allocatePorts(lab: Lab): Promise<void> {
    const listening = await listeningPorts();
    await this.options.store.update((draft) => {
      const record = draft.labs[lab.name];
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

  private async ensurePool(): Promise<string> {
    const { hypervisor, dataDirectory } = this.options;
    const path = join(dataDirectory, 'pool');
    // QEMU (its own user) opens the disks and libvirt's virtlogd writes the serial logs here.
    await mkdir(path, { recursive: true, mode: 0o755 });
    await mkdir(join(dataDirectory, 'logs'), { recursive: true, mode: 0o755 });
    const pool = (await hypervisor.listStoragePools()).find((item) => item.name === this.volumePool);
    if (!pool) await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name: this.volumePool, path }));
    if (!pool?.active) await hypervisor.startStoragePool(this.volumePool);
    return path;
  }

  private async deleteDomain(lab: string, name: string): Promise<void> {
    const { hypervisor } = this.options;
    const domain = await hypervisor.getDomain(name);
    if (domain && domain.state !== 'shut-off') {
      await hypervisor.destroy(name).catch((error: unknown) => {
        if (!isGone(error) && !(error instanceof HypervisorError && error.code === 'invalid-operation')) throw error;
      });
    }
    if (domain) await hypervisor.undefine(name, { snapshots: true }).catch((error: unknown) => {
      if (!isGone(error)) throw error;
    });
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
    await hypervisor.destroyNetwork(name).catch((error: unknown) => {
      if (!isGone(error) && !(error instanceof HypervisorError && error.code === 'invalid-operation')) throw error;
    });
    await hypervisor.undefineNetwork(name).catch((error: unknown) => {
      if (!isGone(error)) throw error;
    });
    await this.record(lab, (record) => {
      record.resources.networks = record.resources.networks.filter((item) => item.name !== name);
    });
    await this.log(lab, 'info', `Removed network ${name}.`);
  }

  /** Removes everything recorded for the lab, then the lab itself. */
  async destroy(lab: string): Promise<PlanResult> {
    const record = this.options.store.state.labs[lab];
    if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${lab}" on this host.`, { field: '/name' });
    const release = this.claim(lab);
    try {
      const steps: PlanStep[] = [
        ...record.resources.domains.map((item): PlanStep => ({ action: 'delete', kind: 'domain', resource: item.name, labItem: item.vm, changes: [] })),
        ...record.resources.volumes.map((item): PlanStep => ({ action: 'delete', kind: 'volume', resource: `${item.pool}/${item.name}`, labItem: item.vm, changes: [] })),
        ...record.resources.networks.map((item): PlanStep => ({ action: 'delete', kind: 'network', resource: item.name, labItem: item.network, changes: [] })),
        ...record.resources.ports.map((item): PlanStep => ({ action: 'delete', kind: 'port', resource: `${item.kind}:${item.port}`, labItem: item.vm, changes: [] })),
      ];
      await this.log(lab, 'info', `Destroying: ${steps.length} resource(s).`);
      try {
        for (const step of steps.filter((item) => item.kind === 'domain')) await this.deleteDomain(lab, step.resource);
        for (const step of steps.filter((item) => item.kind === 'volume')) await this.deleteVolume(lab, step.resource);
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
      this.options.events.publish({ type: 'lab-status', lab, status: 'destroyed' });
      return { lab, newLab: false, steps, unchanged: 0 };
    } finally {
      release();
    }
  }
}
