// Hypervisor over libvirt-dbus. Calls go through dbusCall (timeout, typed errors). DomainEvent
// signals are hints to re-read that domain; a slow poll of all domains is the backstop for missed
// signals. When libvirt-dbus, libvirtd or the bus goes away, subscribers get connection-lost, the
// poll retries quickly, and connection-restored follows once calls work again. libvirt-dbus says
// nothing when libvirtd restarts and re-registers its event callbacks only on its next call, so a
// cheap liveness call runs every few seconds: it notices the outage, and it brings events back.
import dbus from 'dbus-next';
import {
  HypervisorError,
  type DomainState,
  type DomainSummary,
  type Disposable,
  type HostInfo,
  type Hypervisor,
  type HypervisorConnectOptions,
  type HypervisorEvent,
  type NetworkSummary,
  type SnapshotOptions,
  type SnapshotSummary,
  type StoragePoolSummary,
  type UndefineOptions,
  type VlmMetadata,
  type VolumeSummary,
} from './hypervisor';
import {
  affectCurrent,
  connectInterface,
  connectPaths,
  domainEventDetails,
  domainEventKinds,
  domainInterface,
  domainStates,
  domainStatsTypes,
  domainXmlFlags,
  libvirtService,
  listAllFlags,
  listDomainsFlags,
  metadataTypeElement,
  networkInterface,
  networkSectionDhcpHost,
  networkUpdateCommands,
  networkUpdateFlags,
  propertiesInterface,
  shutdownFlagsDefault,
  snapshotFlagsNone,
  snapshotInterface,
  storagePoolInterface,
  storageVolumeInterface,
  undefineFlags,
} from './constants';
import { dbusCall, toNumber, variantValue, type DbusRequest } from './dbus-call';
import { buildSnapshotXml, parseSnapshotXml } from './snapshot-xml';
import { buildDhcpHostXml, networkForwardProblem, type DhcpHost } from './network-xml';
import { parseVlmMetadataElement, vlmMetadataNamespace, vlmMetadataOfDomain } from './vlm-metadata';
import { checkLibvirtName } from './xml-text';
import { child, childText, descendants, parseXml } from './xml-parse';
import { probeKvm, type KvmProbeResult } from './kvm-probe';

/** Whether KVM works does not change while the process runs: probe once per bus and driver. */
const kvmProbes = new Map<string, Promise<KvmProbeResult>>();

const defaultCallTimeoutMs = 30_000;
const defaultPollIntervalMs = 10_000;
const defaultLivenessIntervalMs = 2_000;
/** Poll interval while the connection is lost, to notice its return quickly. */
const reconnectIntervalMs = 500;
/** Concurrent per-domain calls in a listing; the system bus allows 128 pending replies per connection. */
const listingConcurrency = 64;

/** What a domain's XML says that changes only when the domain is (re)defined. */
interface DomainIdentity {
  name: string;
  uuid: string;
  vcpu: number;
  memoryBytes: number;
  vlm?: VlmMetadata;
}

type Properties = Record<string, unknown>;

export interface LibvirtDbusConnectOptions extends HypervisorConnectOptions {
  /** How often a cheap call checks that libvirt-dbus still reaches libvirtd; default 2 s. */
  livenessIntervalMs?: number;
}

function unpackProperties(value: unknown): Properties {
  const properties: Properties = {};
  for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) properties[key] = variantValue(item);
  return properties;
}

/** libvirt-dbus names domain objects after their UUID: /.../domain/_6695eb01_f6a4_... */
export function uuidFromObjectPath(path: string): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.replace(/^_/, '').replace(/_/g, '-');
}

async function mapConcurrent<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function parseDomainIdentity(xml: string): DomainIdentity {
  const root = parseXml(xml);
  const name = childText(root, 'name');
  const uuid = childText(root, 'uuid');
  if (!name || !uuid) throw new HypervisorError('libvirt', 'libvirt returned domain XML without <name> or <uuid>');
  const memoryElement = child(root, 'currentMemory') ?? child(root, 'memory');
  const identity: DomainIdentity = {
    name,
    uuid,
    vcpu: Number(childText(root, 'vcpu') ?? '0'),
    memoryBytes: toBytes(Number(memoryElement?.text.trim() ?? '0'), memoryElement?.attributes['unit'] ?? 'KiB'),
  };
  const vlm = vlmMetadataOfDomain(root);
  if (vlm) identity.vlm = vlm;
  return identity;
}

const unitFactors: Record<string, number> = { b: 1, bytes: 1, k: 1024, kib: 1024, kb: 1000, m: 1024 ** 2, mib: 1024 ** 2, mb: 1e6, g: 1024 ** 3, gib: 1024 ** 3, gb: 1e9 };

function toBytes(value: number, unit: string): number {
  return value * (unitFactors[unit.toLowerCase()] ?? 1024);
}

function formatLibvirtVersion(value: number): string {
  if (!value) return '';
  return `${Math.floor(value / 1_000_000)}.${Math.floor(value / 1000) % 1000}.${value % 1000}`;
}

export class LibvirtDbusHypervisor implements Hypervisor {
  private bus: dbus.MessageBus | undefined;
  private readonly connectPath: string;
  private readonly callTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly livenessIntervalMs: number;
  private readonly listeners = new Set<(event: HypervisorEvent) => void>();
  private readonly identities = new Map<string, DomainIdentity>();
  /** Last state reported per domain UUID, so the poll reports only real changes. */
  private readonly knownStates = new Map<string, DomainState>();
  /** Names of the domains in knownStates, to name the ones that vanish (identities may be cleared). */
  private readonly knownNames = new Map<string, string>();
  private readonly domainEventQueues = new Map<string, Promise<void>>();
  private connected = true;
  private closed = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private hostInfoCache: Promise<HostInfo> | undefined;

  private constructor(private readonly options: LibvirtDbusConnectOptions) {
    this.connectPath = connectPaths[options.driver];
    this.callTimeoutMs = options.callTimeoutMs ?? defaultCallTimeoutMs;
    this.pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;
    this.livenessIntervalMs = options.livenessIntervalMs ?? defaultLivenessIntervalMs;
  }

  static async connect(options: LibvirtDbusConnectOptions): Promise<LibvirtDbusHypervisor> {
    if (options.driver !== 'test' && options.driver !== 'qemu') {
      throw new HypervisorError('invalid-argument', `Unknown libvirt driver ${JSON.stringify(options.driver)}: expected 'test' or 'qemu'`);
    }
    const hypervisor = new LibvirtDbusHypervisor(options);
    try {
      await hypervisor.openBus();
      // The first listing opens libvirt-dbus's connection to libvirt, which is what registers its event callbacks.
      await hypervisor.refreshStates();
    } catch (error) {
      await hypervisor.close();
      throw error;
    }
    hypervisor.schedulePoll();
    hypervisor.scheduleLivenessCheck();
    return hypervisor;
  }

  // ---- connection ----

  private busAddress(): string | undefined {
    return this.options.busAddress ?? process.env['DBUS_SESSION_BUS_ADDRESS'];
  }

  private async openBus(): Promise<void> {
    const address = this.busAddress();
    const bus = address ? dbus.sessionBus({ busAddress: address }) : dbus.systemBus();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new HypervisorError('timeout', `Connecting to D-Bus at ${address ?? 'the system bus'} timed out`)), this.callTimeoutMs);
      bus.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      bus.once('error', (error: unknown) => {
        clearTimeout(timer);
        reject(new HypervisorError('disconnected', `Cannot connect to D-Bus at ${address ?? 'the system bus'}: ${error instanceof Error ? error.message : String(error)}`));
      });
    }).catch((error: unknown) => {
      bus.disconnect();
      throw error;
    });
    // Until it becomes this.bus, onBusGone ignores it; the listener keeps an 'error' from crashing the process.
    bus.on('error', (error: unknown) => this.onBusGone(bus, error instanceof Error ? error.message : String(error)));
    const rules = [
      `type='signal',sender='${libvirtService}',path='${this.connectPath}',interface='${connectInterface}',member='DomainEvent'`,
      `type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${libvirtService}'`,
    ];
    try {
      for (const rule of rules) {
        await this.rawCall(bus, 'org.freedesktop.DBus', { path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch', signature: 's', body: [rule] });
      }
    } catch (error) {
      bus.disconnect();
      throw error;
    }
    bus.on('message', (message: dbus.Message) => this.onMessage(message));
    this.bus = bus;
  }

  private rawCall(bus: dbus.MessageBus, destination: string, request: DbusRequest): Promise<unknown[]> {
    return dbusCall(bus, destination, request, this.callTimeoutMs);
  }

  /** Every libvirt call goes through here, so a lost connection is noticed wherever it shows. */
  private async call(request: DbusRequest): Promise<unknown[]> {
    if (this.closed) throw new HypervisorError('disconnected', 'This hypervisor connection is closed');
    const bus = this.bus;
    if (!bus) throw new HypervisorError('disconnected', `Not connected to D-Bus (reconnecting): ${request.interface}.${request.member} not sent`);
    try {
      return await this.rawCall(bus, libvirtService, request);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'disconnected') this.markLost(error.message);
      throw error;
    }
  }

  private onBusGone(bus: dbus.MessageBus, reason: string): void {
    if (this.bus !== bus) return;
    this.bus = undefined;
    bus.disconnect();
    this.markLost(`D-Bus connection lost: ${reason}`);
  }

  private markLost(reason: string): void {
    if (this.closed || !this.connected) return;
    this.connected = false;
    this.emit({ type: 'connection-lost', reason });
    this.schedulePoll(reconnectIntervalMs);
  }

  private onMessage(message: dbus.Message): void {
    if (message.type !== dbus.MessageType.SIGNAL || this.closed) return;
    if (message.interface === 'org.freedesktop.DBus' && message.member === 'NameOwnerChanged' && message.body[0] === libvirtService) {
      const newOwner = message.body[2] as string;
      if (newOwner === '') this.markLost('libvirt-dbus left the bus');
      // A new libvirt-dbus registers event callbacks only once a call opens its libvirt connection.
      else void this.pollNow();
      return;
    }
    if (message.interface === connectInterface && message.member === 'DomainEvent' && message.path === this.connectPath) {
      const [domainPath, event, detail] = message.body as [string, number, number];
      // One queue per domain, so its events go out in the order libvirt sent them.
      const uuid = uuidFromObjectPath(domainPath);
      const queued = (this.domainEventQueues.get(uuid) ?? Promise.resolve()).then(() => this.onDomainEvent(domainPath, event, detail));
      this.domainEventQueues.set(uuid, queued);
      void queued.finally(() => {
        if (this.domainEventQueues.get(uuid) === queued) this.domainEventQueues.delete(uuid);
      });
    }
  }

  private async onDomainEvent(domainPath: string, eventNumber: number, detailNumber: number): Promise<void> {
    const kind = domainEventKinds[eventNumber];
    if (!kind) return; // A newer libvirt's event type: the poll will report its effect.
    const uuid = uuidFromObjectPath(domainPath);
    const knownName = this.identities.get(uuid)?.name ?? this.knownNames.get(uuid) ?? '';
    if (kind === 'defined' || kind === 'undefined') this.identities.delete(uuid);
    let domain: DomainSummary | undefined;
    try {
      // Only (un)definition changes what the XML says; other events reuse the cached identity.
      domain = await this.readDomain(domainPath, kind === 'defined');
    } catch {
      domain = undefined; // Undefined by now, or unreachable: the event still goes out, without a state.
    }
    if (domain) {
      this.knownStates.set(uuid, domain.state);
      this.knownNames.set(uuid, domain.name);
    } else {
      this.knownStates.delete(uuid);
      this.knownNames.delete(uuid);
    }
    this.emit({
      type: 'domain',
      kind,
      detail: domainEventDetails[kind][detailNumber] ?? `detail-${detailNumber}`,
      name: domain?.name ?? knownName,
      uuid,
      ...(domain ? { domain } : {}),
    });
  }

  private emit(event: HypervisorEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A failing subscriber must not stop the others from hearing the event.
      }
    }
  }

  subscribe(listener: (event: HypervisorEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  // ---- polling backstop and reconnection ----

  private schedulePoll(delayMs = this.pollIntervalMs): void {
    if (this.closed) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.pollNow(), delayMs);
    this.pollTimer.unref();
  }

  private scheduleLivenessCheck(): void {
    if (this.closed) return;
    this.livenessTimer = setTimeout(() => void this.checkLiveness().finally(() => this.scheduleLivenessCheck()), this.livenessIntervalMs);
    this.livenessTimer.unref();
  }

  /**
   * A call libvirt-dbus forwards to libvirtd. It fails while libvirtd is down (call() then marks the
   * connection lost), and once libvirtd is back it makes libvirt-dbus reconnect and re-register its
   * event callbacks. A restart quicker than the interval goes unreported, though the next check
   * still brings events back; the poll backstop reports what changed meanwhile.
   */
  private async checkLiveness(): Promise<void> {
    if (this.closed || !this.connected) return; // while lost, the reconnect poll is already retrying
    try {
      await this.call({ path: this.connectPath, interface: propertiesInterface, member: 'Get', signature: 'ss', body: [connectInterface, 'LibVersion'] });
    } catch (error) {
      // A libvirtd that stopped answering counts as lost, as in the poll.
      if (error instanceof HypervisorError && error.code === 'timeout') this.markLost(error.message);
    }
  }

  private pollNow(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
      this.schedulePoll(this.connected ? this.pollIntervalMs : reconnectIntervalMs);
    });
    return this.polling;
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.bus) await this.openBus();
      const restoring = !this.connected;
      // Signals may have been missed and domains redefined meanwhile: forget what was cached.
      if (restoring) {
        this.identities.clear();
        this.hostInfoCache = undefined;
      }
      const changes = await this.refreshStates();
      if (restoring && !this.closed) {
        this.connected = true;
        this.emit({ type: 'connection-restored' });
      }
      for (const change of changes) this.emit(change);
    } catch (error) {
      if (error instanceof HypervisorError && (error.code === 'disconnected' || error.code === 'timeout')) this.markLost(error.message);
      // If the bus itself is gone (dbus-daemon restarted), drop it so the next poll connects afresh.
      const bus = this.bus;
      if (!this.connected && bus && !(await this.busAnswers(bus))) this.onBusGone(bus, 'the bus does not answer');
    }
  }

  private async busAnswers(bus: dbus.MessageBus): Promise<boolean> {
    try {
      await dbusCall(bus, 'org.freedesktop.DBus', { path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'GetId' }, Math.min(this.callTimeoutMs, 2000));
      return true;
    } catch {
      return false;
    }
  }

  /** Lists all domains and returns a domain-changed event for each whose state differs from the last known. */
  private async refreshStates(): Promise<HypervisorEvent[]> {
    const domains = await this.listDomainsNow();
    const changes: HypervisorEvent[] = [];
    const seen = new Set<string>();
    for (const domain of domains) {
      seen.add(domain.uuid);
      const before = this.knownStates.get(domain.uuid);
      this.knownStates.set(domain.uuid, domain.state);
      if (before !== domain.state) changes.push({ type: 'domain-changed', name: domain.name, uuid: domain.uuid, domain });
    }
    for (const uuid of [...this.knownStates.keys()]) {
      if (seen.has(uuid)) continue;
      this.knownStates.delete(uuid);
      changes.push({ type: 'domain-changed', name: this.knownNames.get(uuid) ?? '', uuid });
    }
    for (const domain of domains) this.knownNames.set(domain.uuid, domain.name);
    for (const uuid of [...this.knownNames.keys()]) if (!seen.has(uuid)) this.knownNames.delete(uuid);
    return changes;
  }

  // ---- host ----

  hostInfo(): Promise<HostInfo> {
    this.hostInfoCache ??= this.readHostInfo().catch((error: unknown) => {
      this.hostInfoCache = undefined;
      throw error;
    });
    return this.hostInfoCache;
  }

  private async readHostInfo(): Promise<HostInfo> {
    const [propertiesBody, capabilitiesBody] = await Promise.all([
      this.call({ path: this.connectPath, interface: propertiesInterface, member: 'GetAll', signature: 's', body: [connectInterface] }),
      this.call({ path: this.connectPath, interface: connectInterface, member: 'GetCapabilities' }),
    ]);
    const properties = unpackProperties(propertiesBody[0]);
    const capabilities = parseXml(String(capabilitiesBody[0]));
    const cells = descendants(child(capabilities, 'host', 'topology') ?? capabilities, 'cell');
    let cpus = 0;
    let memoryBytes = 0;
    for (const cell of cells) {
      cpus += Number(child(cell, 'cpus')?.attributes['num'] ?? '0');
      const memory = child(cell, 'memory');
      if (memory) memoryBytes += toBytes(Number(memory.text.trim()), memory.attributes['unit'] ?? 'KiB');
    }
    const info: HostInfo = {
      hostname: String(properties['Hostname'] ?? ''),
      libvirtVersion: formatLibvirtVersion(toNumber(properties['LibVersion'] ?? 0)),
      hypervisorVersion: formatLibvirtVersion(toNumber(properties['Version'] ?? 0)),
      driver: this.options.driver,
      cpus,
      memoryBytes,
      virtualization: 'test',
      domainType: 'qemu',
      warnings: [],
    };
    if (this.options.driver === 'test') return info;

    const guestDomainTypes = descendants(capabilities, 'guest')
      .filter((guest) => child(guest, 'arch')?.attributes['name'] === 'x86_64')
      .flatMap((guest) => descendants(guest, 'domain').map((domain) => domain.attributes['type']));
    if (!guestDomainTypes.includes('kvm')) {
      info.virtualization = 'qemu';
      info.warnings.push('KVM is not available on this host (no /dev/kvm, or libvirt does not offer it): VMs run under QEMU software emulation (TCG), which is much slower.');
      return info;
    }
    const probeKey = `${this.busAddress() ?? 'system'} ${this.connectPath}`;
    let probing = kvmProbes.get(probeKey);
    if (!probing) {
      probing = probeKvm((request) => this.call(request), this.connectPath);
      kvmProbes.set(probeKey, probing);
      probing.catch(() => kvmProbes.delete(probeKey)); // a lost connection proves nothing about KVM
    }
    const probe = await probing;
    if (probe.works) {
      info.virtualization = 'kvm';
      info.domainType = 'kvm';
    } else {
      info.virtualization = 'qemu';
      info.warnings.push(`KVM is present but a KVM guest does not run here (${probe.reason}): VMs run under QEMU software emulation (TCG), which is much slower.`);
    }
    return info;
  }

  // ---- domains ----

  private async domainPath(name: string): Promise<string> {
    checkLibvirtName('domain', name);
    try {
      const [path] = await this.call({ path: this.connectPath, interface: connectInterface, member: 'DomainLookupByName', signature: 's', body: [name] });
      return String(path);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-domain') throw new HypervisorError('no-such-domain', `No domain named '${name}'`, error.libvirtMessage);
      throw error;
    }
  }

  private async identity(path: string): Promise<DomainIdentity> {
    const uuid = uuidFromObjectPath(path);
    const cached = this.identities.get(uuid);
    if (cached) return cached;
    const [xml] = await this.call({ path, interface: domainInterface, member: 'GetXMLDesc', signature: 'u', body: [domainXmlFlags.live] });
    const identity = parseDomainIdentity(String(xml));
    this.identities.set(uuid, identity);
    return identity;
  }

  /** One domain: properties, state and (unless `rereadXml` is false and it is cached) XML, concurrently. */
  private async readDomain(path: string, rereadXml = true): Promise<DomainSummary> {
    if (rereadXml) this.identities.delete(uuidFromObjectPath(path));
    const [propertiesBody, stateBody, identity] = await Promise.all([
      this.call({ path, interface: propertiesInterface, member: 'GetAll', signature: 's', body: [domainInterface] }),
      this.call({ path, interface: domainInterface, member: 'GetState', signature: 'u', body: [0] }),
      this.identity(path),
    ]);
    const properties = unpackProperties(propertiesBody[0]);
    const [stateNumber] = stateBody[0] as [number, number];
    return {
      uuid: identity.uuid,
      name: identity.name,
      state: domainStates[stateNumber] ?? 'no-state',
      vcpu: identity.vcpu,
      memoryBytes: identity.memoryBytes,
      persistent: properties['Persistent'] === true,
      autostart: properties['Autostart'] === true,
      ...(identity.vlm ? { vlm: identity.vlm } : {}),
    };
  }

  listDomains(): Promise<DomainSummary[]> {
    return this.listDomainsNow();
  }

  /**
   * Four calls for the whole host (all, persistent and autostart domain lists, and one
   * GetAllDomainStats for states), plus one GetXMLDesc per domain not seen before: names, UUIDs,
   * sizes and VLM metadata change only on (re)definition, which a DomainEvent announces.
   */
  private async listDomainsNow(): Promise<DomainSummary[]> {
    const listing = (flags: number) => this.call({ path: this.connectPath, interface: connectInterface, member: 'ListDomains', signature: 'u', body: [flags] });
    const [allBody, persistentBody, autostartBody, statsBody] = await Promise.all([
      listing(listDomainsFlags.all),
      listing(listDomainsFlags.persistent),
      listing(listDomainsFlags.autostart),
      this.call({
        path: this.connectPath,
        interface: connectInterface,
        member: 'GetAllDomainStats',
        signature: 'uu',
        body: [domainStatsTypes.state | domainStatsTypes.balloon | domainStatsTypes.vcpu, 0],
      }),
    ]);
    const paths = (allBody[0] as string[]) ?? [];
    const persistent = new Set(((persistentBody[0] as string[]) ?? []).map(uuidFromObjectPath));
    const autostart = new Set(((autostartBody[0] as string[]) ?? []).map(uuidFromObjectPath));
    const statsByName = new Map<string, Properties>();
    for (const [name, stats] of (statsBody[0] as Array<[string, unknown]>) ?? []) statsByName.set(name, unpackProperties(stats));

    const identify = (path: string) =>
      this.identity(path).catch((error: unknown) => {
        if (error instanceof HypervisorError && error.code === 'no-such-domain') return undefined; // undefined meanwhile
        throw error;
      });
    const identities = await mapConcurrent(paths, listingConcurrency, identify);
    // A cached name the stats do not know means a rename whose event was missed: read the XML again.
    for (const [index, identity] of identities.entries()) {
      if (!identity || statsByName.has(identity.name)) continue;
      this.identities.delete(identity.uuid);
      identities[index] = await identify(paths[index]!);
    }
    const domains: DomainSummary[] = [];
    for (const identity of identities) {
      if (!identity) continue;
      const stats = statsByName.get(identity.name);
      if (!stats) continue; // Gone between the calls, or renamed: the next listing sees it right.
      const balloonKiB = stats['balloon.current'];
      const vcpus = stats['vcpu.current'];
      domains.push({
        uuid: identity.uuid,
        name: identity.name,
        state: domainStates[Number(stats['state.state'])] ?? 'no-state',
        vcpu: vcpus === undefined ? identity.vcpu : toNumber(vcpus),
        memoryBytes: balloonKiB === undefined ? identity.memoryBytes : toNumber(balloonKiB) * 1024,
        persistent: persistent.has(identity.uuid),
        autostart: autostart.has(identity.uuid),
        ...(identity.vlm ? { vlm: identity.vlm } : {}),
      });
    }
    return domains;
  }

  async getDomain(name: string): Promise<DomainSummary | undefined> {
    let path: string;
    try {
      path = await this.domainPath(name);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-domain') return undefined;
      throw error;
    }
    return this.readDomain(path);
  }

  async getDomainXml(name: string): Promise<string> {
    const path = await this.domainPath(name);
    const [xml] = await this.call({ path, interface: domainInterface, member: 'GetXMLDesc', signature: 'u', body: [domainXmlFlags.live] });
    return String(xml);
  }

  /** The VLM metadata as libvirt stores it (Domain.GetMetadata), for sweeps that want to be sure. */
  async getVlmMetadata(name: string): Promise<VlmMetadata | undefined> {
    const path = await this.domainPath(name);
    try {
      const [xml] = await this.call({ path, interface: domainInterface, member: 'GetMetadata', signature: 'isu', body: [metadataTypeElement, vlmMetadataNamespace, affectCurrent] });
      return parseVlmMetadataElement(String(xml));
    } catch (error) {
      if (error instanceof HypervisorError && /metadata not found/i.test(error.libvirtMessage ?? '')) return undefined;
      throw error;
    }
  }

  async defineDomain(xml: string): Promise<DomainSummary> {
    const [path] = await this.call({ path: this.connectPath, interface: connectInterface, member: 'DomainDefineXML', signature: 's', body: [xml] });
    return this.readDomain(String(path));
  }

  private async domainCall(name: string, member: string, signature = 'u', body: unknown[] = [0]): Promise<unknown[]> {
    const path = await this.domainPath(name);
    return this.call({ path, interface: domainInterface, member, signature, body });
  }

  async start(name: string): Promise<void> {
    await this.domainCall(name, 'Create');
  }

  async shutdown(name: string): Promise<void> {
    await this.domainCall(name, 'Shutdown', 'u', [shutdownFlagsDefault]);
  }

  async destroy(name: string): Promise<void> {
    await this.domainCall(name, 'Destroy');
  }

  async reboot(name: string): Promise<void> {
    await this.domainCall(name, 'Reboot');
  }

  async suspend(name: string): Promise<void> {
    await this.domainCall(name, 'Suspend', '', []);
  }

  async resume(name: string): Promise<void> {
    await this.domainCall(name, 'Resume', '', []);
  }

  async undefine(name: string, options: UndefineOptions = {}): Promise<void> {
    let flags = undefineFlags.managedSave;
    if (options.snapshots !== false) flags |= undefineFlags.snapshotsMetadata;
    try {
      // UEFI guests' NVRAM files go too; drivers without NVRAM (the test driver) refuse the flag.
      await this.domainCall(name, 'Undefine', 'u', [flags | undefineFlags.nvram]);
    } catch (error) {
      if (!(error instanceof HypervisorError && /unsupported flags/.test(error.libvirtMessage ?? ''))) throw error;
      await this.domainCall(name, 'Undefine', 'u', [flags]);
    }
  }

  async setAutostart(name: string, autostart: boolean): Promise<void> {
    const path = await this.domainPath(name);
    await this.call({ path, interface: propertiesInterface, member: 'Set', signature: 'ssv', body: [domainInterface, 'Autostart', new dbus.Variant('b', autostart)] });
  }

  // ---- snapshots ----

  private async snapshotPath(domain: string, snapshot: string): Promise<string> {
    checkLibvirtName('snapshot', snapshot);
    const path = await this.domainPath(domain);
    try {
      const [snapshotPath] = await this.call({ path, interface: domainInterface, member: 'SnapshotLookupByName', signature: 'su', body: [snapshot, 0] });
      return String(snapshotPath);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-snapshot') throw new HypervisorError('no-such-snapshot', `Domain '${domain}' has no snapshot named '${snapshot}'`, error.libvirtMessage);
      throw error;
    }
  }

  private async readSnapshot(path: string): Promise<SnapshotSummary> {
    const [[xml], [current]] = await Promise.all([
      this.call({ path, interface: snapshotInterface, member: 'GetXMLDesc', signature: 'u', body: [0] }),
      this.call({ path, interface: snapshotInterface, member: 'IsCurrent', signature: 'u', body: [0] }),
    ]);
    return parseSnapshotXml(String(xml), current === true);
  }

  async createSnapshot(domain: string, options: SnapshotOptions): Promise<SnapshotSummary> {
    const xml = buildSnapshotXml(options);
    const path = await this.domainPath(domain);
    const [snapshotPath] = await this.call({ path, interface: domainInterface, member: 'SnapshotCreateXML', signature: 'su', body: [xml, snapshotFlagsNone] });
    return this.readSnapshot(String(snapshotPath));
  }

  async listSnapshots(domain: string): Promise<SnapshotSummary[]> {
    const path = await this.domainPath(domain);
    const [paths] = await this.call({ path, interface: domainInterface, member: 'ListDomainSnapshots', signature: 'u', body: [0] });
    const snapshots = await mapConcurrent((paths as string[]) ?? [], listingConcurrency, (snapshotPath) => this.readSnapshot(snapshotPath));
    return snapshots.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  async revertSnapshot(domain: string, snapshot: string): Promise<void> {
    const path = await this.snapshotPath(domain, snapshot);
    await this.call({ path, interface: snapshotInterface, member: 'Revert', signature: 'u', body: [snapshotFlagsNone] });
  }

  async deleteSnapshot(domain: string, snapshot: string): Promise<void> {
    const path = await this.snapshotPath(domain, snapshot);
    await this.call({ path, interface: snapshotInterface, member: 'Delete', signature: 'u', body: [snapshotFlagsNone] });
  }

  // ---- networks ----

  private async networkPath(name: string): Promise<string> {
    checkLibvirtName('network', name);
    try {
      const [path] = await this.call({ path: this.connectPath, interface: connectInterface, member: 'NetworkLookupByName', signature: 's', body: [name] });
      return String(path);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-network') throw new HypervisorError('no-such-network', `No network named '${name}'`, error.libvirtMessage);
      throw error;
    }
  }

  private async readObject(path: string, interfaceName: string): Promise<NetworkSummary> {
    const [body] = await this.call({ path, interface: propertiesInterface, member: 'GetAll', signature: 's', body: [interfaceName] });
    const properties = unpackProperties(body);
    return {
      uuid: String(properties['UUID'] ?? ''),
      name: String(properties['Name'] ?? ''),
      active: properties['Active'] === true,
      persistent: properties['Persistent'] === true,
      autostart: properties['Autostart'] === true,
    };
  }

  async listNetworks(): Promise<NetworkSummary[]> {
    const [paths] = await this.call({ path: this.connectPath, interface: connectInterface, member: 'ListNetworks', signature: 'u', body: [listAllFlags] });
    return mapConcurrent((paths as string[]) ?? [], listingConcurrency, (path) => this.readObject(path, networkInterface));
  }

  async getNetworkXml(name: string): Promise<string> {
    const [xml] = await this.call({ path: await this.networkPath(name), interface: networkInterface, member: 'GetXMLDesc', signature: 'u', body: [0] });
    return String(xml);
  }

  async defineNetwork(xml: string): Promise<NetworkSummary> {
    const forwardProblem = networkForwardProblem(xml);
    if (forwardProblem) throw new HypervisorError('invalid-argument', `Network XML refused: ${forwardProblem}`);
    const [path] = await this.call({ path: this.connectPath, interface: connectInterface, member: 'NetworkDefineXML', signature: 's', body: [xml] });
    return this.readObject(String(path), networkInterface);
  }

  async setNetworkDhcpHost(name: string, host: DhcpHost, present: boolean): Promise<void> {
    const xml = buildDhcpHostXml(host);
    const path = await this.networkPath(name);
    const { active } = await this.readObject(path, networkInterface);
    // Both the running dnsmasq and the persistent definition, so a restart keeps the lease.
    const flags = networkUpdateFlags.config | (active ? networkUpdateFlags.live : 0);
    const update = (command: number) =>
      this.call({ path, interface: networkInterface, member: 'Update', signature: 'uuisu', body: [command, networkSectionDhcpHost, -1, xml, flags] });
    // DHCP leases are the <host> elements with a MAC (DNS <host> entries have none).
    const sameMac = descendants(parseXml(await this.getNetworkXml(name)), 'host').find((element) => (element.attributes['mac'] ?? '').toLowerCase() === host.mac.toLowerCase());
    if (!present) {
      if (sameMac) await update(networkUpdateCommands.delete);
      return;
    }
    if (sameMac) await update(networkUpdateCommands.modify);
    else await update(networkUpdateCommands.addLast);
  }

  async setNetworkAutostart(name: string, autostart: boolean): Promise<void> {
    const path = await this.networkPath(name);
    await this.call({ path, interface: propertiesInterface, member: 'Set', signature: 'ssv', body: [networkInterface, 'Autostart', new dbus.Variant('b', autostart)] });
  }

  async startNetwork(name: string): Promise<void> {
    await this.call({ path: await this.networkPath(name), interface: networkInterface, member: 'Create' });
  }

  async destroyNetwork(name: string): Promise<void> {
    await this.call({ path: await this.networkPath(name), interface: networkInterface, member: 'Destroy' });
  }

  async undefineNetwork(name: string): Promise<void> {
    await this.call({ path: await this.networkPath(name), interface: networkInterface, member: 'Undefine' });
  }

  // ---- storage ----

  private async poolPath(name: string): Promise<string> {
    checkLibvirtName('storage pool', name);
    try {
      const [path] = await this.call({ path: this.connectPath, interface: connectInterface, member: 'StoragePoolLookupByName', signature: 's', body: [name] });
      return String(path);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-pool') throw new HypervisorError('no-such-pool', `No storage pool named '${name}'`, error.libvirtMessage);
      throw error;
    }
  }

  async listStoragePools(): Promise<StoragePoolSummary[]> {
    const [paths] = await this.call({ path: this.connectPath, interface: connectInterface, member: 'ListStoragePools', signature: 'u', body: [listAllFlags] });
    return mapConcurrent((paths as string[]) ?? [], listingConcurrency, (path) => this.readObject(path, storagePoolInterface));
  }

  async getStoragePoolXml(name: string): Promise<string> {
    const [xml] = await this.call({ path: await this.poolPath(name), interface: storagePoolInterface, member: 'GetXMLDesc', signature: 'u', body: [0] });
    return String(xml);
  }

  async defineStoragePool(xml: string): Promise<StoragePoolSummary> {
    const [path] = await this.call({ path: this.connectPath, interface: connectInterface, member: 'StoragePoolDefineXML', signature: 'su', body: [xml, 0] });
    return this.readObject(String(path), storagePoolInterface);
  }

  async startStoragePool(name: string): Promise<void> {
    await this.call({ path: await this.poolPath(name), interface: storagePoolInterface, member: 'Create', signature: 'u', body: [0] });
  }

  async destroyStoragePool(name: string): Promise<void> {
    await this.call({ path: await this.poolPath(name), interface: storagePoolInterface, member: 'Destroy' });
  }

  async undefineStoragePool(name: string): Promise<void> {
    await this.call({ path: await this.poolPath(name), interface: storagePoolInterface, member: 'Undefine' });
  }

  /** From the volume's XML: one call, and the test driver has no StorageVol.GetInfo. */
  private async readVolume(pool: string, path: string): Promise<VolumeSummary> {
    const [xml] = await this.call({ path, interface: storageVolumeInterface, member: 'GetXMLDesc', signature: 'u', body: [0] });
    const volume = parseXml(String(xml));
    const size = (name: string) => {
      const element = child(volume, name);
      return element ? toBytes(Number(element.text.trim()), element.attributes['unit'] ?? 'bytes') : 0;
    };
    return {
      pool,
      name: childText(volume, 'name') ?? '',
      path: childText(volume, 'target', 'path') ?? '',
      key: childText(volume, 'key') ?? '',
      capacityBytes: size('capacity'),
      allocationBytes: size('allocation'),
    };
  }

  async listVolumes(pool: string): Promise<VolumeSummary[]> {
    const [paths] = await this.call({ path: await this.poolPath(pool), interface: storagePoolInterface, member: 'ListStorageVolumes', signature: 'u', body: [0] });
    return mapConcurrent((paths as string[]) ?? [], listingConcurrency, (path) => this.readVolume(pool, path));
  }

  async createVolume(pool: string, xml: string): Promise<VolumeSummary> {
    const [path] = await this.call({ path: await this.poolPath(pool), interface: storagePoolInterface, member: 'StorageVolCreateXML', signature: 'su', body: [xml, 0] });
    return this.readVolume(pool, String(path));
  }

  async deleteVolume(pool: string, name: string): Promise<void> {
    checkLibvirtName('volume', name);
    let path: string;
    try {
      [path] = (await this.call({ path: await this.poolPath(pool), interface: storagePoolInterface, member: 'StorageVolLookupByName', signature: 's', body: [name] })) as [string];
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-volume') throw new HypervisorError('no-such-volume', `Pool '${pool}' has no volume named '${name}'`, error.libvirtMessage);
      throw error;
    }
    await this.call({ path, interface: storageVolumeInterface, member: 'Delete', signature: 'u', body: [0] });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.livenessTimer);
    await this.polling?.catch(() => undefined);
    this.listeners.clear();
    this.bus?.disconnect();
    this.bus = undefined;
  }
}

export function connectLibvirt(options: HypervisorConnectOptions): Promise<Hypervisor> {
  return LibvirtDbusHypervisor.connect(options);
}
