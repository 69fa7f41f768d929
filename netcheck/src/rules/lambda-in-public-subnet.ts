import { subnetIsPublic } from '../engine/internet-route.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/**
 * NV-LMB-003: a VPC Lambda function in a public subnet. Lambda interfaces never get a public IP,
 * so a subnet that routes to the internet gateway gives the function no internet access at all.
 */
export const lambdaInPublicSubnet: Rule = {
  id: 'NV-LMB-003',
  severity: 'warning',
  description: 'VPC Lambda function placed in a public subnet (its interfaces never get a public IP).',
  fix: 'Move the function to private subnets routed to a NAT gateway.',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const fn of model.workloads.values()) {
      if (fn.kind !== 'lambda-function' || fn.outsideVpc || fn.subnetIds instanceof Unresolved) continue;
      const publicness = fn.subnetIds.map((subnetId) => ({
        subnetId,
        isPublic: subnetIsPublic(model, subnetId),
      }));
      const publicSubnets = publicness
        .filter((entry) => entry.isPublic === true)
        .map((entry) => entry.subnetId);
      if (publicSubnets.length === 0) {
        const undecidedSubnets = publicness
          .filter((entry) => entry.isPublic === 'unknown')
          .map((entry) => entry.subnetId);
        // A subnet that may be public is reported as undecided, never passed.
        if (undecidedSubnets.length > 0)
          out.push(
            undecided(
              fn.id,
              `whether ${fn.id}'s subnet(s) ${undecidedSubnets.join(', ')} route the internet to an internet gateway is unknown`,
            ),
          );
        continue;
      }
      out.push(
        violation(
          fn.id,
          `${fn.id} is placed in public subnet(s) ${publicSubnets.join(', ')}; Lambda interfaces never receive a public IP, so the internet gateway drops its traffic. ${this.fix}`,
        ),
      );
    }
    return out;
  },
};
