import { isPublicRouteTable } from '../engine/internet-route.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { violation } from './rule.js';

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
      const publicSubnets = fn.subnetIds.filter((subnetId) => {
        const subnet = model.subnets.get(subnetId);
        const table = subnet ? model.routeTables.get(subnet.routeTableId) : undefined;
        return table !== undefined && isPublicRouteTable(model, table) === true;
      });
      if (publicSubnets.length === 0) continue;
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
