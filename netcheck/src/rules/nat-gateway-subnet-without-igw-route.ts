import { summarizeInternetRoutes } from '../engine/internet-route.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** NV-NAT-002: a public NAT gateway whose own subnet has no route to an internet gateway. */
export const natGatewaySubnetWithoutIgwRoute: Rule = {
  id: 'NV-NAT-002',
  severity: 'error',
  description: 'NAT gateway in a subnet with no internet gateway route for public destinations.',
  fix: "Place the NAT gateway in a public subnet, or add 0.0.0.0/0 → the internet gateway to its subnet's route table.",
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const nat of model.natGateways.values()) {
      if (nat.connectivity === 'private' || nat.subnetId instanceof Unresolved) continue;
      const subnet = model.subnets.get(nat.subnetId);
      const table = subnet ? model.routeTables.get(subnet.routeTableId) : undefined;
      if (!subnet || !table) {
        out.push(
          undecided(nat.id, `subnet ${nat.subnetId} or its route table is not in the loaded templates`),
        );
        continue;
      }
      if (table.unknownContents) {
        out.push(undecided(nat.id, table.unknownContents));
        continue;
      }
      const summary = summarizeInternetRoutes(model, table);
      if (summary.unrouted.length > 0) {
        const where = subnet.explicitRouteTable
          ? table.id
          : `the VPC's main route table (${subnet.id} has no route table association), which has only the local route`;
        out.push(
          violation(
            nat.id,
            `${nat.id} is in ${subnet.id}, whose route table ${where} has no route to an internet gateway for ${summary.unrouted.join(', ')}; translated traffic is dropped. ${this.fix}`,
          ),
        );
      } else if (
        (summary.unknown.length > 0 ||
          summary.toOtherTarget.length > 0 ||
          summary.maybeNotPublic.length > 0) &&
        summary.toAttachedIgw.length === 0
      ) {
        // A transit gateway or peering may lead to an internet exit elsewhere: not followed.
        const elsewhere = summary.toOtherTarget.map((part) => `${part.addresses} via ${part.route.id}`);
        out.push(
          undecided(
            nat.id,
            `routes of ${table.id} are unresolved or not followed: ${[...summary.unknown, ...summary.maybeNotPublic, ...elsewhere].join('; ')}`,
          ),
        );
      }
    }
    return out;
  },
};
