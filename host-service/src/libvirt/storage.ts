// Storage over libvirt-dbus: pools (define, start, stop, undefine) and the volumes in them
// (list, create, delete), addressed by pool and volume name.
import { connectInterface, listAllFlags, storagePoolInterface, storageVolumeInterface } from './constants';
import { HypervisorError, type StoragePoolSummary, type VolumeSummary } from './hypervisor';
import type { LibvirtCall, LibvirtConnection } from './libvirt-connection';
import {
  listingConcurrency,
  mapConcurrent,
  objectPaths,
  readObjectSummary,
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
    try {
      const [path] = await this.call({
        path: this.connection.connectPath,
        interface: connectInterface,
        member: 'StoragePoolLookupByName',
        signature: 's',
        body: [name],
      });
      return String(path);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-pool') {
        throw new HypervisorError('no-such-pool', `No storage pool named '${name}'`, error.libvirtMessage);
      }
      throw error;
    }
  }

  private readPool(path: string): Promise<StoragePoolSummary> {
    return readObjectSummary(this.call, path, storagePoolInterface);
  }

  async listStoragePools(): Promise<StoragePoolSummary[]> {
    const [paths] = await this.call({
      path: this.connection.connectPath,
      interface: connectInterface,
      member: 'ListStoragePools',
      signature: 'u',
      body: [listAllFlags],
    });
    return mapConcurrent(objectPaths(paths), listingConcurrency, (path) => this.readPool(path));
  }

  async getStoragePoolXml(name: string): Promise<string> {
    const [xml] = await this.call({
      path: await this.poolPath(name),
      interface: storagePoolInterface,
      member: 'GetXMLDesc',
      signature: 'u',
      body: [0],
    });
    return String(xml);
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
    const [xml] = await this.call({
      path,
      interface: storageVolumeInterface,
      member: 'GetXMLDesc',
      signature: 'u',
      body: [0],
    });
    const volume = parseXml(String(xml));
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
    let path: string;
    try {
      [path] = (await this.call({
        path: await this.poolPath(pool),
        interface: storagePoolInterface,
        member: 'StorageVolLookupByName',
        signature: 's',
        body: [name],
      })) as [string];
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'no-such-volume') {
        throw new HypervisorError(
          'no-such-volume',
          `Pool '${pool}' has no volume named '${name}'`,
          error.libvirtMessage,
        );
      }
      throw error;
    }
    await this.call({ path, interface: storageVolumeInterface, member: 'Delete', signature: 'u', body: [0] });
  }
}
