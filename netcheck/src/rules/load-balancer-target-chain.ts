import { subnetIsPublic } from '../engine/internet-route.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/**
 * NV-ALB-001: a broken load balancer chain — the LB cannot reach a registered target on its
 * traffic or health-check port (LB egress / target ingress missing), or an internet-facing LB sits
 * in subnets that are not public.
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
