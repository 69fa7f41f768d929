import { IntervalSet } from './interval-set.js';

/** Highest IPv4 address as an unsigned 32-bit integer. */
export const MAX_IPV4 = 2 ** 32 - 1;

/** A parsed IPv4 CIDR block. */
export interface Cidr {
  /** The text as written in the template, e.g. `10.0.0.0/16`. */
  readonly text: string;
  /** Prefix length 0–32. */
  readonly prefixLength: number;
  /** Address as written (may have host bits set). */
  readonly address: number;
  /** True when the address has bits set beyond the prefix (AWS rejects or silently normalises these). */
  readonly hostBitsSet: boolean;
  /** The covered addresses (network address … broadcast), with host bits cleared. */
  readonly addresses: IntervalSet;
}

/** Parses a dotted-quad IPv4 address into an unsigned integer; undefined when malformed. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Formats an unsigned 32-bit integer as a dotted quad. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses `a.b.c.d/n` (a bare address is treated as /32); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [addressText, prefixText, extra] = text.trim().split('/');
  if (addressText === undefined || extra !== undefined) return undefined;
  const address = parseIpv4(addressText);
  if (address === undefined) return undefined;
  if (prefixText !== undefined && !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefixLength = prefixText === undefined ? 32 : Number(prefixText);
  if (prefixLength > 32) return undefined;
  const blockSize = 2 ** (32 - prefixLength);
  const network = Math.floor(address / blockSize) * blockSize;
  return {
    text: text.trim(),
    prefixLength,
    address,
    hostBitsSet: network !== address,
    addresses: IntervalSet.range(network, network + blockSize - 1),
  };
}

/** Splits an address set into the minimal list of CIDR strings (for human-readable output). */
export function toCidrStrings(addresses: IntervalSet): string[] {
  const out: string[] = [];
  for (const [rangeStart, end] of addresses.ranges()) {
    let start = rangeStart;
    while (start <= end) {
      // Largest aligned block starting at `start` that stays within the range.
      let size = 1;
      while (start % (size * 2) === 0 && start + size * 2 - 1 <= end && size < 2 ** 32) size *= 2;
      out.push(`${formatIpv4(start)}/${32 - Math.log2(size)}`);
      start += size;
    }
  }
  return out;
}

/** Human summary of an address set: up to `limit` CIDRs, then a count. */
export function describeAddresses(addresses: IntervalSet, limit = 4): string {
  if (addresses.isEmpty()) return '(no addresses)';
  const cidrs = toCidrStrings(addresses);
  if (cidrs.length <= limit) return cidrs.join(', ');
  return `${cidrs.slice(0, limit).join(', ')} and ${cidrs.length - limit} more ranges`;
}
