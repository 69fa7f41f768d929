import type { NetworkModel, Route, RouteTable } from '../model/network-model.js';
import { describeAddressSet, INTERNET } from '../net/address-space.js';
import { lookupRoutes } from './route-lookup.js';

/** How a route table sends public (internet) destinations, partitioned by winning route. */
export interface InternetRouteSummary {
  /** Parts of the internet routed to an internet gateway attached to the table's VPC. */
  readonly toAttachedIgw: Array<{ route: Route; addresses: string }>;
  /** Parts routed to an IGW that is not attached to the VPC, or to a missing target. */
  readonly toBrokenGateway: Array<{ route: Route; addresses: string }>;
  readonly toNat: Array<{ route: Route; addresses: string }>;
  /** Parts with no route (or only the local route), when no unresolved route may match them. */
  readonly unrouted: string[];
  /** Parts routed somewhere netcheck does not follow, or decided by unresolved routes. */
  readonly unknown: string[];
}

/** Summarises where a route table sends the internet. A "public subnet" has everything in toAttachedIgw. */
export function summarizeInternetRoutes(model: NetworkModel, table: RouteTable): InternetRouteSummary {
  const summary: InternetRouteSummary = {
    toAttachedIgw: [],
    toBrokenGateway: [],
    toNat: [],
    unrouted: [],
    unknown: [],
  };
  for (const match of lookupRoutes(model, table, INTERNET)) {
    const addresses = describeAddressSet(match.addresses);
    if (match.unknownReason) summary.unknown.push(`${addresses} (${match.unknownReason})`);
    const route = match.route;
    if (!route || route.target.kind === 'local') {
      // Unmatched addresses in a table with unresolved routes may be routed after all.
      if (!match.unknownReason) summary.unrouted.push(addresses);
      continue;
    }
    const target = route.target;
    if (target.kind === 'internet-gateway') {
      const igw = model.internetGateways.get(target.id);
      if (igw?.attachedVpcIds.includes(table.vpcId)) summary.toAttachedIgw.push({ route, addresses });
      else if (igw && igw.unresolvedAttachments.length > 0)
        summary.unknown.push(`${addresses} (attachment of ${igw.id} unresolved)`);
      else summary.toBrokenGateway.push({ route, addresses });
    } else if (target.kind === 'nat-gateway') summary.toNat.push({ route, addresses });
    else if (target.kind === 'missing') summary.toBrokenGateway.push({ route, addresses });
    else summary.unknown.push(`${addresses} via ${route.id}`);
  }
  return summary;
}

/** True / false / unknown: does the table send every public destination to an attached IGW? */
export function isPublicRouteTable(model: NetworkModel, table: RouteTable): boolean | 'unknown' {
  const summary = summarizeInternetRoutes(model, table);
  if (summary.unknown.length > 0) return 'unknown';
  return (
    summary.toAttachedIgw.length > 0 &&
    summary.unrouted.length === 0 &&
    summary.toBrokenGateway.length === 0 &&
    summary.toNat.length === 0
  );
}
