import { evaluateSecurityGroups } from '../engine/evaluate-security-groups.js';
import type { NetworkModel, SecurityGroupRule } from '../model/network-model.js';
import { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { violation } from './rule.js';

/** Subnet addresses of the workloads using a group (undefined when unknown or unused). */
function memberAddresses(model: NetworkModel, groupId: string): IntervalSet | undefined {
  let addresses = IntervalSet.empty();
  for (const workload of model.workloads.values()) {
    if (workload.securityGroupIds instanceof Unresolved || !workload.securityGroupIds.includes(groupId))
      continue;
    if (workload.subnetIds instanceof Unresolved) return undefined;
    for (const subnetId of workload.subnetIds) {
      const cidr = model.subnets.get(subnetId)?.cidr;
      if (!cidr || cidr instanceof Unresolved) return undefined;
      addresses = addresses.union(cidr.addresses);
    }
  }
  return addresses.isEmpty() ? undefined : addresses;
}

/**
 * Ports worth testing for a rule's flow against the other group: the lowest port of the rule, plus
 * the lowest port of each overlap with a rule of the other group. The flow is paired when any
 * port of the rule's range is allowed, so testing only the range's lowest port is not enough
 * (egress tcp 0-65535 to a group that admits 5432 is a working pair).
 */
function candidatePorts(rule: SecurityGroupRule, others: readonly SecurityGroupRule[]): number[] {
  if (rule.protocol instanceof Unresolved || rule.ports instanceof Unresolved) return [];
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') return [];
  const ports = new Set<number>();
  const lowest = rule.ports.min();
  if (lowest !== undefined) ports.add(lowest);
  for (const other of others) {
    if (other.ports instanceof Unresolved) continue;
    const overlap = other.ports.intersect(rule.ports).min();
    if (overlap !== undefined) ports.add(overlap);
  }
  return [...ports];
}

function portText(ports: IntervalSet): string {
  return ports
    .ranges()
    .map(([low, high]) => (low === high ? `${low}` : `${low}-${high}`))
    .join(',');
}

/**
 * NV-SG-003: one side of a security-group-referenced flow is missing. A rule that names another
 * group states an intended flow; the other group must allow its half (ingress ↔ egress).
 */
export const securityGroupPairingMismatch: Rule = {
  id: 'NV-SG-003',
  severity: 'warning',
  description:
    'Egress to a security group without matching ingress on it (or ingress from a group whose egress does not allow it).',
  fix: 'Add the matching rule on the other group: SecurityGroupIngress with SourceSecurityGroupId, or SecurityGroupEgress with DestinationSecurityGroupId.',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    const reported = new Set<string>();
    const members = new Map<string, IntervalSet | undefined>();
    const membersOf = (groupId: string): IntervalSet | undefined => {
      if (!members.has(groupId)) members.set(groupId, memberAddresses(model, groupId));
      return members.get(groupId);
    };
    for (const group of model.securityGroups.values()) {
      for (const rule of [...group.egress, ...group.ingress]) {
        if (rule.peer.kind !== 'security-group' || rule.uncertain) continue;
        const other = model.securityGroups.get(rule.peer.groupId);
        if (!other || other.external || other.id === group.id || rule.ports instanceof Unresolved) continue;
        // The other group's opposite direction, seen from a member of this group.
        const direction = rule.direction === 'egress' ? 'ingress' : 'egress';
        const ports = candidatePorts(rule, other[direction]);
        if (ports.length === 0) continue;
        const protocol = rule.protocol as 'tcp' | 'udp';
        const paired = ports.some((candidate) => {
          const decision = evaluateSecurityGroups(model, [other.id], direction, protocol, candidate, {
            groups: [group.id],
            addresses: membersOf(group.id),
          });
          return !decision.allowed.isEmpty() || !decision.unknown.isEmpty();
        });
        if (paired) continue;
        const port = portText(rule.ports);
        const [low, high] = rule.ports.ranges()[0] ?? [0, 0];
        const key = `${group.id}|${other.id}|${port}|${rule.direction}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const message =
          rule.direction === 'egress'
            ? `${rule.id} lets ${group.id} send ${protocol}/${port} to ${other.id}, but ${other.id} has no ingress rule admitting ${group.id} on ${port}, so the flow is blocked. Add to ${other.id}: SecurityGroupIngress {IpProtocol: ${protocol}, FromPort: ${low}, ToPort: ${high}, SourceSecurityGroupId: ${group.id}}.`
            : `${rule.id} admits ${protocol}/${port} from ${other.id} into ${group.id}, but ${other.id}'s egress does not allow it${other.cdkDenyAllEgress ? ' (only the CDK deny-all placeholder)' : ''}, so the flow is blocked. Add to ${other.id}: SecurityGroupEgress {IpProtocol: ${protocol}, FromPort: ${low}, ToPort: ${high}, DestinationSecurityGroupId: ${group.id}}.`;
        out.push(violation(rule.direction === 'egress' ? other.id : other.id, message));
      }
    }
    return out;
  },
};
