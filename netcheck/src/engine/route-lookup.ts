import type { NetworkModel, Route, RouteTable } from '../model/network-model.js';
import type { IntervalSet } from '../net/interval-set.js';

/** A route with its covered addresses, ready for longest-prefix matching. */
interface RankedRoute {
  readonly route: Route;
  readonly prefixLength: number;
  readonly addresses: IntervalSet;
}

/**
 * The part of a destination set that one route (or no route) decides. Matches partition the
 * destination, except where a route that may not exist (unresolved Condition, unresolved table)
 * wins: its addresses then appear twice, once for that route and once for whatever decides them
 * without it, both marked unknown, so an answer is definite only when both alternatives agree.
 */
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
  /** Why every lookup in the table is unknown (contents not in the templates, unreadable routes). */
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

/** Why a route may not exist, for answers it decides. */
function mayNotExist(route: Route): string | undefined {
  if (!route.uncertain) return undefined;
  // A route listed in every table it may be in says so itself ("… may be in this table").
  return route.tableUnresolved ? route.uncertain : `${route.id} may not exist (${route.uncertain})`;
}

/** Local first, then routes that certainly exist: see the sort in {@link prepare}. */
function tieRank(route: Route): number {
  return route.target.kind === 'local' ? 0 : route.uncertain ? 2 : 1;
}

function prepare(model: NetworkModel, table: RouteTable): PreparedTable {
  const cached = prepared.get(table);
  if (cached) return cached;
  const local = localRoutes(model, table);
  const ranked: RankedRoute[] = [];
  const prefixListRoutes: Route[] = [];
  // Only what may match any address makes the whole table unknown; a route that may not exist
  // matters only for the addresses it would win (see lookupRoutes).
  const unknown: string[] = [...local.unknown];
  if (table.unknownContents) unknown.push(table.unknownContents);
  for (const route of [...local.routes, ...table.routes]) {
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
  // Longest prefix first. On equal prefixes the local route wins (AWS gives it priority), then a
  // route that certainly exists: beside it, one that may not exist would make the stack fail
  // (RouteAlreadyExists), so wherever the stack deploys, the certain route decides.
  ranked.sort((a, b) => b.prefixLength - a.prefixLength || tieRank(a.route) - tieRank(b.route));
  const result: PreparedTable = {
    ranked,
    prefixListRoutes,
    unknownReason: unknown.length > 0 ? unknown.join('; ') : undefined,
  };
  prepared.set(table, result);
  return result;
}

/** Why every lookup in a table is unknown (not only the addresses a route that may not exist wins). */
export function tableUnknownReason(model: NetworkModel, table: RouteTable): string | undefined {
  return prepare(model, table).unknownReason;
}

function joinReasons(reasons: readonly string[]): string | undefined {
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/**
 * Longest-prefix match of `destination` over `ranked` (from index `from` on). A route that may not
 * exist decides its addresses only in the deployments where it exists: the same addresses are then
 * looked up again without it, and both answers carry its reason.
 */
function partition(
  ranked: readonly RankedRoute[],
  from: number,
  destination: IntervalSet,
  reasons: readonly string[],
): RouteMatch[] {
  const matches: RouteMatch[] = [];
  let remaining = destination;
  for (let index = from; index < ranked.length; index++) {
    if (remaining.isEmpty()) break;
    const candidate = ranked[index] as RankedRoute;
    const part = remaining.intersect(candidate.addresses);
    if (part.isEmpty()) continue;
    remaining = remaining.subtract(part);
    const uncertain = mayNotExist(candidate.route);
    const why = uncertain ? [...reasons, uncertain] : reasons;
    matches.push({ route: candidate.route, addresses: part, unknownReason: joinReasons(why) });
    if (uncertain) matches.push(...partition(ranked, index + 1, part, why));
  }
  if (!remaining.isEmpty()) matches.push({ addresses: remaining, unknownReason: joinReasons(reasons) });
  return matches;
}

/**
 * Longest-prefix match of a destination address set against a route table. The set is partitioned:
 * each part names the route that wins for it (or none); see {@link RouteMatch} for routes that may
 * not exist. When `service` is given (an AWS API reached through a gateway endpoint), a prefix-list
 * route for that service wins for every address.
 */
export function lookupRoutes(
  model: NetworkModel,
  table: RouteTable,
  destination: IntervalSet,
  service?: string,
): RouteMatch[] {
  const { ranked, prefixListRoutes, unknownReason } = prepare(model, table);
  const reasons = unknownReason ? [unknownReason] : [];
  if (service) {
    const endpointRoutes = prefixListRoutes.filter(
      (route) => route.destination.kind === 'prefix-list' && route.destination.service === service,
    );
    const endpointRoute = endpointRoutes.find((route) => !route.uncertain) ?? endpointRoutes[0];
    if (endpointRoute) {
      const uncertain = mayNotExist(endpointRoute);
      if (!uncertain) return [{ route: endpointRoute, addresses: destination, unknownReason }];
      // The endpoint may not route this table: without it, the other routes decide.
      const why = [...reasons, uncertain];
      return withPropagatedRoutes(table, [
        { route: endpointRoute, addresses: destination, unknownReason: joinReasons(why) },
        ...partition(ranked, 0, destination, why),
      ]);
    }
  }
  return withPropagatedRoutes(table, partition(ranked, 0, destination, reasons));
}

/**
 * Addresses no route of the table matches may still be routed by a route it learns through
 * propagation (its contents are not in the template): "no route" is not definite there. A static
 * route wins over a propagated one of the same prefix, so the table's own routes still decide.
 */
function withPropagatedRoutes(table: RouteTable, matches: RouteMatch[]): RouteMatch[] {
  const propagations = table.routePropagations ?? [];
  if (propagations.length === 0) return matches;
  return matches.map((match) =>
    match.route
      ? match
      : {
          ...match,
          unknownReason: joinReasons([
            ...(match.unknownReason ? [match.unknownReason] : []),
            ...propagations,
          ]),
        },
  );
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
