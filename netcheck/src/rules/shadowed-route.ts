import { localRoutes } from '../engine/route-lookup.js';
import type { Route } from '../model/network-model.js';
import { IntervalSet } from '../net/interval-set.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

function cidrOf(route: Route) {
  return route.destination.kind === 'cidr' ? route.destination.cidr : undefined;
}

/** Why a route may not exist in its table (unresolved Condition), if it may not. */
function mayNotExist(route: Route): string | undefined {
  return route.uncertain ? `${route.id} may not exist (${route.uncertain})` : undefined;
}

/**
 * NV-RT-003: a route that duplicates another or is never selected because more specific routes
 * cover it. When a route involved may not exist (an unresolved Condition: e.g. 0.0.0.0/0 → NAT
 * under IsProd and 0.0.0.0/0 → TGW under its negation, never both), the finding is undecided.
 */
export const shadowedRoute: Rule = {
  id: 'NV-RT-003',
  severity: 'warning',
  description: 'Duplicate route, or a route fully covered by more specific routes (never selected).',
  fix: 'Delete the duplicate or shadowed route, or fix its destination CIDR.',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const table of model.routeTables.values()) {
      // A route whose table is unresolved may not be in this table at all (its NV-MODEL-001 says so).
      const routes = table.routes.filter((route) => !route.tableUnresolved);
      const all = [...localRoutes(model, table).routes, ...routes];
      for (const route of routes) {
        const cidr = cidrOf(route);
        if (!cidr) continue;
        const duplicate = all.find(
          (other) =>
            other !== route &&
            cidrOf(other)?.addresses.equals(cidr.addresses) &&
            cidrOf(other)?.prefixLength === cidr.prefixLength,
        );
        if (duplicate && all.indexOf(duplicate) < all.indexOf(route)) {
          const other = duplicate.target.kind === 'local' ? 'the local route' : duplicate.id;
          const uncertain = [mayNotExist(route), mayNotExist(duplicate)].filter(Boolean);
          out.push(
            uncertain.length > 0
              ? undecided(
                  route.id,
                  `${route.id} in ${table.id} has the same destination ${cidr.text} as ${other} if both exist: ${uncertain.join('; ')}`,
                )
              : violation(
                  route.id,
                  `${route.id} in ${table.id} has the same destination ${cidr.text} as ${other}; CloudFormation fails with RouteAlreadyExists or one of them is dead. ${this.fix}`,
                ),
          );
          continue;
        }
        let covered = IntervalSet.empty();
        const uncertain: string[] = [];
        for (const other of all) {
          const otherCidr = cidrOf(other);
          if (other !== route && otherCidr && otherCidr.prefixLength > cidr.prefixLength) {
            covered = covered.union(otherCidr.addresses);
            const why = mayNotExist(other);
            if (why && otherCidr.addresses.overlaps(cidr.addresses)) uncertain.push(why);
          }
        }
        if (covered.covers(cidr.addresses)) {
          const own = mayNotExist(route);
          if (own) uncertain.unshift(own);
          out.push(
            uncertain.length > 0
              ? undecided(
                  route.id,
                  `${route.id} (${cidr.text}) in ${table.id} is covered by more specific routes if they all exist: ${uncertain.join('; ')}`,
                )
              : violation(
                  route.id,
                  `${route.id} (${cidr.text}) in ${table.id} is never selected: more specific routes cover all of its addresses. ${this.fix}`,
                ),
          );
        }
      }
    }
    return out;
  },
};
