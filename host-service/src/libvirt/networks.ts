// Virtual networks over libvirt-dbus: define (isolated or NAT only), start, stop, undefine, and
// the fixed DHCP leases VLM gives its VMs.
import dbus from 'dbus-next';
import {
  connectInterface,
  networkInterface,
  networkSectionDhcpHost,
  networkUpdateCommands,
  networkUpdateFlags,
  propertiesInterface,
} from './constants';
import { HypervisorError, type NetworkSummary } from './hypervisor';
import type { LibvirtCall, LibvirtConnection } from './libvirt-connection';
import { listObjectSummaries, lookupPath, readObjectSummary, readXmlDescription } from './libvirt-objects';
import { buildDhcpHostXml, type DhcpHost, networkForwardProblem } from './network-xml';
import { descendants, parseXml } from './xml-parse';
import { checkLibvirtName } from './xml-text';

export class LibvirtNetworks {
  constructor(private readonly connection: LibvirtConnection) {}

  private get call(): LibvirtCall {
    return this.connection.call;
  }

  private async networkPath(name: string): Promise<string> {
    checkLibvirtName('network', name);
    const { call, connectPath } = this.connection;
    return lookupPath(
      call,
      { path: connectPath, interface: connectInterface, member: 'NetworkLookupByName', signature: 's', body: [name] },
      'no-such-network',
      `No network named '${name}'`,
    );
  }

  private readNetwork(path: string): Promise<NetworkSummary> {
    return readObjectSummary(this.call, path, networkInterface);
  }

  listNetworks(): Promise<NetworkSummary[]> {
    const { call, connectPath } = this.connection;
    return listObjectSummaries(call, connectPath, 'ListNetworks', networkInterface);
  }

  async getNetworkXml(name: string): Promise<string> {
    return readXmlDescription(this.call, await this.networkPath(name), networkInterface);
  }

  async defineNetwork(xml: string): Promise<NetworkSummary> {
    const forwardProblem = networkForwardProblem(xml);
    if (forwardProblem) {
      throw new HypervisorError('invalid-argument', `Network XML refused: ${forwardProblem}`);
    }
    const [path] = await this.call({
      path: this.connection.connectPath,
      interface: connectInterface,
      member: 'NetworkDefineXML',
      signature: 's',
      body: [xml],
    });
    return this.readNetwork(String(path));
  }

  async setNetworkDhcpHost(name: string, host: DhcpHost, present: boolean): Promise<void> {
    const xml = buildDhcpHostXml(host);
    const path = await this.networkPath(name);
    const { active } = await this.readNetwork(path);
    // Both the running dnsmasq and the persistent definition, so a restart keeps the lease.
    const flags = networkUpdateFlags.config | (active ? networkUpdateFlags.live : 0);
    const update = (command: number) =>
      this.call({
        path,
        interface: networkInterface,
        member: 'Update',
        signature: 'uuisu',
        body: [command, networkSectionDhcpHost, -1, xml, flags],
      });
    // DHCP leases are the <host> elements with a MAC (DNS <host> entries have none).
    const mac = host.mac.toLowerCase();
    const sameMac = descendants(parseXml(await this.getNetworkXml(name)), 'host').find(
      (element) => (element.attributes.mac ?? '').toLowerCase() === mac,
    );
    if (!present) {
      if (sameMac) await update(networkUpdateCommands.delete);
      return;
    }
    if (sameMac) await update(networkUpdateCommands.modify);
    else await update(networkUpdateCommands.addLast);
  }

  async setNetworkAutostart(name: string, autostart: boolean): Promise<void> {
    const path = await this.networkPath(name);
    await this.call({
      path,
      interface: propertiesInterface,
      member: 'Set',
      signature: 'ssv',
      body: [networkInterface, 'Autostart', new dbus.Variant('b', autostart)],
    });
  }

  async startNetwork(name: string): Promise<void> {
    await this.networkCall(name, 'Create');
  }

  async destroyNetwork(name: string): Promise<void> {
    await this.networkCall(name, 'Destroy');
  }

  async undefineNetwork(name: string): Promise<void> {
    await this.networkCall(name, 'Undefine');
  }

  private async networkCall(name: string, member: string): Promise<void> {
    await this.call({ path: await this.networkPath(name), interface: networkInterface, member });
  }
}
