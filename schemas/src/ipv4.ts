// IPv4 addresses and CIDR blocks as unsigned 32-bit numbers, and the rules for lab networks'
// ranges and static addresses. The language server and the host service share them.

export interface Cidr {
  /** Network address. */
  network: number;
  prefix: number;
  /** First and last address of the block, inclusive. */
  first: number;
  last: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

const addressShape = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): ParseResult<number> {
  const match = addressShape.exec(text);
  if (!match) return { ok: false, problem: `'${text}' is not an IPv4 address (four numbers 0-255 joined by dots)` };
  let value = 0;
  for (let index = 1; index <= 4; index++) {
    const octet = Number(match[index]);
    if (octet > 255) return { ok: false, problem: `octet ${octet} of '${text}' is over 255` };
    value = value * 256 + octet;
  }
  return { ok: true, value };
}

export const prefixRange = { minimum: 8, maximum: 30 } as const;

/** `allowed` widens the prefix lengths (for host routes and reserved ranges, not lab networks). */
export function parseCidr(text: string, allowed: { minimum: number; maximum: number } = prefixRange): ParseResult<Cidr> {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,2}$/.test(text.slice(slash + 1))) {
    return { ok: false, problem: `'${text}' is not in CIDR notation (an address, '/', a prefix length such as 10.10.1.0/24)` };
  }
  const address = parseIpv4(text.slice(0, slash));
  if (!address.ok) return address;
  const prefix = Number(text.slice(slash + 1));
  if (prefix < allowed.minimum || prefix > allowed.maximum) {
    return { ok: false, problem: `prefix length /${prefix} is outside the allowed ${allowed.minimum} to ${allowed.maximum}` };
  }
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address.value / size) * size;
  if (network !== address.value) {
    return {
      ok: false,
      problem: `'${text}' has host bits set; the network address is ${formatIpv4(network)}/${prefix}`,
    };
  }
  return { ok: true, value: { network, prefix, first: network, last: network + size - 1 } };
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

export function cidrsOverlap(left: Cidr, right: Cidr): boolean {
  return left.first <= right.last && right.first <= left.last;
}

/** Whether `address` lies in `cidr`. */
export function cidrContains(cidr: Cidr, address: number): boolean {
  return address >= cidr.first && address <= cidr.last;
}

/** The address a lab network gives its host (the bridge): the first one after the network address. */
export function hostAddressOf(cidr: Cidr): number {
  return cidr.network + 1;
}

/**
 * Ranges no lab network may use: packets to them never reach a lab's bridge (loopback stays on
 * the host, link-local and multicast are not routed, 0/8 and 240/4 are not host addresses).
 */
export const reservedRanges: ReadonlyArray<{ cidr: Cidr; what: string }> = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['127.0.0.0/8', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0/16', 'link-local (169.254.0.0/16)'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved (240.0.0.0/4, with the broadcast address)'],
].map(([text, what]) => {
  const parsed = parseCidr(text as string, { minimum: 4, maximum: 32 });
  if (!parsed.ok) throw new Error(parsed.problem);
  return { cidr: parsed.value, what: what as string };
});

/** Why a lab network may not use `cidr`, or undefined when it may. */
export function reservedRangeProblem(cidr: Cidr): string | undefined {
  const reserved = reservedRanges.find((range) => cidrsOverlap(range.cidr, cidr));
  return (
    reserved && `${formatCidr(cidr)} overlaps ${reserved.what}, which no lab network can use; pick a private range such as 10.10.1.0/24`
  );
}

/**
 * Why `address` cannot be a VM's static address on the lab network `name` of range `cidr` (outside
 * it, or its network, broadcast or host address), or undefined when it can.
 */
export function staticAddressProblem(name: string, cidr: Cidr, address: number): string | undefined {
  const text = formatIpv4(address);
  const network = `network '${name}' (${formatCidr(cidr)})`;
  if (!cidrContains(cidr, address)) return `${text} is outside ${network}`;
  if (address === cidr.first) return `${text} is the network address of ${network}; a VM needs a host address inside it`;
  if (address === cidr.last) return `${text} is the broadcast address of ${network}; a VM needs a host address inside it`;
  if (address === hostAddressOf(cidr)) return `${text} is the host's own address on ${network} (its first address); a VM needs another`;
  return undefined;
}
