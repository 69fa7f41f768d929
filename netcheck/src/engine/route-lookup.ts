import type { NetworkModel, Route, RouteTable } from '../model/network-model.js';
import type { IntervalSet } from '../net/interval-set.js';

/** A route with its covered addresses, ready for longest-prefix matching. */
interface RankedRoute {
  readonly route: Route;
  readonly prefixLength: number;
  readonly addresses: IntervalSet;
}

/** The part of a destination set that one route (or no route) decides. */
export interface RouteMatch {
  /** The winning route; undefined when no route matches these addresses. */
  readonly route?: Route;
  readonly addresses: IntervalSet;
  /** Set when an unresolved route might override this decision. */
  readonly unknownReason?: string;
}

interface PreparedTable {
  readonly ranked: RankedRoute[];
  readonly prefixListRoutes: Route[];
  readonly unknownReason?: string;
}

const prepared = new WeakMap<RouteTable, PreparedTable>();

/** Local routes of a table's VPC (one per VPC CIDR; an unresolved CIDR makes lookups unknown). */
export function localRoutes(model: NetworkModel, table: RouteTable): { routes: Route[]; unknown: string[] } {
  const vpc = model.vpcs.get(table.vpcId);
  const routes: Route[] = (vpc?.cidrs ?? []).map((cidr) => ({
    id: `${table.id}.local(${cidr.text})`,
    routeTableId: table.id,
    destination: { kind: 'cidr', cidr },
    target: { kind: 'local' },
  }));
  return { routes, unknown: vpc?.unresolvedCidrs ?? [`VPC ${table.vpcId} is unknown`] };
}

function prepare(model: NetworkModel, table: RouteTable): PreparedTable {
  const cached = prepared.get(table);
  if (cached) return cached;
  const local = localRoutes(model, table);
  const ranked: RankedRoute[] = [];
  const prefixListRoutes: Route[] = [];
  const unknown: string[] = [...local.unknown];
  if (table.unknownContents) unknown.push(table.unknownContents);
  for (const route of [...local.routes, ...table.routes]) {
    if (route.uncertain) unknown.push(`${route.id} may not exist (${route.uncertain})`);
    if (route.destination.kind === 'cidr') {
      ranked.push({
        route,
        prefixLength: route.destination.cidr.prefixLength,
        addresses: route.destination.cidr.addresses,
      });
    } else if (route.destination.kind === 'prefix-list') {
      prefixListRoutes.push(route);
      // A customer-managed prefix list (not a gateway endpoint's) may hold any addresses, and
      // which of them it holds is not in the template: every lookup in this table is unknown.
      if (route.target.kind !== 'vpc-endpoint')
        unknown.push(`${route.id}: contents of prefix list ${route.destination.label} are unknown offline`);
    } else {
      unknown.push(`${route.id}: ${route.destination.reason}`);
    }
  }
  // Longest prefix first; on equal prefixes the local route wins (AWS gives it priority).
  ranked.sort(
    (a, b) =>
      b.prefixLength - a.prefixLength ||
      (a.route.target.kind === 'local' ? -1 : b.route.target.kind === 'local' ? 1 : 0),
  );
  const result: PreparedTable = {
    ranked,
    prefixListRoutes,
    unknownReason: unknown.length > 0 ? unknown.join('; ') : undefined,
  };
  prepared.set(table, result);
  return result;
}

/**
 * Longest-prefix match of a destination address set against a route table. The set is partitioned:
 * each part names the route that wins for it (or none). When `service` is given (an AWS API
 * reached through a gateway endpoint), a prefix-list route for that service wins for every address.
 */
export function lookupRoutes(
  model: NetworkModel,
  table: RouteTable,
  destination: IntervalSet,
  service?: string,
): RouteMatch[] {
  const { ranked, prefixListRoutes, unknownReason } = prepare(model, table);
  if (service) {
    const endpointRoute = prefixListRoutes.find(
      (route) => route.destination.kind === 'prefix-list' && route.destination.service === service,
    );
    if (endpointRoute) return [{ route: endpointRoute, addresses: destination, unknownReason }];
  }
  const matches: RouteMatch[] = [];
  let remaining = destination;
  for (const candidate of ranked) {
    if (remaining.isEmpty()) break;
    const part = remaining.intersect(candidate.addresses);
    if (part.isEmpty()) continue;
    matches.push({ route: candidate.route, addresses: part, unknownReason });
    remaining = remaining.subtract(part);
  }
  if (!remaining.isEmpty()) matches.push({ addresses: remaining, unknownReason });
  return matches;
}

/** Describes a route for path output: `0.0.0.0/0 → NatGatewayA`. */
export function describeRoute(route: Route): string {
  const destination =
    route.destination.kind === 'cidr'
      ? route.destination.cidr.text
      : route.destination.kind === 'prefix-list'
        ? route.destination.label
        : '(unresolved)';
  const target = route.target;
  const targetText =
    target.kind === 'local'
      ? 'local'
      : target.kind === 'unresolved'
        ? `(unresolved: ${target.reason})`
        : target.id;
  return `${destination} → ${targetText}`;
}
