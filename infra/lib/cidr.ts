/** An IPv4 CIDR block parsed into an integer range, for containment and overlap checks. */
export interface Ipv4Block {
  readonly cidr: string;
  /** First address as an unsigned 32-bit integer. */
  readonly start: number;
  /** Last address as an unsigned 32-bit integer. */
  readonly end: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Parses `a.b.c.d/n`. Throws when the text is not a CIDR or when host bits are set
 * (`10.0.0.1/24`): AWS rejects those, and they usually hide a typo in a preset.
 */
export function parseCidr(cidr: string): Ipv4Block {
  const match = CIDR_PATTERN.exec(cidr);
  if (!match) throw new Error(`"${cidr}" is not an IPv4 CIDR block (expected a.b.c.d/n)`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${cidr}" is not a valid IPv4 CIDR block`);
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) {
    throw new Error(
      `"${cidr}" has host bits set: the network address of a /${prefix} must be a multiple of ${size}`,
    );
  }
  return { cidr, start: address, end: address + size - 1, prefix };
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.start <= b.end && b.start <= a.end;
}
