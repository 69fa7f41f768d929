import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** NV-RT-002: a route whose gateway is not created, not attached to the VPC, or in another VPC. */
export const routeToMissingGateway: Rule = {
  id: 'NV-RT-002',
  severity: 'error',
  description:
    'Route to a missing gateway, an internet gateway not attached to the VPC, or a NAT gateway of another VPC.',
  fix: 'Attach the internet gateway with AWS::EC2::VPCGatewayAttachment (and DependsOn it from the route), or point the route at an existing gateway of the same VPC.',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    // A route whose table is unresolved is listed in every table it may be in: judge it once.
    const seen = new Set<string>();
    for (const table of model.routeTables.values()) {
      for (const route of table.routes) {
        if (route.tableUnresolved) {
          if (seen.has(route.id)) continue;
          seen.add(route.id);
        }
        const target = route.target;
        if (target.kind === 'missing') {
          out.push(
            violation(
              route.id,
              `${route.id} in ${table.id} targets ${target.id}, which ${target.reason}. ${this.fix}`,
            ),
          );
        } else if (target.kind === 'internet-gateway') {
          const igw = model.internetGateways.get(target.id);
          if (!igw || igw.attachedVpcIds.includes(table.vpcId)) continue;
          if (igw.unresolvedAttachments.length > 0)
            out.push(undecided(route.id, `attachment of ${igw.id}: ${igw.unresolvedAttachments.join('; ')}`));
          else
            out.push(
              violation(
                route.id,
                `${route.id} in ${table.id} targets internet gateway ${igw.id}, which is not attached to ${table.vpcId} (no AWS::EC2::VPCGatewayAttachment); the route is blackholed. ${this.fix}`,
              ),
            );
        } else if (target.kind === 'nat-gateway') {
          const nat = model.natGateways.get(target.id);
          const natSubnet =
            nat && !(nat.subnetId instanceof Unresolved) ? model.subnets.get(nat.subnetId) : undefined;
          if (natSubnet && natSubnet.vpcId !== table.vpcId) {
            out.push(
              violation(
                route.id,
                `${route.id} in ${table.id} (VPC ${table.vpcId}) targets ${target.id}, which is in VPC ${natSubnet.vpcId}. ${this.fix}`,
              ),
            );
          }
        }
      }
    }
    return out;
  },
};
