// Domains over libvirt-dbus: lookup, listing, reading, definition and lifecycle. A domain's name,
// UUID, size and VLM metadata change only when it is (re)defined, so they are cached per UUID and
// read again when a DomainEvent says so. The last state seen per domain lets the poll report only
// real changes. Events whose kind alone gives the new state (started, suspended, resumed...) are
// reported from the last summary read, with no call: a re-read cost a third of the event's latency.
import dbus from 'dbus-next';
import {
  affectCurrent,
  connectInterface,
  domainEventDetails,
  domainEventKinds,
  domainInterface,
  domainStates,
  domainStatsActive,
  domainStatsTypes,
  domainXmlFlags,
  listDomainsFlags,
  metadataTypeElement,
  propertiesInterface,
  shutdownFlagsDefault,
  undefineFlags,
} from './constants';
import { toNumber } from './dbus-call';
import { numericStats, readAllDomainStats } from './domain-stats';
import {
  type DomainEventKind,
  type DomainState,
  type DomainSummary,
  HypervisorError,
  type HypervisorEvent,
  type UndefineOptions,
  type VlmMetadata,
} from './hypervisor';
import type { LibvirtCall, LibvirtConnection } from './libvirt-connection';
import {
  listingConcurrency,
  lookupPath,
  mapConcurrent,
  objectPaths,
  type Properties,
  toBytes,
  unpackProperties,
  uuidFromObjectPath,
} from './libvirt-objects';
import { parseVlmMetadataElement, vlmMetadataNamespace, vlmMetadataOfDomain } from './vlm-metadata';
import { child, childText, parseXml } from './xml-parse';
import { checkLibvirtName } from './xml-text';

/** What a domain's XML says that changes only when the domain is (re)defined. */
interface DomainIdentity {
  name: string;
  uuid: string;
  vcpu: number;
  memoryBytes: number;
  vlm?: VlmMetadata;
}

/** The domain's identity from its XML; `full` reads past `<os>` too. */
function parseDomainIdentity(xml: string, full = false): DomainIdentity {
  // libvirt writes name, uuid, metadata, memory and vcpu before <os> (and <devices>); XML of another shape is read whole.
  const root = parseXml(xml, full ? undefined : 'os');
  const name = childText(root, 'name');
  const uuid = childText(root, 'uuid');
  if (!full && !(name && uuid && child(root, 'vcpu') && child(root, 'memory'))) return parseDomainIdentity(xml, true);
  if (!name || !uuid) {
    throw new HypervisorError('libvirt', 'libvirt returned domain XML without <name> or <uuid>');
  }
  const memoryElement = child(root, 'currentMemory') ?? child(root, 'memory');
  const identity: DomainIdentity = {
    name,
    uuid,
    vcpu: Number(childText(root, 'vcpu') ?? '0'),
    memoryBytes: toBytes(Number(memoryElement?.text.trim() ?? '0'), memoryElement?.attributes.unit ?? 'KiB'),
  };
  const vlm = vlmMetadataOfDomain(root);
  if (vlm) identity.vlm = vlm;
  return identity;
}

/** The object path of the domain named `name`; a 'no-such-domain' error names it. */
export async function lookupDomainPath(call: LibvirtCall, connectPath: string, name: string): Promise<string> {
  checkLibvirtName('domain', name);
  return lookupPath(
    call,
    { path: connectPath, interface: connectInterface, member: 'DomainLookupByName', signature: 's', body: [name] },
    'no-such-domain',
    `No domain named '${name}'`,
  );
}

/** The whole host's transient and autostart domains and stats, from three of the listing's four calls. */
interface DomainListing {
  transient: Set<string>;
  autostart: Set<string>;
  statsByName: Map<string, Properties>;
}

/**
 * The state a lifecycle event leaves a domain in, whatever its detail. Not here: crashed (the
 * domain may be preserved, restarted or stopped), shutdown (it may still be running) and
 * (un)definition.
 */
const statesAfterEvent: Partial<Record<DomainEventKind, DomainState>> = {
  started: 'running',
  suspended: 'paused',
  resumed: 'running',
  'pm-suspended': 'pm-suspended',
};

export class LibvirtDomains {
  private readonly identities = new Map<string, DomainIdentity>();
  /** Last state reported per domain UUID, so the poll reports only real changes. */
  private readonly knownStates = new Map<string, DomainState>();
  /** Names of the domains in knownStates, to name the ones that vanish (identities may be cleared). */
  private readonly knownNames = new Map<string, string>();
  /** The last summary read per domain UUID, for events that need no re-read. */
  private readonly summaries = new Map<string, DomainSummary>();

  constructor(private readonly connection: LibvirtConnection) {}

  private get call(): LibvirtCall {
    return this.connection.call;
  }

  domainPath(name: string): Promise<string> {
    return lookupDomainPath(this.call, this.connection.connectPath, name);
  }

  /** After a reconnection: domains may have been redefined meanwhile. */
  forgetIdentities(): void {
    this.identities.clear();
    this.summaries.clear();
  }

  private async identity(path: string): Promise<DomainIdentity> {
    const uuid = uuidFromObjectPath(path);
    const cached = this.identities.get(uuid);
    if (cached) return cached;
    const [xml] = await this.call({
      path,
      interface: domainInterface,
      member: 'GetXMLDesc',
      signature: 'u',
      body: [domainXmlFlags.live],
    });
    const identity = parseDomainIdentity(String(xml));
    this.identities.set(uuid, identity);
    return identity;
  }

  /** One domain: properties, state and (unless `rereadXml` is false and it is cached) XML, concurrently. */
  private async readDomain(path: string, rereadXml = true): Promise<DomainSummary> {
    if (rereadXml) this.identities.delete(uuidFromObjectPath(path));
    const [propertiesBody, stateBody, identity] = await Promise.all([
      this.call({
        path,
        interface: propertiesInterface,
        member: 'GetAll',
        signature: 's',
        body: [domainInterface],
      }),
      this.call({ path, interface: domainInterface, member: 'GetState', signature: 'u', body: [0] }),
      this.identity(path),
    ]);
    const properties = unpackProperties(propertiesBody[0]);
    const [stateNumber] = stateBody[0] as [number, number];
    const summary: DomainSummary = {
      uuid: identity.uuid,
      name: identity.name,
      state: domainStates[stateNumber] ?? 'no-state',
      vcpu: identity.vcpu,
      memoryBytes: identity.memoryBytes,
      persistent: properties.Persistent === true,
      autostart: properties.Autostart === true,
      ...(identity.vlm ? { vlm: identity.vlm } : {}),
    };
    this.summaries.set(identity.uuid, summary);
    return summary;
  }

  /**
   * The four listing calls, sent at once. `paths` settles with the first (a cheap one), so the
   * per-domain reads can start while libvirt still gathers the stats.
   */
  private readListing(): { paths: Promise<string[]>; rest: Promise<DomainListing> } {
    const connectPath = this.connection.connectPath;
    const listing = (flags: number) =>
      this.call({
        path: connectPath,
        interface: connectInterface,
        member: 'ListDomains',
        signature: 'u',
        body: [flags],
      });
    const paths = listing(listDomainsFlags.all).then(([body]) => objectPaths(body));
    // Transient domains are few where persistent ones are many: listing them is the cheaper way to tell.
    const rest = Promise.all([
      listing(listDomainsFlags.transient),
      listing(listDomainsFlags.autostart),
      readAllDomainStats(this.call, connectPath, domainStatsTypes.state | domainStatsTypes.balloon | domainStatsTypes.vcpu),
    ]).then(([transientBody, autostartBody, statsByName]) => ({
      transient: new Set(objectPaths(transientBody[0]).map(uuidFromObjectPath)),
      autostart: new Set(objectPaths(autostartBody[0]).map(uuidFromObjectPath)),
      statsByName,
    }));
    return { paths, rest };
  }

  /**
   * Four calls for the whole host (all, transient and autostart domain lists, and one
   * GetAllDomainStats for states), plus one GetXMLDesc per domain not seen before: names, UUIDs,
   * sizes and VLM metadata change only on (re)definition, which a DomainEvent announces.
   */
  async listDomains(): Promise<DomainSummary[]> {
    const listing = this.readListing();
    const identify = (path: string) =>
      this.identity(path).catch((error: unknown) => {
        if (error instanceof HypervisorError && error.code === 'no-such-domain') return undefined; // undefined meanwhile
        throw error;
      });
    // The XML reads overlap the stats call; if any call fails, the listing fails with the first error.
    const identitiesRead = listing.paths.then((paths) => mapConcurrent(paths, listingConcurrency, identify));
    const [paths, identities, { transient, autostart, statsByName }] = await Promise.all([listing.paths, identitiesRead, listing.rest]);
    // A cached name the stats do not know means a rename whose event was missed: read the XML again.
    for (const [index, identity] of identities.entries()) {
      const path = paths[index];
      if (!identity || statsByName.has(identity.name) || path === undefined) continue;
      this.identities.delete(identity.uuid);
      identities[index] = await identify(path);
    }
    const domains: DomainSummary[] = [];
    for (const identity of identities) {
      if (!identity) continue;
      const stats = statsByName.get(identity.name);
      if (!stats) continue; // Gone between the calls, or renamed: the next listing sees it right.
      // Autostart changes without an event: keep the summaries that events reuse up to date.
      const summary = this.summaries.get(identity.uuid);
      if (summary) this.summaries.set(identity.uuid, { ...summary, autostart: autostart.has(identity.uuid) });
      const balloonKiB = stats['balloon.current'];
      const vcpus = stats['vcpu.current'];
      domains.push({
        uuid: identity.uuid,
        name: identity.name,
        state: domainStates[Number(stats['state.state'])] ?? 'no-state',
        vcpu: vcpus === undefined ? identity.vcpu : toNumber(vcpus),
        memoryBytes: balloonKiB === undefined ? identity.memoryBytes : toNumber(balloonKiB) * 1024,
        persistent: !transient.has(identity.uuid),
        autostart: autostart.has(identity.uuid),
        ...(identity.vlm ? { vlm: identity.vlm } : {}),
      });
    }
    const listed = new Set(domains.map((domain) => domain.uuid));
    for (const uuid of [...this.summaries.keys()]) if (!listed.has(uuid)) this.summaries.delete(uuid);
    return domains;
  }

  /** Every running or paused domain's counters (CPU, balloon, vCPUs, interfaces, disks), from one call. */
  async activeDomainStats(): Promise<Map<string, Record<string, number>>> {
    const types =
      domainStatsTypes.state |
      domainStatsTypes.cpuTotal |
      domainStatsTypes.balloon |
      domainStatsTypes.vcpu |
      domainStatsTypes.interface |
      domainStatsTypes.block;
    const stats = await readAllDomainStats(this.call, this.connection.connectPath, types, domainStatsActive);
    return new Map([...stats].map(([name, properties]) => [name, numericStats(properties)]));
  }

  /** Lists all domains and returns a domain-changed event for each whose state differs from the last known. */
  async refreshStates(): Promise<HypervisorEvent[]> {
    const domains = await this.listDomains();
    const changes: HypervisorEvent[] = [];
    const seen = new Set<string>();
    for (const domain of domains) {
      seen.add(domain.uuid);
      const before = this.knownStates.get(domain.uuid);
      this.knownStates.set(domain.uuid, domain.state);
      if (before !== domain.state) {
        changes.push({ type: 'domain-changed', name: domain.name, uuid: domain.uuid, domain });
      }
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

  /** A DomainEvent is a hint: re-read that domain and report it with the event. */
  async onDomainEvent(domainPath: string, eventNumber: number, detailNumber: number): Promise<HypervisorEvent | undefined> {
    const kind = domainEventKinds[eventNumber];
    if (!kind) return undefined; // A newer libvirt's event type: the poll will report its effect.
    const uuid = uuidFromObjectPath(domainPath);
    const knownName = this.identities.get(uuid)?.name ?? this.knownNames.get(uuid) ?? '';
    if (kind === 'defined' || kind === 'undefined') {
      this.identities.delete(uuid);
      this.summaries.delete(uuid);
    }
    let domain = this.summaryAfter(uuid, kind);
    if (domain) this.summaries.set(uuid, domain);
    else {
      try {
        // Only (un)definition changes what the XML says; other events reuse the cached identity.
        domain = await this.readDomain(domainPath, kind === 'defined');
      } catch {
        domain = undefined; // Undefined by now, or unreachable: the event still goes out, without a state.
        this.summaries.delete(uuid);
      }
    }
    if (domain) {
      this.knownStates.set(uuid, domain.state);
      this.knownNames.set(uuid, domain.name);
    } else {
      this.knownStates.delete(uuid);
      this.knownNames.delete(uuid);
    }
    return {
      type: 'domain',
      kind,
      detail: domainEventDetails[kind][detailNumber] ?? `detail-${detailNumber}`,
      name: domain?.name ?? knownName,
      uuid,
      ...(domain ? { domain } : {}),
    };
  }

  /**
   * The domain's last summary with the state the event puts it in, when the event alone says so;
   * undefined when it must be read (nothing cached, or an event whose outcome depends on more).
   */
  private summaryAfter(uuid: string, kind: DomainEventKind): DomainSummary | undefined {
    const summary = this.summaries.get(uuid);
    if (!summary) return undefined;
    // A transient domain is gone once stopped; a persistent one is shut off.
    const state = kind === 'stopped' ? (summary.persistent ? 'shut-off' : undefined) : statesAfterEvent[kind];
    return state === undefined ? undefined : { ...summary, state };
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
    const [xml] = await this.domainCall(name, 'GetXMLDesc', 'u', [domainXmlFlags.live]);
    return String(xml);
  }

  /** The VLM metadata as libvirt stores it (Domain.GetMetadata), for sweeps that want to be sure. */
  async getVlmMetadata(name: string): Promise<VlmMetadata | undefined> {
    const path = await this.domainPath(name);
    try {
      const [xml] = await this.call({
        path,
        interface: domainInterface,
        member: 'GetMetadata',
        signature: 'isu',
        body: [metadataTypeElement, vlmMetadataNamespace, affectCurrent],
      });
      return parseVlmMetadataElement(String(xml));
    } catch (error) {
      if (error instanceof HypervisorError && /metadata not found/i.test(error.libvirtMessage ?? '')) {
        return undefined;
      }
      throw error;
    }
  }

  async defineDomain(xml: string): Promise<DomainSummary> {
    const [path] = await this.call({
      path: this.connection.connectPath,
      interface: connectInterface,
      member: 'DomainDefineXML',
      signature: 's',
      body: [xml],
    });
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
      if (!(error instanceof HypervisorError && /unsupported flags/.test(error.libvirtMessage ?? ''))) {
        throw error;
      }
      await this.domainCall(name, 'Undefine', 'u', [flags]);
    }
  }

  async setAutostart(name: string, autostart: boolean): Promise<void> {
    const path = await this.domainPath(name);
    await this.call({
      path,
      interface: propertiesInterface,
      member: 'Set',
      signature: 'ssv',
      body: [domainInterface, 'Autostart', new dbus.Variant('b', autostart)],
    });
    const uuid = uuidFromObjectPath(path);
    const summary = this.summaries.get(uuid);
    if (summary) this.summaries.set(uuid, { ...summary, autostart });
  }
}
