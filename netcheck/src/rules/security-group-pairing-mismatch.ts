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

function representativePort(rule: SecurityGroupRule): number | undefined {
  if (rule.protocol instanceof Unresolved || rule.ports instanceof Unresolved) return undefined;
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') return undefined;
  return rule.ports.min();
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
        const port = representativePort(rule);
        if (!other || other.external || other.id === group.id || port === undefined) continue;
        const protocol = rule.protocol as 'tcp' | 'udp';
        // The other group's opposite direction, seen from a member of this group.
        const direction = rule.direction === 'egress' ? 'ingress' : 'egress';
        const decision = evaluateSecurityGroups(model, [other.id], direction, protocol, port, {
          groups: [group.id],
          addresses: membersOf(group.id),
        });
        if (!decision.allowed.isEmpty() || !decision.unknown.isEmpty()) continue;
        const key = `${group.id}|${other.id}|${port}|${rule.direction}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const message =
          rule.direction === 'egress'
            ? `${rule.id} lets ${group.id} send ${protocol}/${port} to ${other.id}, but ${other.id} has no ingress rule admitting ${group.id} on ${port}, so the flow is blocked. Add to ${other.id}: SecurityGroupIngress {IpProtocol: ${protocol}, FromPort: ${port}, ToPort: ${port}, SourceSecurityGroupId: ${group.id}}.`
            : `${rule.id} admits ${protocol}/${port} from ${other.id} into ${group.id}, but ${other.id}'s egress does not allow it${other.cdkDenyAllEgress ? ' (only the CDK deny-all placeholder)' : ''}, so the flow is blocked. Add to ${other.id}: SecurityGroupEgress {IpProtocol: ${protocol}, FromPort: ${port}, ToPort: ${port}, DestinationSecurityGroupId: ${group.id}}.`;
        out.push(violation(rule.direction === 'egress' ? other.id : other.id, message));
      }
    }
    return out;
  },
};
