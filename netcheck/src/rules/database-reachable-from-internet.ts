import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/**
 * NV-RDS-001: a database reachable from the internet — publicly accessible (explicitly, or by AWS's
 * default when unset), in a subnet routed to an attached IGW, and its security groups allow it.
 */
export const databaseReachableFromInternet: Rule = {
  id: 'NV-RDS-001',
  severity: 'error',
  description:
    'Database reachable from the internet (publicly accessible + public subnet + security group allows).',
  fix: 'Set PubliclyAccessible: false, put the DB subnet group in private/isolated subnets, and allow the port only from application security groups.',
  evaluate(context) {
    const out: RuleOutcome[] = [];
    for (const database of context.model.workloads.values()) {
      if (database.role !== 'database') continue;
      for (const listening of database.listeningPorts) {
        const result = context.path({ from: 'internet', to: database.id, port: listening.port });
        if (result.reachable === true) {
          const hops = result.path.map((hop) => `${hop.resource} (${hop.detail})`).join(' → ');
          out.push(
            violation(
              database.id,
              `${database.id} (${database.engine ?? 'database'}) is reachable from the internet on tcp/${listening.port}: ${database.publicIpReason}; path: ${hops}. ${this.fix}`,
            ),
          );
        } else if (result.reachable === 'unknown') {
          out.push(undecided(database.id, result.blockedAt?.reason ?? 'path undecided'));
        }
      }
    }
    return out;
  },
};
