import { protocolMatches } from '../model/ip-protocol.js';
import type { NetworkModel, SecurityGroupRule } from '../model/network-model.js';
import { ALL_IPV4 } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';

/** The other end of a flow, as a security group rule sees it. */
export interface SecurityGroupPeerView {
  /** Addresses the peer may have; undefined when unknown (e.g. unresolved subnet CIDR). */
  readonly addresses?: IntervalSet;
  /** Security groups of the peer's interface: a list, `none` (internet, NAT'd traffic) or `unknown`. */
  readonly groups: readonly string[] | 'none' | 'unknown';
  /**
   * The AWS service the flow reaches through a gateway endpoint, if any. A rule naming a prefix
   * list by id is still not taken to be that service's list: AWS-managed list ids differ by
   * region and the template does not say which service an id is (DynamoDB's is not S3's).
   */
  readonly gatewayEndpointService?: string;
}

/** Result of evaluating a set of security groups against a flow. */
export interface SecurityGroupDecision {
  /** Peer addresses definitely allowed. */
  readonly allowed: IntervalSet;
  /** Peer addresses whose fate depends on unresolved values. */
  readonly unknown: IntervalSet;
  /** Peer addresses definitely denied. */
  readonly denied: IntervalSet;
  /** Rules that allowed (some of) the traffic. */
  readonly matchedRules: SecurityGroupRule[];
  /** Why part of the answer is unknown. */
  readonly unknownReason?: string;
}

/**
 * Evaluates the union of the rules of `groupIds` in one direction for a tcp/udp flow to `port`.
 * Security groups only allow (no deny rules) and are stateful, so return traffic needs no check.
 * When the peer's addresses are unknown, the answer is only definite if a rule decides regardless
 * of address (a security group reference or 0.0.0.0/0).
 */
export function evaluateSecurityGroups(
  model: NetworkModel,
  groupIds: readonly string[],
  direction: 'ingress' | 'egress',
  protocol: 'tcp' | 'udp',
  port: number,
  peer: SecurityGroupPeerView,
): SecurityGroupDecision {
  const universe = peer.addresses ?? ALL_IPV4;
  let allowed = IntervalSet.empty();
  let unknown = IntervalSet.empty();
  const matchedRules: SecurityGroupRule[] = [];
  const reasons: string[] = [];
  for (const groupId of groupIds) {
    const group = model.securityGroups.get(groupId);
    if (!group || group.external) {
      unknown = unknown.union(universe);
      reasons.push(`rules of security group ${groupId} are not in the loaded templates`);
      continue;
    }
    for (const rule of group[direction]) {
      if (rule.origin === 'cdk-placeholder') continue;
      let ruleUnknown = rule.uncertain;
      if (rule.protocol instanceof Unresolved) ruleUnknown = rule.protocol.reason;
      else if (!protocolMatches(rule.protocol, protocol)) continue;
      if (rule.ports instanceof Unresolved) ruleUnknown = rule.ports.reason;
      else if (!rule.ports.has(port)) continue;
      let matched: IntervalSet;
      switch (rule.peer.kind) {
        case 'cidr':
          matched = universe.intersect(rule.peer.cidr.addresses);
          break;
        case 'security-group':
          if (peer.groups === 'unknown') {
            ruleUnknown ??= `membership of ${rule.peer.groupId} is unknown for this peer`;
            matched = universe;
          } else {
            matched =
              peer.groups !== 'none' && peer.groups.includes(rule.peer.groupId)
                ? universe
                : IntervalSet.empty();
          }
          break;
        case 'prefix-list':
          if (!(rule.peer.addresses instanceof Unresolved)) {
            // A list declared in the templates: its entries are known addresses.
            matched = universe.intersect(rule.peer.addresses);
            break;
          }
          matched = universe;
          ruleUnknown ??= peer.gatewayEndpointService
            ? `whether ${rule.peer.label} is the prefix list of ${peer.gatewayEndpointService} (its gateway endpoint's) is unknown offline; AWS-managed prefix list ids differ by region`
            : rule.peer.addresses.reason;
          break;
        case 'unresolved':
          matched = universe;
          ruleUnknown ??= rule.peer.reason;
          break;
        case 'ipv6-cidr':
          // Flows are IPv4: an IPv6 rule never matches them.
          continue;
      }
      if (matched.isEmpty()) continue;
      if (ruleUnknown) {
        unknown = unknown.union(matched);
        reasons.push(`${rule.id}: ${ruleUnknown}`);
      } else {
        allowed = allowed.union(matched);
        matchedRules.push(rule);
      }
    }
  }
  unknown = unknown.subtract(allowed);
  if (!peer.addresses) {
    // With unknown peer addresses only a rule that matches every address is decisive.
    if (allowed.equals(ALL_IPV4))
      return { allowed: ALL_IPV4, unknown: IntervalSet.empty(), denied: IntervalSet.empty(), matchedRules };
    if (allowed.isEmpty() && unknown.isEmpty()) return { allowed, unknown, denied: ALL_IPV4, matchedRules };
    return {
      allowed: IntervalSet.empty(),
      unknown: ALL_IPV4,
      denied: IntervalSet.empty(),
      matchedRules,
      unknownReason: reasons[0] ?? 'the peer’s address is unknown',
    };
  }
  return {
    allowed,
    unknown,
    denied: universe.subtract(allowed).subtract(unknown),
    matchedRules,
    unknownReason: reasons.length > 0 ? [...new Set(reasons)].slice(0, 3).join('; ') : undefined,
  };
}

/** Human description of a security group rule for path output. */
export function describeSecurityGroupRule(rule: SecurityGroupRule): string {
  const protocol = rule.protocol instanceof Unresolved ? '?' : rule.protocol;
  let ports = '';
  if (!(rule.ports instanceof Unresolved) && protocol !== 'all') {
    const [range] = rule.ports.ranges();
    if (range)
      ports =
        range[0] === range[1]
          ? `/${range[0]}`
          : range[0] === 0 && range[1] === 65535
            ? '/all'
            : `/${range[0]}-${range[1]}`;
  }
  const peer =
    rule.peer.kind === 'cidr'
      ? rule.peer.cidr.text
      : rule.peer.kind === 'security-group'
        ? rule.peer.groupId
        : rule.peer.kind === 'prefix-list'
          ? rule.peer.label
          : rule.peer.kind === 'ipv6-cidr' && typeof rule.peer.cidr === 'string'
            ? rule.peer.cidr
            : '(unresolved)';
  const what = protocol === 'all' ? 'all traffic' : `${protocol}${ports}`;
  const origin = rule.origin === 'cloudformation-default-egress' ? ' (CloudFormation default egress)' : '';
  return `${rule.id}: ${what} ${rule.direction === 'ingress' ? 'from' : 'to'} ${peer}${origin}`;
}
