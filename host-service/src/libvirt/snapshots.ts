// Domain snapshots over libvirt-dbus: create, list, revert and delete, addressed by domain and
// snapshot name.
import { domainInterface, snapshotFlagsNone, snapshotInterface } from './constants';
import type { SnapshotOptions, SnapshotSummary } from './hypervisor';
import { lookupDomainPath } from './domains';
import type { LibvirtCall, LibvirtConnection } from './libvirt-connection';
import { listingConcurrency, lookupPath, mapConcurrent, objectPaths, readXmlDescription } from './libvirt-objects';
import { buildSnapshotXml, parseSnapshotXml } from './snapshot-xml';
import { checkLibvirtName } from './xml-text';

export class LibvirtSnapshots {
  constructor(private readonly connection: LibvirtConnection) {}

  private get call(): LibvirtCall {
    return this.connection.call;
  }

  private domainPath(domain: string): Promise<string> {
    return lookupDomainPath(this.call, this.connection.connectPath, domain);
  }

  private async snapshotPath(domain: string, snapshot: string): Promise<string> {
    checkLibvirtName('snapshot', snapshot);
    const path = await this.domainPath(domain);
    return lookupPath(
      this.call,
      { path, interface: domainInterface, member: 'SnapshotLookupByName', signature: 'su', body: [snapshot, 0] },
      'no-such-snapshot',
      `Domain '${domain}' has no snapshot named '${snapshot}'`,
    );
  }

  private async readSnapshot(path: string): Promise<SnapshotSummary> {
    const [xml, [current]] = await Promise.all([
      readXmlDescription(this.call, path, snapshotInterface),
      this.call({ path, interface: snapshotInterface, member: 'IsCurrent', signature: 'u', body: [0] }),
    ]);
    return parseSnapshotXml(xml, current === true);
  }

  async createSnapshot(domain: string, options: SnapshotOptions): Promise<SnapshotSummary> {
    const xml = buildSnapshotXml(options);
    const path = await this.domainPath(domain);
    const [snapshotPath] = await this.call({
      path,
      interface: domainInterface,
      member: 'SnapshotCreateXML',
      signature: 'su',
      body: [xml, snapshotFlagsNone],
    });
    return this.readSnapshot(String(snapshotPath));
  }

  async listSnapshots(domain: string): Promise<SnapshotSummary[]> {
    const path = await this.domainPath(domain);
    const [paths] = await this.call({
      path,
      interface: domainInterface,
      member: 'ListDomainSnapshots',
      signature: 'u',
      body: [0],
    });
    const snapshots = await mapConcurrent(objectPaths(paths), listingConcurrency, (snapshotPath) => this.readSnapshot(snapshotPath));
    return snapshots.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  revertSnapshot(domain: string, snapshot: string): Promise<void> {
    return this.snapshotCall(domain, snapshot, 'Revert');
  }

  deleteSnapshot(domain: string, snapshot: string): Promise<void> {
    return this.snapshotCall(domain, snapshot, 'Delete');
  }

  private async snapshotCall(domain: string, snapshot: string, member: string): Promise<void> {
    const path = await this.snapshotPath(domain, snapshot);
    await this.call({ path, interface: snapshotInterface, member, signature: 'u', body: [snapshotFlagsNone] });
  }
}
