// The handlers of the host API, one per request type. Params arrive already validated against
// host-protocol.schema.json; handlers still check everything that depends on state.
import type { CancellationToken, MessageConnection, RequestType } from 'vscode-jsonrpc/node';
import { imageNames, type Lab } from '@vlm/schemas';
import {
  ConsolesAckRequest,
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
  EventNotification,
  EventsSubscribeRequest,
  HostErrorCode,
  HostInfoRequest,
  hostProtocolVersion,
  ImagesListRequest,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsSweepRequest,
  LabsExportRequest,
  LabsGetRequest,
  LabsListRequest,
  LabsPlanRequest,
  SnapshotsCreateRequest,
  SnapshotsDeleteRequest,
  SnapshotsListRequest,
  SnapshotsRevertRequest,
  VmsDeleteRequest,
  VmsForceStopRequest,
  VmsListRequest,
  VmsRebootRequest,
  VmsVncCredentialsRequest,
  VmsStartRequest,
  VmsStopRequest,
  type HostErrorData,
  type LabDetails,
  type LabSummary,
  type VmSummary,
  WorkDoneProgress,
  type WorkDoneProgressValue,
} from '@vlm/schemas/src/host-protocol';
import { HypervisorError, type DomainSummary, type Hypervisor } from '../libvirt/hypervisor';
import { child, descendants, parseXml } from '../libvirt/xml-parse';
import type { StateStore } from '../state/state-store';
import { recordedLab } from '../state/state-shape';
import type { EventLog } from './event-log';
import { fromHypervisorError, hostError } from './host-errors';
import { checkLab } from './lab-checks';
import { networkConflicts, occupiedRanges } from '../deploy/network-surroundings';
import type { ImageStore } from '../images/image-store';
import type { LabDeployer } from '../deploy/lab-deployer';
import { serialPtyPath } from './serial-consoles';
import type { Consoles } from '../consoles/console-manager';
import { SshConsoleError, sshForwardPort } from '../consoles/ssh-console';
import { planLab } from '../deploy/lab-plan';

/** What a handler knows about the request and the client that sent it. */
export interface RequestContext {
  token: CancellationToken;
  connection: MessageConnection;
  session: ClientSession;
}

/** Per-connection state. */
export interface ClientSession {
  stopEvents?: () => void;
  /** Run when the connection closes, one per kind of thing the connection holds. */
  readonly cleanups: Map<string, () => void>;
}

type Handler = (params: unknown, context: RequestContext) => Promise<unknown>;

export class HandlerTable {
  private readonly handlers = new Map<string, Handler>();

  on<P, R>(type: RequestType<P, R, HostErrorData>, handler: (params: P, context: RequestContext) => Promise<R>): void {
    this.handlers.set(type.method, handler as Handler);
  }

  get(method: string): Handler | undefined {
    return this.handlers.get(method);
  }
}

export interface HostApiDependencies {
  hypervisor: Hypervisor;
  store: StateStore;
  events: EventLog;
  deployer: LabDeployer;
  consoles: Consoles;
  images: ImageStore;
  version: string;
  startedAt: string;
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

function throwIfCancelled(token: CancellationToken): void {
  if (token.isCancellationRequested) throw hostError(HostErrorCode.RequestCancelled, 'The request was cancelled.');
}

export function createHostApi(dependencies: HostApiDependencies): HandlerTable {
  const { hypervisor, store, events, deployer, consoles, images } = dependencies;
  const table = new HandlerTable();

  const hypervisorCall = async <T>(call: () => Promise<T>, field?: string): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw fromHypervisorError(error, field);
    }
  };

  /** The lab's VM: recorded by it, or marked for it by this host (another vlm-host's lab of the same name is not it). */
  const isLabDomain = (domain: DomainSummary, lab: string): boolean =>
    domain.vlm?.lab === lab &&
    (deployer.madeHere(domain) || (recordedLab(store.state.labs, lab)?.resources.domains.some((item) => item.name === domain.name) ?? false));

  const requireDomain = async (name: string): Promise<DomainSummary> => {
    const domain = await hypervisorCall(() => hypervisor.getDomain(name));
    if (!domain) throw hostError(HostErrorCode.NotFound, `There is no VM named "${name}".`, { field: '/vm' });
    return domain;
  };

  /** Runs a lifecycle action once (never after a cancel), then answers with the VM as it is now. */
  const lifecycle = async (
    name: string,
    verb: 'start' | 'stop' | 'force-stop' | 'reboot',
    action: (name: string) => Promise<void>,
    token: CancellationToken,
  ): Promise<VmSummary> => {
    throwIfCancelled(token);
    const domain = await requireDomain(name);
    // Said plainly here, since drivers word (and classify) these differently.
    const running = domain.state !== 'shut-off' && domain.state !== 'crashed';
    if (verb === 'start' && running) {
      throw hostError(HostErrorCode.InvalidState, `Cannot start VM "${name}": it is already ${domain.state}.`, { field: '/vm' });
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
    return toVmSummary(await requireDomain(name));
  };

  table.on(HostInfoRequest.type, async (_params, { token }) => {
    throwIfCancelled(token);
    const info = await hypervisorCall(() => hypervisor.hostInfo());
    return {
      protocolVersion: hostProtocolVersion,
      service: { version: dependencies.version, pid: process.pid, startedAt: dependencies.startedAt },
      hostname: info.hostname,
      libvirtVersion: info.libvirtVersion,
      hypervisorVersion: info.hypervisorVersion,
      driver: info.driver,
      cpus: info.cpus,
      memoryBytes: info.memoryBytes,
      virtualization: info.virtualization,
      warnings: info.warnings,
    };
  });

  table.on(LabsListRequest.type, async () => {
    const labs: LabSummary[] = Object.values(store.state.labs).map((lab) => ({
      name: lab.name,
      status: lab.status,
      vmCount: lab.definition.vms.length,
      updatedAt: lab.updatedAt,
    }));
    return { labs };
  });

  table.on(LabsGetRequest.type, async ({ name }, { token }) => {
    const record = recordedLab(store.state.labs, name);
    if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${name}" on this host.`, { field: '/name' });
    const domains = await hypervisorCall(() => hypervisor.listDomains());
    throwIfCancelled(token);
    const details: LabDetails = {
      name: record.name,
      status: record.status,
      vmCount: record.definition.vms.length,
      updatedAt: record.updatedAt,
      definition: structuredClone(record.definition) as Lab,
      resources: structuredClone(record.resources) as LabDetails['resources'],
      deployLog: structuredClone(record.deployLog) as LabDetails['deployLog'],
      vms: domains.filter((domain) => isLabDomain(domain, name)).map(toVmSummary),
    };
    return details;
  });

  table.on(LabsPlanRequest.type, async ({ lab }, { token }) => {
    const problems = checkLab(lab, store.state, imageNames(await images.catalog()));
    if (problems.length > 0) {
      const first = problems[0] as { field: string; message: string };
      throw hostError(
        HostErrorCode.InvalidLab,
        `The lab "${lab.name}" has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${first.field}: ${first.message}` +
          (problems.length > 1 ? ' (and more, see data.problems).' : '.'),
        { field: first.field, problems },
      );
    }
    const [domains, networks] = await Promise.all([
      hypervisorCall(() => hypervisor.listDomains()),
      hypervisorCall(() => hypervisor.listNetworks()),
    ]);
    throwIfCancelled(token);
    const { plan, conflicts } = planLab({ lab, record: recordedLab(store.state.labs, lab.name), domains, networks, volumePool: deployer.volumePool });
    const { driver } = await hypervisorCall(() => hypervisor.hostInfo());
    conflicts.push(...networkConflicts(lab, await hypervisorCall(() => occupiedRanges({ lab, state: store.state, hypervisor, driver }))));
    if (conflicts.length > 0) {
      const first = conflicts[0] as { field: string; message: string };
      throw hostError(HostErrorCode.AlreadyExists, `The lab "${lab.name}" cannot be planned: ${first.field}: ${first.message}.`, {
        field: first.field,
        problems: conflicts,
      });
    }
    return plan;
  });

  table.on(LabsApplyRequest.type, async ({ lab }, { token }) => {
    throwIfCancelled(token);
    const cancellation = new AbortController();
    const listener = token.onCancellationRequested(() => cancellation.abort());
    try {
      return await deployer.apply(lab, cancellation.signal);
    } finally {
      listener.dispose();
    }
  });
  table.on(LabsDestroyRequest.type, async ({ name }, { token }) => {
    throwIfCancelled(token);
    return deployer.destroy(name);
  });

  table.on(LabsSweepRequest.type, async ({ remove }, { token }) => {
    throwIfCancelled(token);
    return deployer.sweep(remove === true);
  });

  table.on(LabsExportRequest.type, async ({ name }) => {
    const record = recordedLab(store.state.labs, name);
    if (!record) throw hostError(HostErrorCode.NotFound, `There is no lab named "${name}" on this host.`, { field: '/name' });
    return { lab: structuredClone(record.definition) as Lab };
  });

  table.on(VmsListRequest.type, async ({ lab }, { token }) => {
    const domains = await hypervisorCall(() => hypervisor.listDomains());
    throwIfCancelled(token);
    const selected = lab === undefined ? domains : domains.filter((domain) => isLabDomain(domain, lab));
    return { vms: selected.map(toVmSummary) };
  });

  table.on(VmsStartRequest.type, ({ vm }, { token }) => lifecycle(vm, 'start', (name) => hypervisor.start(name), token));
  table.on(VmsStopRequest.type, ({ vm }, { token }) => lifecycle(vm, 'stop', (name) => hypervisor.shutdown(name), token));
  table.on(VmsForceStopRequest.type, ({ vm }, { token }) => lifecycle(vm, 'force-stop', (name) => hypervisor.destroy(name), token));
  /**
   * Destructive calls on a domain this host did not make (no VLM mark naming its data directory)
   * go ahead only when the request names the domain a second time, in confirmForeign.
   */
  const requireOwnedOrConfirmed = (domain: DomainSummary, confirmForeign: string | undefined, action: string): void => {
    if (deployer.madeHere(domain) || confirmForeign === domain.name) return;
    const vm = domain.name;
    const whose = domain.vlm ? `carries the mark of another vlm-host or an older version (lab "${domain.vlm.lab}")` : 'has no VLM metadata';
    throw hostError(
      HostErrorCode.InvalidState,
      confirmForeign === undefined
        ? `VM "${vm}" was not made by this host (it ${whose}). To ${action} anyway, repeat its exact name in confirmForeign: "${vm}".`
        : `confirmForeign "${confirmForeign}" does not name VM "${vm}": give the exact name of the domain to ${action}.`,
      { field: '/confirmForeign', allowed: `the exact domain name ${JSON.stringify(vm)}` },
    );
  };

  table.on(VmsDeleteRequest.type, async ({ vm, confirmForeign }, { token }) => {
    throwIfCancelled(token);
    const domain = await requireDomain(vm);
    const recordedBy = Object.values(store.state.labs).find((record) => record.resources.domains.some((item) => item.name === vm))?.name;
    const lab = recordedBy ?? (deployer.madeHere(domain) && domain.vlm && Object.hasOwn(store.state.labs, domain.vlm.lab) ? domain.vlm.lab : undefined);
    if (lab !== undefined) {
      throw hostError(
        HostErrorCode.InvalidState,
        `VM "${vm}" belongs to lab "${lab}": remove it from the lab file and apply, or destroy the lab.`,
        { field: '/vm' },
      );
    }
    requireOwnedOrConfirmed(domain, confirmForeign, 'delete it');
    const definition = parseXml(await hypervisorCall(() => hypervisor.getDomainXml(vm), '/vm'));
    const keptDisks = descendants(definition, 'disk')
      .map((disk) => child(disk, 'source')?.attributes.file)
      .filter((path): path is string => path !== undefined);
    throwIfCancelled(token);
    if (domain.state !== 'shut-off' && domain.state !== 'crashed') await hypervisorCall(() => hypervisor.destroy(vm), '/vm');
    await hypervisorCall(() => hypervisor.undefine(vm), '/vm');
    return { deleted: vm, keptDisks };
  });
  table.on(VmsRebootRequest.type, ({ vm }, { token }) => lifecycle(vm, 'reboot', (name) => hypervisor.reboot(name), token));
  table.on(VmsVncCredentialsRequest.type, async ({ vm }, { token }) => {
    throwIfCancelled(token);
    await requireDomain(vm);
    const graphics = descendants(parseXml(await hypervisorCall(() => hypervisor.getDomainXml(vm), '/vm')), 'graphics').find((item) => item.attributes.type === 'vnc');
    const port = Number(graphics?.attributes.port);
    const password = await deployer.vncPasswords.read(vm);
    if (!graphics || !Number.isInteger(port) || port <= 0 || password === undefined) {
      throw hostError(HostErrorCode.NotFound, `VM "${vm}" has no VNC display with a password from this host: only VMs this host deployed from a lab have one.`, { field: '/vm' });
    }
    return { host: '127.0.0.1' as const, port, password };
  });

  table.on(SnapshotsCreateRequest.type, async ({ vm, name, description }, { token }) => {
    throwIfCancelled(token);
    await requireDomain(vm);
    const existing = await hypervisorCall(() => hypervisor.listSnapshots(vm), '/vm');
    if (existing.some((snapshot) => snapshot.name === name)) {
      throw hostError(HostErrorCode.AlreadyExists, `VM "${vm}" already has a snapshot named "${name}".`, { field: '/name' });
    }
    throwIfCancelled(token);
    return hypervisorCall(() => hypervisor.createSnapshot(vm, description === undefined ? { name } : { name, description }), '/name');
  });

  table.on(SnapshotsListRequest.type, async ({ vm }, { token }) => {
    await requireDomain(vm);
    const snapshots = await hypervisorCall(() => hypervisor.listSnapshots(vm), '/vm');
    throwIfCancelled(token);
    return { snapshots };
  });

  table.on(SnapshotsRevertRequest.type, async ({ vm, name, confirmForeign }, { token }) => {
    throwIfCancelled(token);
    requireOwnedOrConfirmed(await requireDomain(vm), confirmForeign, `revert it to snapshot "${name}"`);
    await hypervisorCall(() => hypervisor.revertSnapshot(vm, name), '/name');
    return toVmSummary(await requireDomain(vm));
  });

  table.on(SnapshotsDeleteRequest.type, async ({ vm, name, confirmForeign }, { token }) => {
    throwIfCancelled(token);
    requireOwnedOrConfirmed(await requireDomain(vm), confirmForeign, `delete its snapshot "${name}"`);
    await hypervisorCall(() => hypervisor.deleteSnapshot(vm, name), '/name');
    return { deleted: name };
  });

  table.on(ImagesListRequest.type, async () => ({ images: await images.list() }));
  table.on(ImagesPullRequest.type, async ({ name, workDoneToken }, { token, connection }) => {
    throwIfCancelled(token);
    const cancellation = new AbortController();
    const listener = token.onCancellationRequested(() => cancellation.abort());
    const progress = (value: WorkDoneProgressValue) => {
      if (workDoneToken !== undefined) void connection.sendProgress(WorkDoneProgress.type, workDoneToken, value).catch(() => undefined);
    };
    progress({ kind: 'begin', title: `Pulling image ${name}` });
    try {
      const pulled = await images.pull(name, { signal: cancellation.signal, onProgress: ({ message, percentage }) => progress({ kind: 'report', message, ...(percentage === undefined ? {} : { percentage }) }) });
      progress({ kind: 'end', message: `${name} is present` });
      return pulled;
    } catch (error) {
      progress({ kind: 'end', message: `${name} was not pulled` });
      throw error;
    } finally {
      listener.dispose();
    }
  });

  table.on(ConsolesOpenRequest.type, async ({ vm, kind, columns, rows, term, flowControl }, { token, connection, session }) => {
    throwIfCancelled(token);
    const domain = await requireDomain(vm);
    if (domain.state !== 'running' && domain.state !== 'paused' && domain.state !== 'blocked') {
      throw hostError(HostErrorCode.InvalidState, `VM "${vm}" is ${domain.state}: only a running VM has a console.`, { field: '/vm' });
    }
    const xml = await hypervisorCall(() => hypervisor.getDomainXml(vm), '/vm');
    throwIfCancelled(token);
    session.cleanups.set('consoles', () => consoles.closeAllOf(connection));
    // Asked when a write misses its deadline: the VM's state says why input is not taken.
    const whyStalled = async (): Promise<string> => {
      const now = await hypervisor.getDomain(vm);
      if (!now) return `VM "${vm}" no longer exists`;
      if (now.state === 'paused') return `VM "${vm}" is paused: its console takes no input until it is resumed`;
      if (now.state === 'running') return `the guest of VM "${vm}" is not reading its ${kind === 'ssh' ? 'SSH session' : 'serial console'}`;
      return `VM "${vm}" is ${now.state}`;
    };
    const options = { whyStalled, ...(flowControl === undefined ? {} : { flowControl }) };
    if (kind === 'ssh') {
      const port = sshForwardPort(xml);
      if (port === undefined) throw hostError(HostErrorCode.InvalidState, `VM "${vm}" has no SSH port forwarded on 127.0.0.1.`, { field: '/vm' });
      let consoleId: string;
      try {
        consoleId = await consoles.openSsh({ vm, uuid: domain.uuid, port, ...(term === undefined ? {} : { term }), ...(columns === undefined ? {} : { columns }), ...(rows === undefined ? {} : { rows }) }, connection, options);
      } catch (error) {
        if (error instanceof SshConsoleError) throw hostError(HostErrorCode.InvalidState, error.message, { field: '/vm' });
        throw error;
      }
      return { consoleId };
    }
    const path = serialPtyPath(xml);
    if (path === undefined) {
      throw hostError(HostErrorCode.InvalidState, `VM "${vm}" has no serial console on a pty.`, { field: '/vm' });
    }
    return { consoleId: await consoles.openSerial(vm, path, connection, options) };
  });
  table.on(ConsolesWriteRequest.type, async ({ consoleId, data }, { connection }) => ({
    written: await consoles.write(consoleId, data, connection),
  }));
  table.on(ConsolesResizeRequest.type, async ({ consoleId, columns, rows }, { connection }) => {
    consoles.resize(consoleId, columns, rows, connection);
    return {};
  });
  table.on(ConsolesAckRequest.type, async ({ consoleId, bytes }, { connection }) => {
    consoles.acknowledge(consoleId, bytes, connection);
    return {};
  });
  table.on(ConsolesCloseRequest.type, async ({ consoleId }, { connection }) => {
    consoles.close(consoleId, connection);
    return {};
  });

  table.on(EventsSubscribeRequest.type, async ({ afterSequence }, { connection, session }) => {
    // Replay and start listening in the same turn, so no event falls between them.
    const { events: missed, result } = events.since(afterSequence);
    session.stopEvents?.();
    for (const event of missed) void connection.sendNotification(EventNotification.type, event).catch(() => undefined);
    session.stopEvents = events.listen((event) => {
      void connection.sendNotification(EventNotification.type, event).catch(() => undefined);
    });
    return result;
  });

  return table;
}
