import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/**
 * NV-SG-002: standalone egress rules on a group without inline egress. CloudFormation keeps EC2's
 * default allow-all egress in that case, so the standalone rules restrict nothing.
 */
export const ineffectiveEgressRestriction: Rule = {
  id: 'NV-SG-002',
  severity: 'warning',
  description:
    'Security group with standalone egress rules but no inline egress: the default allow-all egress remains.',
  fix: 'Declare the egress inline (SecurityGroupEgress), or add an inline placeholder rule so the default allow-all egress is removed (what CDK does with allowAllOutbound: false).',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const group of model.securityGroups.values()) {
      if (!group.defaultEgress || group.external) continue;
      const standalone = group.egress.filter((rule) => rule.origin === 'standalone' && !rule.uncertain);
      // Rules that may not exist, or may belong to another group (unresolved GroupId).
      const maybe = group.egress.filter((rule) => rule.origin === 'standalone' && rule.uncertain);
      if (standalone.length === 0) {
        for (const rule of maybe) out.push(undecided(group.id, `${rule.id}: ${rule.uncertain}`));
        continue;
      }
      out.push(
        violation(
          group.id,
          `${group.id} has standalone egress rules (${standalone.map((rule) => rule.id).join(', ')}) but no inline SecurityGroupEgress, so CloudFormation's default allow-all egress still applies and they restrict nothing. ${this.fix}`,
        ),
      );
    }
    return out;
  },
};
