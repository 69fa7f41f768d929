import { evaluateSecurityGroups } from '../engine/evaluate-security-groups.js';
import { subnetIsPublic } from '../engine/internet-route.js';
import type { NetworkModel, TargetGroup, Workload } from '../model/network-model.js';
import { INTERNET } from '../net/address-space.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/**
 * NV-ALB-001: a broken load balancer chain — the LB cannot reach a registered target on its
 * traffic or health-check port (LB egress / target ingress missing), or an internet-facing LB sits
 * in subnets that are not public. An internet-facing Network Load Balancer that preserves the
 * client IP hands its targets the clients' public addresses, so their groups must admit those on
 * the traffic port (admitting only the VPC CIDR lets health checks pass and drops every client).
 */
export const loadBalancerTargetChain: Rule = {
  id: 'NV-ALB-001',
  severity: 'error',
  description:
    'Broken load balancer chain: LB egress or target ingress missing for the target port, or internet-facing LB in non-public subnets.',
  fix: "Allow the target port in the LB security group's egress and in the target security group's ingress (SourceSecurityGroupId: the LB group); put internet-facing LBs in subnets routed to an attached IGW.",
  evaluate(context) {
    const { model } = context;
    const out: RuleOutcome[] = [];
    for (const lb of model.workloads.values()) {
      if (lb.kind !== 'load-balancer' || !lb.loadBalancer) continue;
      if (lb.loadBalancer.scheme === 'internet-facing' && !(lb.subnetIds instanceof Unresolved)) {
        const publicness = lb.subnetIds.map((subnetId) => ({
          subnetId,
          isPublic: subnetIsPublic(model, subnetId),
        }));
        const notPublic = publicness
          .filter((entry) => entry.isPublic === false)
          .map((entry) => entry.subnetId);
        const undecidedSubnets = publicness
          .filter((entry) => entry.isPublic === 'unknown')
          .map((entry) => entry.subnetId);
        if (notPublic.length > 0) {
          out.push(
            violation(
              lb.id,
              `${lb.id} is internet-facing but subnet(s) ${notPublic.join(', ')} do not route the internet to an attached internet gateway, so it is unreachable from the internet there. ${this.fix}`,
            ),
          );
        } else if (undecidedSubnets.length > 0) {
          // Neither "public" nor "not public" may be assumed for these: say so, never pass.
          out.push(
            undecided(
              lb.id,
              `whether ${lb.id}'s subnet(s) ${undecidedSubnets.join(', ')} route the internet to an attached internet gateway is unknown`,
            ),
          );
        }
      }
      for (const group of model.targetGroups.values()) {
        // A Lambda target is invoked through the Lambda service: there is no network path to check.
        if (!group.loadBalancerIds.includes(lb.id) || group.targetType === 'lambda') continue;
        for (const target of group.targets) {
          if (!model.workloads.has(target.workloadId)) continue;
          const ports = new Set(
            [target.port, group.healthCheckPort].filter((port): port is number => typeof port === 'number'),
          );
          if (target.port instanceof Unresolved)
            out.push(undecided(lb.id, `port of target ${target.workloadId}: ${target.port.reason}`));
          for (const port of ports) {
            const result = context.path({ from: lb.id, to: target.workloadId, port });
            if (result.reachable !== false && port === target.port) {
              const clients = clientAddressOutcome(model, lb, group, target.workloadId, port);
              if (clients)
                out.push(
                  clients.kind === 'violation'
                    ? violation(lb.id, clients.message)
                    : undecided(lb.id, clients.message),
                );
            }
            if (result.reachable === false) {
              const role =
                port === group.healthCheckPort && port !== target.port ? 'health-check' : 'traffic';
              out.push(
                violation(
                  lb.id,
                  `${lb.id} cannot reach target ${target.workloadId} of ${group.id} on its ${role} port tcp/${port}: ${result.blockedAt?.code} at ${result.blockedAt?.resource}: ${result.blockedAt?.reason}. ${this.fix}`,
                ),
              );
            } else if (result.reachable === 'unknown') {
              out.push(
                undecided(
                  lb.id,
                  `${lb.id} → ${target.workloadId}:${port}: ${result.blockedAt?.reason ?? 'undecided'}`,
                ),
              );
            }
          }
        }
      }
    }
    return out;
  },
};

/**
 * The traffic leg of an internet-facing NLB whose target group preserves the client IP, judged
 * from the clients' addresses (all public IPv4 addresses) on the target's security groups. A rule
 * referencing one of the NLB's own security groups admits the clients too. Undefined when the leg
 * holds or does not apply (ALB, internal NLB, client IP not preserved).
 */
function clientAddressOutcome(
  model: NetworkModel,
  lb: Workload,
  group: TargetGroup,
  targetId: string,
  port: number,
): { kind: 'violation' | 'undecided'; message: string } | undefined {
  const settings = lb.loadBalancer;
  if (
    (settings?.lbType !== 'network' && !(settings?.lbType instanceof Unresolved)) ||
    settings.scheme === 'internal' ||
    group.preserveClientIp === false
  )
    return undefined;
  const target = model.workloads.get(targetId);
  if (!target) return undefined;
  const leg = `${lb.id} → ${targetId}:${port} from the clients' addresses`;
  if (target.securityGroupIds instanceof Unresolved)
    return { kind: 'undecided', message: `${leg}: ${target.securityGroupIds.reason}` };
  const lbGroups = lb.securityGroupIds instanceof Unresolved ? 'unknown' : lb.securityGroupIds;
  const decision = evaluateSecurityGroups(model, target.securityGroupIds, 'ingress', 'tcp', port, {
    addresses: INTERNET,
    groups: lbGroups.length === 0 ? 'none' : lbGroups,
  });
  if (!decision.allowed.isEmpty()) return undefined;
  const uncertain: string[] = [];
  if (settings.lbType instanceof Unresolved)
    uncertain.push(`whether ${lb.id} is a Network Load Balancer is unknown (${settings.lbType.reason})`);
  if (settings.scheme instanceof Unresolved) uncertain.push(`${lb.id}'s Scheme is unresolved`);
  if (group.preserveClientIp instanceof Unresolved)
    uncertain.push(
      `whether ${group.id} preserves the client IP is unknown (${group.preserveClientIp.reason})`,
    );
  if (!decision.unknown.isEmpty())
    uncertain.push(decision.unknownReason ?? 'security group rules unresolved');
  if (uncertain.length > 0)
    return {
      kind: 'undecided',
      message: `${leg}: the target's groups admit no internet address for certain, and ${uncertain.join('; ')}`,
    };
  const why =
    group.targetType === 'instance'
      ? 'instance targets keep it unless preserve_client_ip.enabled is false'
      : 'preserve_client_ip.enabled is true';
  const withLbGroups =
    lbGroups !== 'unknown' && lbGroups.length > 0 ? ` or from ${lb.id}'s security group` : '';
  return {
    kind: 'violation',
    message: `${lb.id} is an internet-facing Network Load Balancer that preserves the client IP for ${group.id} (${why}), so target ${targetId} sees each client's public address on tcp/${port}, but its security groups (${target.securityGroupIds.join(', ')}) admit no internet address there: health checks from the load balancer pass while every client connection is dropped. Allow tcp/${port} from the clients (0.0.0.0/0 for a public service)${withLbGroups}, or set preserve_client_ip.enabled to false on the target group (the targets then see the load balancer's private addresses; not possible for UDP).`,
  };
}
