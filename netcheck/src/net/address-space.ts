import { IntervalSet } from './interval-set.js';
import { describeAddresses, MAX_IPV4, parseCidr } from './ipv4.js';

/**
 * IPv4 ranges that are not reachable on the public internet: RFC 1918 private space plus the
 * special-purpose blocks of RFC 6890. Documentation ranges (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24) are deliberately *not* listed: templates and examples use them to stand for real
 * public hosts, and treating them as private would hide an exposure.
 */
export const NON_INTERNET_CIDRS: readonly string[] = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link local (instance metadata)
  '172.16.0.0/12', // RFC 1918
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes 255.255.255.255
];

function cidrSet(cidrs: readonly string[]): IntervalSet {
  return IntervalSet.fromRanges(
    cidrs.map((text) => {
      const cidr = parseCidr(text);
      if (!cidr) throw new Error(`invalid built-in CIDR ${text}`);
      return cidr.addresses.ranges()[0] as [number, number];
    }),
  );
}

/** Every IPv4 address. */
export const ALL_IPV4: IntervalSet = IntervalSet.range(0, MAX_IPV4);

/** Addresses that are not on the public internet. */
export const NON_INTERNET: IntervalSet = cidrSet(NON_INTERNET_CIDRS);

/** "The internet": every IPv4 address that is neither private nor special-purpose. */
export const INTERNET: IntervalSet = ALL_IPV4.subtract(NON_INTERNET);

/** The RFC 1918 private blocks (used to describe intra-VPC peers). */
export const PRIVATE_RFC1918: IntervalSet = cidrSet(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);

/** Ephemeral ports a client may pick for the return leg of a connection (AWS's NACL recommendation). */
export const EPHEMERAL_PORTS: IntervalSet = IntervalSet.range(1024, 65535);

/**
 * Source ports an arbitrary internet client may connect from. Well-behaved clients use an
 * ephemeral range (within 1024-65535), but nothing stops one from binding any port (e.g. 80 or
 * 443), so "can some internet client connect?" judges the NACL's return leg over all of these.
 */
export const ANY_CLIENT_SOURCE_PORTS: IntervalSet = IntervalSet.range(1, 65535);

/** Every port. */
export const ALL_PORTS: IntervalSet = IntervalSet.range(0, 65535);

/** Describes an address set for messages, naming the internet and the whole IPv4 space. */
export function describeAddressSet(addresses: IntervalSet): string {
  if (addresses.equals(INTERNET)) return 'the internet (all public addresses)';
  if (addresses.equals(ALL_IPV4)) return '0.0.0.0/0';
  if (INTERNET.covers(addresses) && addresses.size() > 2 ** 24) {
    return `part of the internet (${describeAddresses(addresses, 2)})`;
  }
  return describeAddresses(addresses);
}

/**
 * Whether an IPv6 CIDR includes public (global) addresses: anything but unique-local fc00::/7,
 * link-local fe80::/10, multicast ff00::/8 and ::1 / ::. Undefined when the text is not IPv6.
 */
export function ipv6CidrIncludesInternet(text: string): boolean | undefined {
  const match = /^([0-9a-fA-F:.]*:[0-9a-fA-F:.]*)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return undefined;
  const [, address = '', prefixText = ''] = match;
  const prefix = Number(prefixText);
  if (prefix > 128) return undefined;
  if (prefix === 128 && (address === '::1' || address === '::')) return false;
  const first = address.startsWith('::') ? 0 : Number.parseInt(address.split(':')[0] ?? '0', 16);
  if (Number.isNaN(first)) return undefined;
  if (prefix >= 7 && (first & 0xfe00) === 0xfc00) return false;
  if (prefix >= 8 && (first & 0xff00) === 0xff00) return false;
  if (prefix >= 10 && (first & 0xffc0) === 0xfe80) return false;
  return true;
}
