// Domain snapshots over libvirt-dbus: create, list, revert and delete, addressed by domain and
// snapshot name.
import { domainInterface, snapshotFlagsNone, snapshotInterface } from './constants';
import { HypervisorError, type SnapshotOptions, type SnapshotSummary } from './hypervisor';
import { lookupDomainPath } from './domains';
import type { LibvirtCall, LibvirtConnection } from './libvirt-connection';
import { listingConcurrency, mapConcurrent, objectPaths } from './libvirt-objects';
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
    try {
      const [snapshotPath] = await this.call({
        path,
        interface: domainInterface,
        member: 'SnapshotLookupByName',
        signature: 'su',
        body: [snapshot, 0],
      });
      return String(snapshotPath);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-snapshot') {
        throw new HypervisorError(
          'no-such-snapshot',
          `Domain '${domain}' has no snapshot named '${snapshot}'`,
          error.libvirtMessage,
        );
      }
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
    const snapshots = await mapConcurrent(objectPaths(paths), listingConcurrency, (snapshotPath) =>
      this.readSnapshot(snapshotPath),
    );
    return snapshots.sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name),
    );
  }

  async revertSnapshot(domain: string, snapshot: string): Promise<void> {
    const path = await this.snapshotPath(domain, snapshot);
    await this.call({
      path,
      interface: snapshotInterface,
      member: 'Revert',
      signature: 'u',
      body: [snapshotFlagsNone],
    });
  }

  async deleteSnapshot(domain: string, snapshot: string): Promise<void> {
    const path = await this.snapshotPath(domain, snapshot);
    await this.call({
      path,
      interface: snapshotInterface,
      member: 'Delete',
      signature: 'u',
      body: [snapshotFlagsNone],
    });
  }
}
