import type { Workload } from '../model/network-model.js';
import { DATABASE_PORTS } from './database-port-open-to-internet.js';
import { ADMIN_PORTS } from './internet-exposure.js';
import type { Rule, RuleContext, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** What a port is known for, if it is a database or administrative port. */
function sensitivePort(context: RuleContext, port: number): string | undefined {
  const admin = ADMIN_PORTS.get(port);
  if (admin) return `${admin}, an administrative port`;
  const database = [...context.model.workloads.values()].some(
    (workload) =>
      workload.role === 'database' && workload.listeningPorts.some((listening) => listening.port === port),
  );
  return database || DATABASE_PORTS.includes(port) ? 'a database port' : undefined;
}

/** Target groups the load balancer forwards to, with their targets, for the message. */
function forwardsTo(context: RuleContext, lb: Workload): string {
  const groups = [...context.model.targetGroups.values()].filter((group) =>
    group.loadBalancerIds.includes(lb.id),
  );
  if (groups.length === 0) return '';
  const described = groups.map((group) => {
    const targets = group.targets.map((target) => target.workloadId);
    return targets.length > 0 ? `${group.id} (${targets.join(', ')})` : group.id;
  });
  return ` and forwards to ${described.join(', ')}`;
}

/**
 * NV-ALB-003: an internet-facing load balancer (ALB or NLB) the engine proves reachable from the
 * internet on a listener port that is a database or administrative port. Path answers follow load
 * balancers only to Lambda targets, so without this rule an NLB in public subnets forwarding
 * tcp/5432 to a database host in a private subnet (or an `ip` target) passed silently: the
 * database's own path says "not reachable" (no public IP), yet every internet client reaches it
 * through the load balancer. A listener whose port cannot be resolved, or a path that depends on
 * unresolved values, gives NV-UNK-001.
 */
export const loadBalancerExposesPrivatePort: Rule = {
  id: 'NV-ALB-003',
  severity: 'error',
  description: 'Internet-facing load balancer listening on a database or administrative port.',
  fix: 'Make the load balancer internal (Scheme: internal) and reach the database / admin port privately (VPN, SSM Session Manager), or restrict its listener to the application port.',
  evaluate(context) {
    const out: RuleOutcome[] = [];
    for (const lb of context.model.workloads.values()) {
      if (lb.role !== 'load-balancer' || lb.loadBalancer?.scheme === 'internal') continue;
      const open: string[] = [];
      const unknown: string[] = [];
      for (const listening of lb.listeningPorts) {
        const what = sensitivePort(context, listening.port);
        if (!what || !listening.reason.startsWith('listener ')) continue;
        const label = `${listening.protocol}/${listening.port} (${what}; ${listening.reason})`;
        const result = context.path({
          from: 'internet',
          to: lb.id,
          port: listening.port,
          protocol: listening.protocol,
        });
        if (result.reachable === true) open.push(label);
        else if (result.reachable === 'unknown')
          unknown.push(`${label}: ${result.blockedAt?.reason ?? 'path undecided'}`);
      }
      for (const listener of lb.unresolvedListeners ?? []) {
        const ports = listener.ports?.filter((port) => sensitivePort(context, port) !== undefined);
        if (listener.ports === undefined || (ports && ports.length > 0))
          unknown.push(
            `${listener.reason}: it may listen on a database or administrative port${ports ? ` (${ports.join(', ')})` : ''}`,
          );
      }
      if (open.length > 0)
        out.push(
          violation(
            lb.id,
            `${lb.id} (${lb.type}) is reachable from the internet on ${open.join(', ')}${forwardsTo(context, lb)}: every internet client reaches its targets on that port, whatever their own subnets and public IPs say. ${this.fix}`,
          ),
        );
      if (unknown.length > 0) out.push(undecided(lb.id, `internet → ${lb.id}: ${unknown.join('; ')}`));
    }
    return out;
  },
};
