import type { NetworkModel, Workload } from '../model/network-model.js';
import { ADMIN_PORTS, acceptsInboundConnections, admittedBy, candidatePorts } from './internet-exposure.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** Ports a deliberate public web server answers on itself: HTTPS, and HTTP for redirects / ACME. */
const WEB_PORTS: ReadonlySet<number> = new Set([80, 443]);

/** Load balancers that forward to the workload through a (non-Lambda) target group. */
function loadBalancersInFront(model: NetworkModel, workload: Workload): string[] {
  const ids = new Set<string>();
  for (const group of model.targetGroups.values()) {
    if (group.targetType === 'lambda') continue;
    if (group.targets.some((target) => target.workloadId === workload.id))
      for (const lbId of group.loadBalancerIds) ids.add(lbId);
  }
  return [...ids].sort();
}

/**
 * Why a port the internet reaches directly is a mistake, or undefined when it is a deliberate
 * public web endpoint (80/443 of an instance that no load balancer fronts).
 */
function exposureReason(
  workload: Workload,
  port: number,
  loadBalancers: readonly string[],
): string | undefined {
  const reasons: string[] = [];
  if (loadBalancers.length > 0)
    reasons.push(
      `it is a target of ${loadBalancers.join(', ')}, yet clients can bypass the load balancer (its TLS, listener rules and any WAF) and connect to it directly`,
    );
  if (workload.kind === 'ecs-service')
    reasons.push(
      `the ECS tasks serve the internet from their own public IPs (${workload.publicIpReason}), which change whenever a task is replaced, with no health-checked failover in front of them`,
    );
  if (!WEB_PORTS.has(port))
    reasons.push(
      'the server answers internet clients itself on an application port (not 443/80): plain HTTP or an unhardened service, with no TLS termination or WAF in front of it',
    );
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/**
 * NV-CMP-001: compute (EC2 instance, auto scaling group, ECS task) that the internet reaches
 * directly where it should sit behind a load balancer: seed 002's Fargate task answering tcp/3000
 * on its public IP. A reachable port is reported when
 * - the workload is a load balancer target (any port: the load balancer is bypassed), or
 * - it is an ECS service (task IPs are ephemeral, so serving the internet from them is never a
 *   stable design, on 443 as on 3000), or
 * - the port is not 80/443: a public web server on an instance with an Elastic IP answering
 *   443/80 is deliberate and stays silent.
 * Reachability is the engine's proof (public IP, IGW route, NACLs, security groups); the ports
 * asked about are the declared ones and those internet-facing rules open. Administrative ports
 * are NV-CMP-002/003's. UDP is not checked. False-positive risk: a deliberate public non-web
 * service on an instance (mail, DNS, VPN over tcp) is reported — put it behind a Network Load
 * Balancer or accept the finding.
 */
export const computeDirectlyReachableFromInternet: Rule = {
  id: 'NV-CMP-001',
  severity: 'error',
  description:
    'Compute reachable directly from the internet: a load balancer target, an ECS task, or a non-80/443 application port.',
  fix: "Drop the public IP (private subnets, AssignPublicIp: DISABLED) and put the workload behind a load balancer with an HTTPS listener, allowing the app port only from the load balancer's security group (SourceSecurityGroupId); use a Network Load Balancer for non-HTTP services.",
  evaluate(context) {
    const { model } = context;
    const out: RuleOutcome[] = [];
    for (const workload of model.workloads.values()) {
      if (!acceptsInboundConnections(workload)) continue;
      const loadBalancers = loadBalancersInFront(model, workload);
      const exposed: string[] = [];
      const unknown: string[] = [];
      for (const { port, why } of candidatePorts(model, workload, new Set(ADMIN_PORTS.keys()))) {
        // A port that would be fine even if reachable (a web server's 443) is not worth asking.
        const reason = exposureReason(workload, port, loadBalancers);
        if (!reason) continue;
        const result = context.path({ from: 'internet', to: workload.id, port });
        if (result.reachable === 'unknown')
          unknown.push(`tcp/${port}: ${result.blockedAt?.reason ?? 'path undecided'}`);
        else if (result.reachable === true)
          exposed.push(`tcp/${port} (${why}; ${admittedBy(result)}): ${reason}`);
      }
      if (exposed.length > 0)
        out.push(
          violation(
            workload.id,
            `${workload.id} (${workload.type}) is reachable directly from the internet on ${exposed.join('; ')}. ${this.fix}`,
          ),
        );
      if (unknown.length > 0)
        out.push(undecided(workload.id, `internet → ${workload.id}: ${unknown.join('; ')}`));
    }
    return out;
  },
};
