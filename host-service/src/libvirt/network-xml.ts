// XML for lab networks. Isolated only: no <forward>, so guests on it reach each other and
// (when it has an address) the host, never anything beyond.
import { HypervisorError, type VlmNetworkMetadata } from './hypervisor';
import { buildVlmNetworkMetadataElement } from './vlm-metadata';
import { checkLibvirtName, checkUuid, escapeXml } from './xml-text';

export interface NetworkSpec {
  name: string;
  uuid?: string;
  /** IPv4 CIDR such as 10.10.0.0/24; the host takes the first address. Absent: no host address. */
  cidr?: string;
  /** Serve DHCP on the network (needs `cidr`). */
  dhcp?: boolean;
  /** VLM's mark: which lab and vlm-host made it. */
  vlm?: VlmNetworkMetadata;
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Ipv4Range {
  network: number;
  prefix: number;
}

export function parseCidr(cidr: string): Ipv4Range {
  const [address, prefixText, ...rest] = String(cidr).split('/');
  const network = address === undefined ? undefined : parseIpv4(address);
  const prefix = Number(prefixText);
  if (network === undefined || rest.length > 0 || !/^[0-9]{1,2}$/.test(prefixText ?? '') || prefix < 8 || prefix > 30) {
    throw new HypervisorError('invalid-argument', `Invalid network CIDR ${JSON.stringify(cidr)}: expected IPv4 like 10.10.0.0/24 with a prefix from 8 to 30`);
  }
  const size = 2 ** (32 - prefix);
  if (network % size !== 0) throw new HypervisorError('invalid-argument', `Invalid network CIDR ${JSON.stringify(cidr)}: host bits are set (did you mean ${formatIpv4(network - (network % size))}/${prefix}?)`);
  return { network, prefix };
}

export function buildNetworkXml(spec: NetworkSpec): string {
  checkLibvirtName('network', spec.name);
  if (spec.uuid !== undefined) checkUuid(spec.uuid);
  if (spec.dhcp && spec.cidr === undefined) throw new HypervisorError('invalid-argument', `Network ${spec.name}: DHCP needs a CIDR`);
  const lines = ['<network>', `  <name>${escapeXml(spec.name)}</name>`];
  if (spec.uuid) lines.push(`  <uuid>${escapeXml(spec.uuid)}</uuid>`);
  if (spec.vlm) lines.push(`  <metadata>${buildVlmNetworkMetadataElement(spec.vlm)}</metadata>`);
  if (spec.cidr !== undefined) {
    const { network, prefix } = parseCidr(spec.cidr);
    const size = 2 ** (32 - prefix);
    const netmask = formatIpv4(2 ** 32 - size);
    lines.push(`  <ip address='${escapeXml(formatIpv4(network + 1))}' netmask='${escapeXml(netmask)}'>`);
    if (spec.dhcp) {
      lines.push(`    <dhcp><range start='${escapeXml(formatIpv4(network + 2))}' end='${escapeXml(formatIpv4(network + size - 2))}'/></dhcp>`);
    }
    lines.push('  </ip>');
  }
  lines.push('</network>');
  return lines.join('\n') + '\n';
}

/** True when network XML would forward traffic off the host (NAT, route, bridge to a NIC...). */
export function networkXmlForwards(xml: string): boolean {
  return /<\s*forward[\s/>]/.test(xml);
}
