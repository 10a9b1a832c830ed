// Storage over libvirt-dbus: pools (define, start, stop, undefine) and the volumes in them
// (list, create, delete), addressed by pool and volume name.
import { connectInterface, storagePoolInterface, storageVolumeInterface } from './constants';
import type { StoragePoolSummary, VolumeSummary } from './hypervisor';
import type { LibvirtCall, LibvirtConnection } from './libvirt-connection';
import {
  listingConcurrency,
  listObjectSummaries,
  lookupPath,
  mapConcurrent,
  objectPaths,
  readObjectSummary,
  readXmlDescription,
  toBytes,
} from './libvirt-objects';
import { child, childText, parseXml } from './xml-parse';
import { checkLibvirtName } from './xml-text';

export class LibvirtStorage {
  constructor(private readonly connection: LibvirtConnection) {}

  private get call(): LibvirtCall {
    return this.connection.call;
  }

  private async poolPath(name: string): Promise<string> {
    checkLibvirtName('storage pool', name);
    const { call, connectPath } = this.connection;
    return lookupPath(
      call,
      { path: connectPath, interface: connectInterface, member: 'StoragePoolLookupByName', signature: 's', body: [name] },
      'no-such-pool',
      `No storage pool named '${name}'`,
    );
  }

  private readPool(path: string): Promise<StoragePoolSummary> {
    return readObjectSummary(this.call, path, storagePoolInterface);
  }

  listStoragePools(): Promise<StoragePoolSummary[]> {
    const { call, connectPath } = this.connection;
    return listObjectSummaries(call, connectPath, 'ListStoragePools', storagePoolInterface);
  }

  async getStoragePoolXml(name: string): Promise<string> {
    return readXmlDescription(this.call, await this.poolPath(name), storagePoolInterface);
  }

  async defineStoragePool(xml: string): Promise<StoragePoolSummary> {
    const [path] = await this.call({
      path: this.connection.connectPath,
      interface: connectInterface,
      member: 'StoragePoolDefineXML',
      signature: 'su',
      body: [xml, 0],
    });
    return this.readPool(String(path));
  }

  async startStoragePool(name: string): Promise<void> {
    await this.call({
      path: await this.poolPath(name),
      interface: storagePoolInterface,
      member: 'Create',
      signature: 'u',
      body: [0],
    });
  }

  async destroyStoragePool(name: string): Promise<void> {
    await this.call({ path: await this.poolPath(name), interface: storagePoolInterface, member: 'Destroy' });
  }

  async undefineStoragePool(name: string): Promise<void> {
    await this.call({ path: await this.poolPath(name), interface: storagePoolInterface, member: 'Undefine' });
  }

  /** From the volume's XML: one call, and the test driver has no StorageVol.GetInfo. */
  private async readVolume(pool: string, path: string): Promise<VolumeSummary> {
    const volume = parseXml(await readXmlDescription(this.call, path, storageVolumeInterface));
    const size = (name: string) => {
      const element = child(volume, name);
      return element ? toBytes(Number(element.text.trim()), element.attributes.unit ?? 'bytes') : 0;
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
    const [paths] = await this.call({
      path: await this.poolPath(pool),
      interface: storagePoolInterface,
      member: 'ListStorageVolumes',
      signature: 'u',
      body: [0],
    });
    return mapConcurrent(objectPaths(paths), listingConcurrency, (path) => this.readVolume(pool, path));
  }

  async createVolume(pool: string, xml: string): Promise<VolumeSummary> {
    const [path] = await this.call({
      path: await this.poolPath(pool),
      interface: storagePoolInterface,
      member: 'StorageVolCreateXML',
      signature: 'su',
      body: [xml, 0],
    });
    return this.readVolume(pool, String(path));
  }

  async deleteVolume(pool: string, name: string): Promise<void> {
    checkLibvirtName('volume', name);
    const path = await lookupPath(
      this.call,
      {
        path: await this.poolPath(pool),
        interface: storagePoolInterface,
        member: 'StorageVolLookupByName',
        signature: 's',
        body: [name],
      },
      'no-such-volume',
      `Pool '${pool}' has no volume named '${name}'`,
    );
    await this.call({ path, interface: storageVolumeInterface, member: 'Delete', signature: 'u', body: [0] });
  }
}
