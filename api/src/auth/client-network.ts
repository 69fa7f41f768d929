import { isIPv4, isIPv6 } from 'node:net';

/**
 * What per-address rate limits count: an IPv4 address, or the /64 network of an IPv6 one (written
 * `2001:db8:0:1::/64`). A single IPv6 subscriber is routinely given a whole /64, so keyed by full
 * address every limit "per IP" allowed 2^64 times its rate to one client (found in review: 15
 * wrong sign-in codes from 15 addresses of one /64, none limited). IPv4-mapped IPv6 addresses
 * (`::ffff:203.0.113.7`, how a dual-stack socket reports IPv4 clients) count as their IPv4 address.
 * Anything else (no address known) is returned as is.
 */
export function clientNetwork(ip: string): string {
  const address = ip.split('%')[0] ?? ip;
  if (!isIPv6(address)) return ip;
  const groups = hextets(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function hextets(address: string): number[] {
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  let text = address;
  if (isIPv4(tail)) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${address.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  if (rest === undefined) return left;
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
