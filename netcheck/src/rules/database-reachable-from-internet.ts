import type { ExplanationCode } from '../engine/explanation-codes.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/**
 * Blocks that hold whatever the port, and for every subnet of a DB subnet group alike (so the first
 * placement's block speaks for all): no internet gateway in the VPC, no public address.
 */
const PORT_INDEPENDENT_BLOCKS: ReadonlySet<ExplanationCode> = new Set([
  'IGW_NOT_ATTACHED',
  'RESOURCE_NOT_PUBLICLY_ACCESSIBLE',
]);

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
      if (database.listeningPortUnknown && database.publiclyAccessible !== false) {
        // Without its port, only a block that holds for every port decides (asked on port 0,
        // which no rule names: a port-specific rule cannot make it look reachable).
        const probe = context.path({ from: 'internet', to: database.id, port: 0 });
        const code = probe.blockedAt?.code;
        if (probe.reachable !== false || !code || !PORT_INDEPENDENT_BLOCKS.has(code))
          out.push(
            undecided(
              database.id,
              `${database.id}'s port is unknown (${database.listeningPortUnknown}), so whether the internet reaches it cannot be checked`,
            ),
          );
      }
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
