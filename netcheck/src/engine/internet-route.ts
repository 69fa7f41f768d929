import type { NetworkModel, Route, RouteTable } from '../model/network-model.js';
import { describeAddressSet, INTERNET } from '../net/address-space.js';
import { lookupRoutes, tableUnknownReason } from './route-lookup.js';

/** How a route table sends public (internet) destinations, partitioned by winning route. */
export interface InternetRouteSummary {
  /** Parts of the internet routed to an internet gateway attached to the table's VPC. */
  readonly toAttachedIgw: Array<{ route: Route; addresses: string }>;
  /** Parts routed to an IGW that is not attached to the VPC, or to a missing target. */
  readonly toBrokenGateway: Array<{ route: Route; addresses: string }>;
  readonly toNat: Array<{ route: Route; addresses: string }>;
  /**
   * Parts routed to a target netcheck does not follow but that is certainly not this VPC's way to
   * the internet (transit gateway, peering, VPN…): whether traffic gets out there is unknown, but
   * replies to internet clients do not return through the VPC's internet gateway.
   */
  readonly toOtherTarget: Array<{ route: Route; addresses: string }>;
  /** Parts with no route (or only the local route), when no unresolved route may match them. */
  readonly unrouted: string[];
  /**
   * Parts routed somewhere netcheck does not follow, decided by unresolved routes, or that go to an
   * attached internet gateway in some deployments only.
   */
  readonly unknown: string[];
  /**
   * Parts that, in the deployments where a route that may not exist decides them, miss an attached
   * internet gateway. When every alternative for a part does, no deployment makes the table public.
   */
  readonly maybeNotPublic: string[];
  /** Parts that go to a NAT gateway in some deployments only (a route that may not exist decides). */
  readonly maybeToNat: Array<{ route: Route; addresses: string }>;
}

type Destination = 'igw' | 'broken' | 'nat' | 'other' | 'unrouted' | { readonly unknown: string };

/**
 * Unfollowed targets that are never a way to this VPC's internet gateway. Instances, network
 * interfaces and Gateway Load Balancer endpoints are not among them: as middleboxes (not modelled)
 * they may forward to it.
 */
const NOT_TOWARD_THE_INTERNET_GATEWAY =
  /^(TransitGateway|VpcPeeringConnection|VPN gateway|LocalGateway|CoreNetwork|EgressOnlyInternetGateway)$/;

function destinationOf(model: NetworkModel, table: RouteTable, route: Route | undefined): Destination {
  if (!route || route.target.kind === 'local') return 'unrouted';
  const target = route.target;
  if (target.kind === 'internet-gateway') {
    const igw = model.internetGateways.get(target.id);
    if (igw?.attachedVpcIds.includes(table.vpcId)) return 'igw';
    if (igw && igw.unresolvedAttachments.length > 0) return { unknown: `attachment of ${igw.id} unresolved` };
    return 'broken';
  }
  if (target.kind === 'nat-gateway') return 'nat';
  if (target.kind === 'missing') return 'broken';
  if (target.kind === 'unsupported' && NOT_TOWARD_THE_INTERNET_GATEWAY.test(target.targetType))
    return 'other';
  return { unknown: `via ${route.id}` };
}

/** Summarises where a route table sends the internet. A "public subnet" has everything in toAttachedIgw. */
export function summarizeInternetRoutes(model: NetworkModel, table: RouteTable): InternetRouteSummary {
  const summary: InternetRouteSummary = {
    toAttachedIgw: [],
    toBrokenGateway: [],
    toNat: [],
    toOtherTarget: [],
    unrouted: [],
    unknown: [],
    maybeNotPublic: [],
    maybeToNat: [],
  };
  const wholeTable = tableUnknownReason(model, table);
  for (const match of lookupRoutes(model, table, INTERNET)) {
    const addresses = describeAddressSet(match.addresses);
    const route = match.route;
    const destination = destinationOf(model, table, route);
    if (match.unknownReason) {
      // Decided by a route that may not exist (one alternative among the matches for these
      // addresses) or by a table that cannot be read completely: no definite classification.
      if (route && destination === 'nat') summary.maybeToNat.push({ route, addresses });
      if (!wholeTable && typeof destination === 'string' && destination !== 'igw')
        summary.maybeNotPublic.push(`${addresses} (${match.unknownReason})`);
      else summary.unknown.push(`${addresses} (${match.unknownReason})`);
      continue;
    }
    if (typeof destination !== 'string') summary.unknown.push(`${addresses} (${destination.unknown})`);
    else if (destination === 'unrouted') summary.unrouted.push(addresses);
    else if (route && destination === 'igw') summary.toAttachedIgw.push({ route, addresses });
    else if (route && destination === 'nat') summary.toNat.push({ route, addresses });
    else if (route && destination === 'other') summary.toOtherTarget.push({ route, addresses });
    else if (route) summary.toBrokenGateway.push({ route, addresses });
  }
  return summary;
}

/** True / false / unknown: does the table send every public destination to an attached IGW? */
export function isPublicRouteTable(model: NetworkModel, table: RouteTable): boolean | 'unknown' {
  const summary = summarizeInternetRoutes(model, table);
  // Some addresses reach an attached IGW in some deployments only.
  if (summary.unknown.length > 0) return 'unknown';
  return (
    summary.toAttachedIgw.length > 0 &&
    summary.unrouted.length === 0 &&
    summary.toBrokenGateway.length === 0 &&
    summary.toNat.length === 0 &&
    summary.toOtherTarget.length === 0 &&
    summary.maybeNotPublic.length === 0
  );
}

/**
 * Whether a subnet is public (its route table sends every public destination to an attached IGW);
 * unknown for a subnet or table that is not in the loaded templates.
 */
export function subnetIsPublic(model: NetworkModel, subnetId: string): boolean | 'unknown' {
  const subnet = model.subnets.get(subnetId);
  const table = subnet ? model.routeTables.get(subnet.routeTableId) : undefined;
  return table ? isPublicRouteTable(model, table) : 'unknown';
}
