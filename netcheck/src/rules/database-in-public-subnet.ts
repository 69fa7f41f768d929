import { subnetIsPublic } from '../engine/internet-route.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/**
 * NV-RDS-002: a database with a public address (PubliclyAccessible, explicitly or by AWS's default
 * when a VPC with an internet gateway is used) whose DB subnet group includes public subnets (routed
 * to an attached internet gateway), while the engine finds it not reachable from the internet:
 * only its security groups / NACLs keep the internet out, one rule away from NV-RDS-001 (seed
 * 000's "admin access" rule was that one rule). Seed 004 draws its RDS inside the public subnet.
 * A warning: nothing reaches it today. Reachable databases are NV-RDS-001's, and a path that is
 * undecided is reported there too, so this rule stays silent on both.
 */
export const databaseInPublicSubnet: Rule = {
  id: 'NV-RDS-002',
  severity: 'warning',
  description:
    'Publicly accessible database in public subnets, kept off the internet only by its security groups.',
  fix: 'Set PubliclyAccessible: false and use a DB subnet group of private (or isolated) subnets.',
  evaluate(context) {
    const { model } = context;
    const out: RuleOutcome[] = [];
    for (const database of model.workloads.values()) {
      if (database.role !== 'database' || database.subnetIds instanceof Unresolved) continue;
      // Publicly accessible on an unknown port: undecided, which NV-RDS-001 reports.
      if (database.publiclyAccessible === false || database.listeningPortUnknown) continue;
      const reached = database.listeningPorts.some(
        (listening) =>
          context.path({ from: 'internet', to: database.id, port: listening.port }).reachable !== false,
      );
      if (reached) continue;
      const publicness = database.subnetIds.map((subnetId) => ({
        subnetId,
        isPublic: subnetIsPublic(model, subnetId),
      }));
      const publicSubnets = publicness
        .filter((entry) => entry.isPublic === true)
        .map((entry) => entry.subnetId);
      const unknownSubnets = publicness
        .filter((entry) => entry.isPublic === 'unknown')
        .map((entry) => entry.subnetId);
      if (publicSubnets.length > 0 && database.publiclyAccessible === true) {
        out.push(
          violation(
            database.id,
            `${database.id} has a public address (${database.publicIpReason}) and its DB subnet group includes public subnet(s) ${publicSubnets.join(', ')}: only its security groups keep the internet out (one rule allowing the port from 0.0.0.0/0 makes it NV-RDS-001). ${this.fix}`,
          ),
        );
      } else if (publicSubnets.length > 0 || unknownSubnets.length > 0) {
        out.push(
          undecided(
            database.id,
            `${database.id}: ${database.publicIpReason}; public subnets ${publicSubnets.join(', ') || 'none'}, undecided ${unknownSubnets.join(', ') || 'none'}`,
          ),
        );
      }
    }
    return out;
  },
};
