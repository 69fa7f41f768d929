import { protocolMatches } from '../model/ip-protocol.js';
import type { NetworkAcl, NetworkAclEntry } from '../model/network-model.js';
import { ALL_IPV4 } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';

/** Result of evaluating a network ACL for a set of peer addresses and a port range. */
export interface NetworkAclDecision {
  /** Peer addresses for which every port in the range is allowed. */
  readonly allowed: IntervalSet;
  /** Peer addresses for which some port in the range is denied. */
  readonly denied: IntervalSet;
  /** Peer addresses whose fate depends on an unresolved entry. */
  readonly unknown: IntervalSet;
  /** The first entry that allowed traffic (for path output). */
  readonly allowedBy?: NetworkAclEntry;
  /**
   * Peer addresses for which at least one port of the range is allowed (a superset of `allowed`
   * when the peer's addresses are known): for a client that picks its own ephemeral port.
   */
  readonly someAllowed: IntervalSet;
  /** Peer addresses for which some port matched no entry and hit the implicit final `*` deny. */
  readonly implicitlyDenied: IntervalSet;
  /** The first entry that denied traffic; undefined means the implicit final `*` deny. */
  readonly deniedBy?: NetworkAclEntry;
  readonly unknownReason?: string;
}

interface Box {
  readonly addresses: IntervalSet;
  readonly ports: IntervalSet;
}

/**
 * Evaluates a stateless network ACL in rule-number order: the first matching entry decides each
 * (address, port) pair, and anything unmatched hits the implicit deny. A default ACL (no entries
 * in the template) allows everything. Evaluation works on boxes of address × port sets, so a
 * return-traffic check over the whole ephemeral range is exact.
 */
export function evaluateNetworkAcl(
  acl: NetworkAcl,
  egress: boolean,
  protocol: 'tcp' | 'udp',
  ports: IntervalSet,
  addresses: IntervalSet | undefined,
): NetworkAclDecision {
  const universe = addresses ?? ALL_IPV4;
  if (acl.isDefault && acl.entries.length === 0)
    return {
      allowed: universe,
      denied: IntervalSet.empty(),
      unknown: IntervalSet.empty(),
      someAllowed: universe,
      implicitlyDenied: IntervalSet.empty(),
    };
  let remaining: Box[] = [{ addresses: universe, ports }];
  let allowed: Box[] = [];
  const denied: Box[] = [];
  let allowedBy: NetworkAclEntry | undefined;
  let deniedBy: NetworkAclEntry | undefined;
  let unknown = IntervalSet.empty();
  let unknownReason: string | undefined;
  for (const entry of acl.entries) {
    if (entry.egress !== egress) continue;
    if (remaining.length === 0) break;
    if (
      entry.protocol instanceof Unresolved ||
      entry.ports instanceof Unresolved ||
      entry.addresses instanceof Unresolved
    ) {
      // An undecidable entry could match anything still undecided.
      const reason = [entry.protocol, entry.ports, entry.addresses].find(
        (value): value is Unresolved => value instanceof Unresolved,
      );
      unknown = remaining.reduce((set, box) => set.union(box.addresses), unknown);
      unknownReason = `${entry.id}: ${reason?.reason ?? 'unresolved'}`;
      remaining = [];
      break;
    }
    if (!protocolMatches(entry.protocol, protocol)) continue;
    const next: Box[] = [];
    for (const box of remaining) {
      const matchedAddresses = box.addresses.intersect(entry.addresses);
      const matchedPorts = box.ports.intersect(entry.ports);
      if (matchedAddresses.isEmpty() || matchedPorts.isEmpty()) {
        next.push(box);
        continue;
      }
      const matched = { addresses: matchedAddresses, ports: matchedPorts };
      if (entry.action === 'allow') {
        allowed.push(matched);
        allowedBy ??= entry;
      } else {
        denied.push(matched);
        deniedBy ??= entry;
      }
      const outsideAddresses = box.addresses.subtract(entry.addresses);
      if (!outsideAddresses.isEmpty()) next.push({ addresses: outsideAddresses, ports: box.ports });
      const outsidePorts = box.ports.subtract(entry.ports);
      if (!outsidePorts.isEmpty()) next.push({ addresses: matchedAddresses, ports: outsidePorts });
    }
    remaining = next;
  }
  // Whatever no entry matched hits the implicit final deny (`*`).
  const implicitlyDenied = remaining.reduce((set, box) => set.union(box.addresses), IntervalSet.empty());
  denied.push(...remaining);
  let deniedAddresses = denied.reduce((set, box) => set.union(box.addresses), IntervalSet.empty());
  unknown = unknown.subtract(deniedAddresses);
  allowed = allowed.filter((box) => !box.addresses.isEmpty());
  const someAllowed = allowed.reduce((set, box) => set.union(box.addresses), IntervalSet.empty());
  let allowedAddresses = universe.subtract(deniedAddresses).subtract(unknown);
  if (!addresses) {
    // Unknown peer address: only a uniform answer is decisive.
    if (deniedAddresses.isEmpty() && unknown.isEmpty())
      return {
        allowed: ALL_IPV4,
        denied: IntervalSet.empty(),
        unknown,
        someAllowed: ALL_IPV4,
        allowedBy,
        implicitlyDenied,
      };
    if (allowedAddresses.isEmpty() && unknown.isEmpty())
      return {
        allowed: allowedAddresses,
        denied: ALL_IPV4,
        unknown,
        someAllowed,
        deniedBy,
        implicitlyDenied,
      };
    allowedAddresses = IntervalSet.empty();
    deniedAddresses = IntervalSet.empty();
    return {
      allowed: allowedAddresses,
      denied: deniedAddresses,
      unknown: ALL_IPV4,
      someAllowed: IntervalSet.empty(),
      unknownReason: unknownReason ?? 'the peer’s address is unknown',
      implicitlyDenied,
    };
  }
  return {
    allowed: allowedAddresses,
    denied: deniedAddresses,
    unknown,
    someAllowed,
    allowedBy,
    deniedBy,
    unknownReason,
    implicitlyDenied,
  };
}

/** Human description of a NACL entry: `#100 allow tcp/443 0.0.0.0/0`. */
export function describeNetworkAclEntry(entry: NetworkAclEntry | undefined): string {
  if (!entry) return 'implicit deny (*)';
  const protocol = entry.protocol instanceof Unresolved ? '?' : entry.protocol;
  let ports = '';
  if (!(entry.ports instanceof Unresolved) && protocol !== 'all') {
    const [range] = entry.ports.ranges();
    if (range) ports = range[0] === range[1] ? `/${range[0]}` : `/${range[0]}-${range[1]}`;
  }
  return `#${entry.ruleNumber} ${entry.action} ${protocol === 'all' ? 'all' : `${protocol}${ports}`} ${entry.cidrText} (${entry.id})`;
}
