// Address ranges a lab network must stay clear of: other labs' networks (recorded in state), every
// other libvirt network (whoever made it), and on a real host its own addresses and routes. A
// lab network overlapping one of them would hijack or lose traffic, so plans refuse it.
import { cidrsOverlap, formatCidr, parseCidr, parseIpv4, type Cidr, type Lab } from '@vlm/schemas';
import type { Hypervisor } from '../libvirt/hypervisor';
import { child, descendants, parseXml } from '../libvirt/xml-parse';
import { runCommand } from '../process/process-runner';
import type { ReadonlyHostState } from '../state/state-store';
import { recordedLab } from '../state/state-shape';
import type { LabProblem } from './lab-checks';

export interface OccupiedRange {
  cidr: Cidr;
  /** What holds it, for the message: `libvirt network "x" (10.1.0.0/24)`. */
  holder: string;
}

const ipTimeoutMs = 10_000;

/** The range of `prefix` bits around `address`. */
function rangeOf(address: string, prefix: number): Cidr | undefined {
  const parsed = parseIpv4(address);
  if (!parsed.ok || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(parsed.value / size) * size;
  return { network, prefix, first: network, last: network + size - 1 };
}

function prefixOfNetmask(netmask: string): number | undefined {
  const parsed = parseIpv4(netmask);
  if (!parsed.ok) return undefined;
  const bits = parsed.value.toString(2).padStart(32, '0');
  if (!/^1*0*$/.test(bits)) return undefined;
  const firstZero = bits.indexOf('0');
  return firstZero === -1 ? 32 : firstZero;
}

/** The IPv4 ranges and bridge of a libvirt network, from its XML. */
export function readLibvirtNetworkXml(xml: string): { bridge?: string; ranges: Cidr[] } {
  const root = parseXml(xml);
  const bridge = child(root, 'bridge')?.attributes.name;
  const ranges: Cidr[] = [];
  for (const ip of descendants(root, 'ip')) {
    const { address, netmask, prefix, family } = ip.attributes;
    if (address === undefined || (family !== undefined && family !== 'ipv4')) continue;
    const length = prefix !== undefined ? Number(prefix) : netmask !== undefined ? prefixOfNetmask(netmask) : undefined;
    const range = length === undefined ? undefined : rangeOf(address, length);
    if (range) ranges.push(range);
  }
  return { ...(bridge === undefined ? {} : { bridge }), ranges };
}

async function ipJson(args: string[]): Promise<unknown[]> {
  const command = { program: 'ip', args: ['-j', '-4', ...args], timeoutMs: ipTimeoutMs };
  const result = await runCommand(command).catch((error: Error) => {
    throw new Error(`${error.message} (ip is in Debian's iproute2: apt-get install -y --no-install-recommends iproute2)`);
  });
  if (result.exitCode !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
  const parsed: unknown = JSON.parse(result.stdout || '[]');
  return Array.isArray(parsed) ? parsed : [];
}

/** The host's own IPv4 addresses and routes (main table, not the default route), from iproute2. */
export async function hostRanges(skipDevices: ReadonlySet<string>): Promise<OccupiedRange[]> {
  const ranges: OccupiedRange[] = [];
  for (const link of (await ipJson(['addr', 'show'])) as Array<{
    ifname?: string;
    addr_info?: Array<{ local?: string; prefixlen?: number }>;
  }>) {
    if (link.ifname === undefined || skipDevices.has(link.ifname)) continue;
    for (const info of link.addr_info ?? []) {
      const range = info.local === undefined ? undefined : rangeOf(info.local, 32);
      if (range) ranges.push({ cidr: range, holder: `the address ${info.local} of the host's interface ${link.ifname}` });
    }
  }
  for (const route of (await ipJson(['route', 'show', 'table', 'main'])) as Array<{ dst?: string; dev?: string }>) {
    if (route.dst === undefined || route.dst === 'default' || (route.dev !== undefined && skipDevices.has(route.dev))) continue;
    const [address, prefix] = route.dst.split('/');
    const range = rangeOf(address ?? '', prefix === undefined ? 32 : Number(prefix));
    if (range)
      ranges.push({ cidr: range, holder: `the host's route to ${formatCidr(range)}${route.dev === undefined ? '' : ` on ${route.dev}`}` });
  }
  return ranges;
}

export interface SurroundingsInput {
  lab: Lab;
  state: ReadonlyHostState;
  hypervisor: Hypervisor;
  /** Host addresses and routes are read only on a real host, not for the test driver's simulation. */
  driver: 'test' | 'qemu';
}

/** Everything the lab's networks must not overlap, except what this lab itself has made. */
export async function occupiedRanges({ lab, state, hypervisor, driver }: SurroundingsInput): Promise<OccupiedRange[]> {
  const occupied: OccupiedRange[] = [];
  for (const other of Object.values(state.labs)) {
    if (other.name === lab.name) continue;
    for (const network of (other.definition as Lab).networks ?? []) {
      const parsed = parseCidr(network.cidr);
      if (parsed.ok) occupied.push({ cidr: parsed.value, holder: `network "${network.name}" (${network.cidr}) of lab "${other.name}"` });
    }
  }
  const own = new Set(recordedLab(state.labs, lab.name)?.resources.networks.map((network) => network.name));
  const ownBridges = new Set<string>();
  for (const network of await hypervisor.listNetworks()) {
    const xml = await hypervisor.getNetworkXml(network.name).catch(() => undefined);
    if (xml === undefined) continue;
    const { bridge, ranges } = readLibvirtNetworkXml(xml);
    if (own.has(network.name)) {
      if (bridge !== undefined) ownBridges.add(bridge);
      continue;
    }
    for (const range of ranges) occupied.push({ cidr: range, holder: `libvirt network "${network.name}" (${formatCidr(range)})` });
  }
  if (driver === 'qemu') occupied.push(...(await hostRanges(ownBridges)));
  return occupied;
}

/** One problem per lab network that overlaps an occupied range, naming the first it overlaps. */
export function networkConflicts(lab: Lab, occupied: readonly OccupiedRange[]): LabProblem[] {
  const problems: LabProblem[] = [];
  (lab.networks ?? []).forEach((network, index) => {
    const parsed = parseCidr(network.cidr);
    if (!parsed.ok) return;
    const taken = occupied.find((range) => cidrsOverlap(range.cidr, parsed.value));
    if (taken)
      problems.push({
        field: `/lab/networks/${index}/cidr`,
        message: `${network.cidr} overlaps ${taken.holder}; pick a range nothing on this host uses`,
      });
  });
  return problems;
}
