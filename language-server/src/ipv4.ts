// IPv4 addresses and CIDR blocks as unsigned 32-bit numbers.

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

export function parseCidr(text: string): ParseResult<Cidr> {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,2}$/.test(text.slice(slash + 1))) {
    return { ok: false, problem: `'${text}' is not in CIDR notation (an address, '/', a prefix length such as 10.10.1.0/24)` };
  }
  const address = parseIpv4(text.slice(0, slash));
  if (!address.ok) return address;
  const prefix = Number(text.slice(slash + 1));
  if (prefix < prefixRange.minimum || prefix > prefixRange.maximum) {
    return { ok: false, problem: `prefix length /${prefix} is outside the allowed ${prefixRange.minimum} to ${prefixRange.maximum}` };
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
