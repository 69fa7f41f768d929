import type { SecurityGroupRule } from '../model/network-model.js';
import { describeAddressSet, INTERNET, ipv6CidrIncludesInternet } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** Well-known database and data-store ports: PostgreSQL, MySQL, SQL Server, Oracle, MongoDB, Redis, Redshift, OpenSearch… */
export const DATABASE_PORTS: readonly number[] = [
  1433, 1521, 2483, 2484, 3306, 5432, 5439, 6379, 7000, 7001, 8529, 9042, 9200, 9300, 11211, 27017, 27018,
  50000,
];

function ruleAllowsPort(rule: SecurityGroupRule, port: number): boolean {
  if (rule.protocol instanceof Unresolved || rule.ports instanceof Unresolved) return false;
  return (rule.protocol === 'tcp' || rule.protocol === 'all') && rule.ports.has(port);
}

/** Whether a rule may carry TCP (its protocol is tcp, all, or unresolved). */
function mayBeTcp(rule: SecurityGroupRule): boolean {
  return rule.protocol instanceof Unresolved || rule.protocol === 'tcp' || rule.protocol === 'all';
}

/**
 * A peer that cannot be resolved but may be addresses (an unresolved CidrIp, a rule unknown as a
 * whole): the internet among them. An unresolved security group reference is never the internet.
 */
function unresolvedAddressPeer(rule: SecurityGroupRule): string | undefined {
  return rule.peer.kind === 'unresolved' && !rule.peer.securityGroup ? rule.peer.reason : undefined;
}

/** A rule that opens database ports to the internet: from where, and which ports. */
interface OpeningRule {
  readonly rule: SecurityGroupRule;
  readonly peer: IntervalSet | 'ipv6';
  readonly ports: number[];
}

/**
 * The internet addresses a rule's peer covers: an IPv4 set, `ipv6` for an IPv6 CIDR with public
 * addresses (`::/0`), an Unresolved for an IPv6 CIDR that is not literal, undefined for none.
 */
function internetPeer(rule: SecurityGroupRule): IntervalSet | 'ipv6' | Unresolved | undefined {
  const addresses =
    rule.peer.kind === 'cidr'
      ? rule.peer.cidr.addresses
      : rule.peer.kind === 'prefix-list'
        ? rule.peer.addresses
        : undefined;
  // A prefix list whose entries are not in the template is judged per port (see evaluate).
  if (addresses instanceof Unresolved) return undefined;
  if (addresses) {
    const publicPart = addresses.intersect(INTERNET);
    return publicPart.isEmpty() ? undefined : publicPart;
  }
  if (rule.peer.kind !== 'ipv6-cidr') return undefined;
  if (rule.peer.cidr instanceof Unresolved) return rule.peer.cidr;
  const internet = ipv6CidrIncludesInternet(rule.peer.cidr);
  if (internet === undefined) return new Unresolved(`CidrIpv6 "${rule.peer.cidr}" is not an IPv6 CIDR`);
  return internet ? 'ipv6' : undefined;
}

function peerText(rule: SecurityGroupRule): string {
  if (rule.peer.kind === 'cidr') return rule.peer.cidr.text;
  if (rule.peer.kind === 'prefix-list') return rule.peer.label;
  if (rule.peer.kind === 'ipv6-cidr' && typeof rule.peer.cidr === 'string') return rule.peer.cidr;
  return '?';
}

/**
 * NV-SG-001: a database port allowed from internet addresses (IPv4 or IPv6). Computed on address
 * sets, so `0.0.0.0/1` + `128.0.0.0/1` is recognised as the whole internet. A rule that would open
 * a database port to the internet but may not exist (unresolved Condition) or whose protocol,
 * ports or IPv6 CIDR are unresolved gives NV-UNK-001, never a silent pass.
 */
export const databasePortOpenToInternet: Rule = {
  id: 'NV-SG-001',
  severity: 'error',
  description: 'Security group allows a database port from non-private (internet) addresses.',
  fix: "Allow the database port only from the application's security group (SourceSecurityGroupId) or private CIDRs; use a bastion or SSM for admin access.",
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    // Ports of modelled databases, per security group protecting them; and the databases whose
    // port is unknown, whose groups may open it on any port.
    const databasePortsByGroup = new Map<string, Set<number>>();
    const unknownPortsByGroup = new Map<string, string[]>();
    for (const workload of model.workloads.values()) {
      if (workload.role !== 'database' || workload.securityGroupIds instanceof Unresolved) continue;
      for (const groupId of workload.securityGroupIds) {
        const ports = databasePortsByGroup.get(groupId) ?? new Set<number>();
        for (const listening of workload.listeningPorts) ports.add(listening.port);
        databasePortsByGroup.set(groupId, ports);
        if (workload.listeningPortUnknown) {
          const unknown = unknownPortsByGroup.get(groupId) ?? [];
          unknown.push(`${workload.id} listens on an unknown port (${workload.listeningPortUnknown})`);
          unknownPortsByGroup.set(groupId, unknown);
        }
      }
    }
    for (const group of model.securityGroups.values()) {
      const ports = new Set([...DATABASE_PORTS, ...(databasePortsByGroup.get(group.id) ?? [])]);
      // Rules that may open database ports to the internet, by rule id → ports and reason.
      const undecidedRules = new Map<string, { ports: number[]; reason: string }>();
      const maybe = (rule: SecurityGroupRule, port: number | undefined, reason: string): void => {
        const entry = undecidedRules.get(rule.id) ?? { ports: [], reason };
        if (port !== undefined) entry.ports.push(port);
        undecidedRules.set(rule.id, entry);
      };
      // Rules that open database ports to the internet, by rule id, with the ports they open.
      const violating = new Map<string, OpeningRule>();
      for (const rule of group.ingress) {
        if (!mayBeTcp(rule)) continue;
        const addressPeer = unresolvedAddressPeer(rule);
        // Unresolved ports or protocol with a peer that is (or may be) the internet.
        if (addressPeer && (rule.ports instanceof Unresolved || rule.protocol instanceof Unresolved)) {
          maybe(rule, undefined, addressPeer);
          continue;
        }
        const peer = internetPeer(rule);
        if (!peer) continue;
        const unresolved = [rule.protocol, rule.ports, peer].find(
          (value): value is Unresolved => value instanceof Unresolved,
        );
        if (unresolved) maybe(rule, undefined, unresolved.reason);
      }
      for (const port of [...ports].sort((a, b) => a - b)) {
        for (const rule of group.ingress) {
          const addressPeer = unresolvedAddressPeer(rule);
          if (addressPeer) {
            // e.g. `CidrIp: !Ref AllowedCidr` without a value: deployed as 0.0.0.0/0, it is open.
            if (ruleAllowsPort(rule, port)) maybe(rule, port, addressPeer);
            continue;
          }
          // A security group reference, resolved or not, admits members of a group, never the
          // internet (the docs said so; the rule reported it as undecided, found in review
          // 2026-12-07). A rule that could not be read at all may be anything.
          if (
            rule.peer.kind === 'unresolved' &&
            !rule.peer.securityGroup &&
            rule.protocol !== 'udp' &&
            databasePortsByGroup.get(group.id)?.has(port)
          ) {
            out.push(undecided(group.id, `${rule.id} on the database port ${port}: ${rule.peer.reason}`));
            continue;
          }
          if (
            rule.peer.kind === 'prefix-list' &&
            rule.peer.addresses instanceof Unresolved &&
            ruleAllowsPort(rule, port)
          ) {
            // Its entries may include public addresses: unknown, never a silent pass.
            maybe(rule, port, rule.peer.addresses.reason);
            continue;
          }
          const peer = internetPeer(rule);
          if (!peer || peer instanceof Unresolved || !ruleAllowsPort(rule, port)) continue;
          if (rule.uncertain) {
            maybe(rule, port, rule.uncertain);
            continue;
          }
          const entry = violating.get(rule.id) ?? { rule, peer, ports: [] };
          entry.ports.push(port);
          violating.set(rule.id, entry);
        }
      }
      // One finding per rule, naming its ports (one per port repeated a `-1` rule's finding for
      // every database port); rules opening the same ports share one, so their address sets add
      // up (`0.0.0.0/1` + `128.0.0.0/1` is the whole internet).
      const byPorts = new Map<string, { opening: OpeningRule[]; ports: number[] }>();
      for (const opening of violating.values()) {
        const key = opening.ports.join(',');
        const shared = byPorts.get(key) ?? { opening: [], ports: opening.ports };
        shared.opening.push(opening);
        byPorts.set(key, shared);
      }
      for (const { opening, ports: openPorts } of byPorts.values()) {
        const rules = opening.map(({ rule }) => rule);
        let open = IntervalSet.empty();
        const openIpv6: string[] = [];
        for (const { rule, peer } of opening) {
          if (peer === 'ipv6') openIpv6.push(peerText(rule));
          else open = open.union(peer);
        }
        const from = [
          ...(open.isEmpty() ? [] : [describeAddressSet(open)]),
          ...openIpv6.map((cidr) => `the IPv6 internet (${cidr})`),
        ].join(' and ');
        const listening = openPorts.filter((port) => databasePortsByGroup.get(group.id)?.has(port));
        const protects =
          listening.length === 0
            ? ''
            : ` and protects a database listening on ${openPorts.length > 1 ? listening.join(', ') : 'it'}`;
        const which =
          openPorts.length > 1 ? `the database ports tcp/${openPorts.join(', ')}` : `tcp/${openPorts[0]}`;
        const via = rules.map((rule) => `${rule.id} (${peerText(rule)})`).join(', ');
        out.push(
          violation(group.id, `${group.id} allows ${which} from ${from} via ${via}${protects}. ${this.fix}`),
        );
      }
      // Any port the internet is let in on may be the port of a database whose port is unknown.
      const unknownPorts = unknownPortsByGroup.get(group.id);
      for (const rule of unknownPorts ? group.ingress : []) {
        if (violating.has(rule.id) || undecidedRules.has(rule.id) || !mayBeTcp(rule)) continue;
        const peer = internetPeer(rule);
        if (peer && !(peer instanceof Unresolved)) maybe(rule, undefined, (unknownPorts ?? []).join('; '));
      }
      for (const [ruleId, { ports: rulePorts, reason }] of undecidedRules) {
        const which = rulePorts.length > 0 ? `database port(s) ${rulePorts.join(', ')}` : 'a database port';
        out.push(undecided(group.id, `${ruleId} may allow ${which} from the internet: ${reason}`));
      }
    }
    return out;
  },
};
