import { summarizeInternetRoutes } from '../engine/internet-route.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** NV-NAT-003: a NAT gateway whose own subnet sends public traffic to a NAT gateway (a loop). */
export const natGatewayRouteLoop: Rule = {
  id: 'NV-NAT-003',
  severity: 'error',
  description: "NAT gateway whose own subnet's route table sends public traffic to a NAT gateway.",
  fix: "Route 0.0.0.0/0 → the internet gateway in the NAT gateway's subnet; only private subnets route to the NAT.",
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const nat of model.natGateways.values()) {
      // A private NAT gateway never reaches the internet, so where its subnet sends public traffic is moot.
      if (nat.connectivity === 'private' || nat.subnetId instanceof Unresolved) continue;
      const subnet = model.subnets.get(nat.subnetId);
      const table = subnet ? model.routeTables.get(subnet.routeTableId) : undefined;
      if (!subnet || !table) continue;
      if (table.unknownContents) {
        out.push(undecided(nat.id, table.unknownContents));
        continue;
      }
      const summary = summarizeInternetRoutes(model, table);
      const loops = summary.toNat;
      if (loops.length === 0) {
        // A loop through a route that may not exist is a loop in some deployments: never a pass.
        const maybe = summary.maybeToNat.map((part) => `${part.route.id} (${part.addresses})`);
        if (maybe.length > 0)
          out.push(
            undecided(
              nat.id,
              `${table.id} may send public traffic back to a NAT gateway via ${maybe.join(', ')}: ${summary.unknown.join('; ')}`,
            ),
          );
        continue;
      }
      const routes = loops.map(
        (part) =>
          `${part.route.id} (${part.addresses} → ${part.route.target.kind === 'nat-gateway' ? part.route.target.id : '?'})`,
      );
      out.push(
        violation(
          nat.id,
          `${nat.id} sits in ${subnet.id}, whose route table ${table.id} sends public traffic back to a NAT gateway via ${routes.join(', ')}: a loop, nothing reaches the internet. ${this.fix}`,
        ),
      );
    }
    return out;
  },
};
