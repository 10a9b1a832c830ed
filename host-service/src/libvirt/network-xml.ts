// XML for lab networks. Isolated (the default): no <forward>, so guests reach each other and
// (when it has an address) the host, never anything beyond; libvirt's DNS is off, so nothing is
// resolved through the host either. NAT: <forward mode='nat'/>, guests reach outside through
// the host's address translation, and libvirt's DNS forwards their queries.
import { formatIpv4, parseCidr, parseIpv4, type Cidr } from '@vlm/schemas';
import { HypervisorError, type VlmNetworkMetadata } from './hypervisor';
import { buildVlmNetworkMetadataElement } from './vlm-metadata';
import { checkLibvirtName, checkUuid, escapeXml } from './xml-text';

export type NetworkMode = 'isolated' | 'nat';

/** A fixed DHCP lease: the NIC with this MAC always gets this address. */
export interface DhcpHost {
  mac: string;
  ip: string;
  /** The guest's hostname (one DNS label), given to it with the lease. */
  name?: string;
}

export interface NetworkSpec {
  name: string;
  uuid?: string;
  /** IPv4 CIDR such as 10.10.0.0/24; the host takes the first address. Absent: no host address. */
  cidr?: string;
  /** Default 'isolated'. NAT needs a CIDR (the host is the guests' gateway). */
  mode?: NetworkMode;
  /** Serve DHCP on the network (needs `cidr`). Fixed leases are added per VM (setNetworkDhcpHost). */
  dhcp?: boolean;
  /** VLM's mark: which lab and vlm-host made it. */
  vlm?: VlmNetworkMetadata;
}

const macPattern = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const hostnamePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseNetworkCidr(cidr: string): Cidr {
  const parsed = parseCidr(String(cidr));
  if (!parsed.ok) throw new HypervisorError('invalid-argument', `Invalid network CIDR ${JSON.stringify(cidr)}: ${parsed.problem}`);
  return parsed.value;
}

/** One fixed lease as an element, for a live network update. */
export function buildDhcpHostXml(host: DhcpHost): string {
  if (!macPattern.test(host.mac)) throw new HypervisorError('invalid-argument', `Invalid MAC address ${JSON.stringify(host.mac)}`);
  const address = parseIpv4(String(host.ip));
  if (!address.ok) throw new HypervisorError('invalid-argument', `Invalid DHCP host address: ${address.problem}`);
  if (host.name !== undefined && !hostnamePattern.test(host.name))
    throw new HypervisorError('invalid-argument', `Invalid DHCP host name ${JSON.stringify(host.name)}`);
  const name = host.name === undefined ? '' : ` name='${escapeXml(host.name)}'`;
  return `<host mac='${escapeXml(host.mac.toLowerCase())}'${name} ip='${escapeXml(formatIpv4(address.value))}'/>`;
}

export function buildNetworkXml(spec: NetworkSpec): string {
  checkLibvirtName('network', spec.name);
  if (spec.uuid !== undefined) checkUuid(spec.uuid);
  const mode = spec.mode ?? 'isolated';
  if (mode !== 'isolated' && mode !== 'nat')
    throw new HypervisorError(
      'invalid-argument',
      `Network ${spec.name}: invalid mode ${JSON.stringify(mode)}: expected 'isolated' or 'nat'`,
    );
  if (mode === 'nat' && spec.cidr === undefined) throw new HypervisorError('invalid-argument', `Network ${spec.name}: NAT needs a CIDR`);
  if (spec.dhcp && spec.cidr === undefined) throw new HypervisorError('invalid-argument', `Network ${spec.name}: DHCP needs a CIDR`);
  const lines = ['<network>', `  <name>${escapeXml(spec.name)}</name>`];
  if (spec.uuid) lines.push(`  <uuid>${escapeXml(spec.uuid)}</uuid>`);
  if (spec.vlm) lines.push(`  <metadata>${buildVlmNetworkMetadataElement(spec.vlm)}</metadata>`);
  if (mode === 'nat') lines.push(`  <forward mode='nat'/>`);
  // dnsmasq still serves DHCP; it answers no DNS, so nothing is looked up through the host.
  else lines.push(`  <dns enable='no'/>`);
  if (spec.cidr !== undefined) {
    const cidr = parseNetworkCidr(spec.cidr);
    const netmask = formatIpv4(2 ** 32 - 2 ** (32 - cidr.prefix));
    lines.push(`  <ip address='${escapeXml(formatIpv4(cidr.network + 1))}' netmask='${escapeXml(netmask)}'>`);
    if (spec.dhcp) {
      lines.push(
        `    <dhcp><range start='${escapeXml(formatIpv4(cidr.network + 2))}' end='${escapeXml(formatIpv4(cidr.last - 1))}'/></dhcp>`,
      );
    }
    lines.push('  </ip>');
  }
  lines.push('</network>');
  return `${lines.join('\n')}\n`;
}

/**
 * Why this network XML may not be defined, or undefined when it may: VLM makes isolated networks
 * (no <forward>) and NAT networks (a bare <forward mode='nat'/>), never routed, bridged or open
 * ones, nor NAT through a chosen device.
 */
export function networkForwardProblem(xml: string): string | undefined {
  const forwards = xml.match(/<\s*forward\b[^>]*>/g) ?? [];
  if (forwards.length === 0) return undefined;
  if (
    forwards.length === 1 &&
    /^<\s*forward\s+mode\s*=\s*(['"])nat\1\s*\/>$/.test(forwards[0] as string) &&
    !/<\s*\/\s*forward\s*>/.test(xml)
  )
    return undefined;
  return "only isolated networks (no <forward>) and NAT networks (a bare <forward mode='nat'/>) may be defined";
}
