import {
  internetGatewayAttachment,
  possibleOutsideInternetGateway,
} from '../model/internet-gateway-attachment.js';
import type { InternetGateway, NatGateway, NetworkModel, Route, Subnet } from '../model/network-model.js';
import {
  ANY_CLIENT_SOURCE_PORTS,
  describeAddressSet,
  EPHEMERAL_PORTS,
  INTERNET,
} from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';
import {
  describeNetworkAclEntry,
  evaluateNetworkAcl,
  type NetworkAclDecision,
} from './evaluate-network-acl.js';
import {
  describeSecurityGroupRule,
  evaluateSecurityGroups,
  type SecurityGroupPeerView,
} from './evaluate-security-groups.js';
import type { ExplanationCode } from './explanation-codes.js';
import type { BlockedAt, Hop, Outcome } from './path-types.js';
import { Trace } from './path-types.js';
import type { Placement } from './placement.js';
import { describeRoute, lookupRoutes, type RouteMatch } from './route-lookup.js';

/** The flow being evaluated. */
export interface FlowSpec {
  readonly model: NetworkModel;
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /**
   * How the source picks its ephemeral ports, for the return legs addressed to it: `every` for a
   * load balancer (it uses all of 1024-65535), `host` for a workload whose OS range is not known
   * (the default: `every`).
   */
  readonly sourcePorts?: ClientPorts;
}

/** An outcome that reached the destination side (as opposed to being blocked on the way). */
export interface FlowOutcome extends Outcome {
  readonly arrived: boolean;
}

type Continue = (trace: Trace, addresses: IntervalSet | undefined) => FlowOutcome[];

interface SetDecision {
  readonly allowed: IntervalSet;
  readonly unknown: IntervalSet;
  readonly denied: IntervalSet;
  readonly unknownReason?: string;
}

function blockedOutcome(trace: Trace, blockedAt: BlockedAt): FlowOutcome {
  return { ...trace.blocked(blockedAt), arrived: false };
}

/**
 * A block decided by a route lookup. When unresolved routes could have decided differently, the
 * block is not definite: the branch is reported unknown, with the would-be block in the reason.
 */
function routeBlocked(trace: Trace, blockedAt: BlockedAt, uncertainty: string | undefined): FlowOutcome {
  if (!uncertainty) return blockedOutcome(trace, blockedAt);
  return {
    reachable: 'unknown',
    hops: [...trace.hops],
    blockedAt: {
      resource: blockedAt.resource,
      code: 'UNRESOLVED_VALUE',
      reason: `${uncertainty}; with the known routes: ${blockedAt.reason}`,
    },
    scope: trace.scope,
    arrived: false,
  };
}

/** Ends a branch on arrival (the caller appends the destination hop). */
function arrived(trace: Trace): FlowOutcome {
  const first = trace.unknowns[0];
  return first
    ? { reachable: 'unknown', hops: [...trace.hops], blockedAt: first, scope: trace.scope, arrived: true }
    : { reachable: true, hops: [...trace.hops], scope: trace.scope, arrived: true };
}

/**
 * Ends a branch as arrived-but-unknown at `resource`: the model cannot say what happens there
 * (a gateway or route table missing from the templates, an unresolved value).
 */
function unknownArrival(trace: Trace, resource: string, kind: Hop['kind'], reason: string): FlowOutcome {
  return arrived(trace.stepUnknown({ resource, kind, detail: reason }, unknownAt(resource, reason)));
}

function unknownAt(resource: string, reason: string, code: ExplanationCode = 'UNRESOLVED_VALUE'): BlockedAt {
  return { resource, code, reason };
}

/**
 * Splits the branch by a per-address decision: allowed addresses continue, unknown ones continue
 * marked undecided, denied ones end blocked. With unknown addresses the decision is uniform.
 */
function split(
  trace: Trace,
  addresses: IntervalSet | undefined,
  decision: SetDecision,
  allowedHop: Hop,
  denied: () => BlockedAt,
  next: Continue,
): FlowOutcome[] {
  const parts = [decision.allowed, decision.unknown, decision.denied].filter(
    (part) => !part.isEmpty(),
  ).length;
  const scoped = (part: IntervalSet): Trace =>
    parts > 1 && addresses ? trace.within(`for ${describeAddressSet(part)}`) : trace;
  const out: FlowOutcome[] = [];
  if (!decision.allowed.isEmpty())
    out.push(...next(scoped(decision.allowed).step(allowedHop), addresses ? decision.allowed : undefined));
  if (!decision.unknown.isEmpty()) {
    const reason = decision.unknownReason ?? 'undecidable';
    out.push(
      ...next(
        scoped(decision.unknown).stepUnknown(
          { ...allowedHop, detail: `undecided: ${reason}` },
          unknownAt(allowedHop.resource, reason),
        ),
        addresses ? decision.unknown : undefined,
      ),
    );
  }
  if (!decision.denied.isEmpty()) out.push(blockedOutcome(scoped(decision.denied), denied()));
  return out;
}

function groupLabel(groups: readonly string[]): string {
  return groups.join(', ');
}

/** Security group check on one side of the flow. */
function securityGroupStep(
  spec: FlowSpec,
  trace: Trace,
  placement: Placement,
  direction: 'ingress' | 'egress',
  peer: SecurityGroupPeerView,
  subject: string,
  next: Continue,
): FlowOutcome[] {
  const kind = direction === 'egress' ? 'security-group-egress' : 'security-group-ingress';
  const tracked = direction === 'egress' ? 'destination' : 'source';
  if (placement.groups === 'none') {
    return next(
      trace.step({ resource: subject, kind, detail: 'no security groups (traffic is not filtered here)' }),
      peer.addresses,
    );
  }
  if (placement.groups === 'unknown') {
    const reason = placement.groupsUnknownReason ?? 'security groups are unknown';
    return next(
      trace.stepUnknown(
        { resource: subject, kind, detail: `undecided: ${reason}` },
        unknownAt(subject, reason),
      ),
      peer.addresses,
    );
  }
  const groups = placement.groups;
  const decision = evaluateSecurityGroups(spec.model, groups, direction, spec.protocol, spec.port, peer);
  const rules = decision.matchedRules.slice(0, 2).map(describeSecurityGroupRule).join('; ');
  const hop: Hop = { resource: groupLabel(groups), kind, detail: `allowed by ${rules || 'rule'}` };
  return split(
    trace,
    peer.addresses,
    decision,
    hop,
    () => ({
      resource: groupLabel(groups),
      code: 'ENI_SG_RULES_MISMATCH',
      reason: `no ${direction} rule of ${groupLabel(groups)} allows ${spec.protocol}/${spec.port} ${direction === 'egress' ? 'to' : 'from'} the ${tracked}${peer.groups !== 'none' && peer.groups !== 'unknown' && peer.groups.length > 0 ? ` (security groups ${peer.groups.join(', ')})` : ''}${peer.addresses ? ` ${describeAddressSet(peer.addresses)}` : ''}`,
    }),
    next,
  );
}

/**
 * How the return leg's ephemeral port is judged: `every` port of 1024-65535 must be allowed (the
 * connecting side is a NAT gateway or a load balancer, which use the whole range); `some` port
 * suffices — for "can some internet client connect?", where the client picks its own source port,
 * any of 1-65535 (Linux 32768-60999, Windows 49152-65535 by default, but a client may bind any
 * port, 80 or 443 included), so a Linux-range return entry, or an outbound entry for tcp/443 that
 * meant to allow the subnet's own HTTPS requests, lets clients in; `host`:
 * the client is an instance, task or function whose OS range is not in the template, so a return
 * entry covering only part of 1024-65535 makes the answer unknown (it works for Linux clients when
 * it covers 32768-60999), neither reachable nor a definite block.
 */
export type ClientPorts = 'every' | 'some' | 'host';

const HOST_EPHEMERAL_PORTS_UNKNOWN =
  'the return traffic is allowed on part of the ephemeral range 1024-65535 only, so it depends on the client’s ephemeral port range (Linux 32768-60999, Windows 49152-65535), which the template does not say';

/** A return-leg decision for a host client: peers allowed on part of the range are unknown. */
function hostClientPorts(decision: NetworkAclDecision): NetworkAclDecision {
  const partly = decision.someAllowed.subtract(decision.allowed).subtract(decision.unknown);
  if (partly.isEmpty()) return decision;
  return {
    ...decision,
    unknown: decision.unknown.union(partly),
    denied: decision.denied.subtract(partly),
    unknownReason: [decision.unknownReason, HOST_EPHEMERAL_PORTS_UNKNOWN].filter(Boolean).join('; '),
  };
}

/** A return-leg decision where a peer passes when any of its ephemeral ports is allowed. */
function anyClientPort(decision: NetworkAclDecision): NetworkAclDecision {
  const allowed = decision.allowed.union(decision.someAllowed);
  return {
    ...decision,
    allowed,
    unknown: decision.unknown.subtract(allowed),
    denied: decision.denied.subtract(allowed),
  };
}

/**
 * Network ACL check of a subnet for traffic leaving (`outbound`) or entering (`inbound`) it, plus
 * the stateless return leg on the ephemeral ports in the opposite direction.
 */
function networkAclStep(
  spec: FlowSpec,
  trace: Trace,
  subnet: Subnet,
  direction: 'outbound' | 'inbound',
  peerAddresses: IntervalSet | undefined,
  next: Continue,
  // Return legs are addressed to the flow's source unless the caller says otherwise.
  clientPorts: ClientPorts = spec.sourcePorts ?? 'every',
): FlowOutcome[] {
  const acl = spec.model.networkAcls.get(subnet.networkAclId);
  const kind = direction === 'outbound' ? 'network-acl-outbound' : 'network-acl-inbound';
  if (!acl) {
    const reason = `network ACL ${subnet.networkAclId} is unknown`;
    return next(
      trace.stepUnknown(
        { resource: subnet.networkAclId, kind, detail: reason },
        unknownAt(subnet.networkAclId, reason),
      ),
      peerAddresses,
    );
  }
  if (acl.isDefault && acl.entries.length === 0)
    return next(
      trace.step({ resource: acl.id, kind, detail: 'default network ACL allows all traffic' }),
      peerAddresses,
    );
  const requestEgress = direction === 'outbound';
  const request = evaluateNetworkAcl(
    acl,
    requestEgress,
    spec.protocol,
    IntervalSet.single(spec.port),
    peerAddresses,
  );
  const requestHop: Hop = {
    resource: acl.id,
    kind,
    detail: `${direction} ${spec.protocol}/${spec.port} allowed by ${describeNetworkAclEntry(request.allowedBy)}`,
  };
  return split(
    trace,
    peerAddresses,
    request,
    requestHop,
    () => ({
      resource: acl.id,
      code: 'SUBNET_ACL_RESTRICTION',
      reason: `${acl.id} ${direction} ${spec.protocol}/${spec.port}${peerAddresses ? ` ${requestEgress ? 'to' : 'from'} ${describeAddressSet(request.denied)}` : ''} is denied by ${describeNetworkAclEntry(request.deniedBy)}`,
    }),
    (afterRequest, addresses) => {
      const every = evaluateNetworkAcl(acl, !requestEgress, spec.protocol, EPHEMERAL_PORTS, addresses);
      const some = clientPorts === 'some' && addresses !== undefined;
      // An arbitrary client may pick any source port, not only an ephemeral one.
      const ret = some
        ? anyClientPort(
            evaluateNetworkAcl(acl, !requestEgress, spec.protocol, ANY_CLIENT_SOURCE_PORTS, addresses),
          )
        : clientPorts === 'host'
          ? hostClientPorts(every)
          : every;
      const partly = some && !every.allowed.covers(ret.allowed);
      const returnHop: Hop = {
        resource: acl.id,
        kind: requestEgress ? 'network-acl-inbound' : 'network-acl-outbound',
        detail: partly
          ? `return traffic allowed for clients connecting from a source port that ${describeNetworkAclEntry(ret.allowedBy)} allows (not the whole ephemeral range 1024-65535)`
          : `return traffic on ephemeral ports 1024-65535 allowed by ${describeNetworkAclEntry(ret.allowedBy)}`,
      };
      return split(
        afterRequest,
        addresses,
        ret,
        returnHop,
        () => ({
          resource: acl.id,
          code: 'SUBNET_ACL_RESTRICTION',
          reason: `${acl.id} does not allow the stateless return traffic (${requestEgress ? 'inbound' : 'outbound'} ${spec.protocol} ${some ? 'on any port of 1-65535' : '1024-65535'}${addresses ? ` ${requestEgress ? 'from' : 'to'} ${describeAddressSet(ret.denied)}` : ''}); first blocking entry: ${describeNetworkAclEntry(ret.deniedBy)}`,
        }),
        next,
      );
    },
  );
}

function routeTableOf(spec: FlowSpec, subnet: Subnet) {
  return spec.model.routeTables.get(subnet.routeTableId);
}

function routeHop(
  tableId: string,
  route: Route | undefined,
  addresses: IntervalSet | undefined,
  implicitMain: boolean,
): Hop {
  const table = implicitMain ? `${tableId} (main route table: subnet has no explicit association)` : tableId;
  return {
    resource: tableId,
    kind: 'route-table',
    detail: route
      ? `${table}: ${addresses ? `${describeAddressSet(addresses)} ` : ''}matched ${describeRoute(route)}`
      : `${table}: no route matches`,
  };
}

/**
 * The trace for one of a route table's matches: labelled with its share of the addresses when the
 * lookup split them (`preposition` says which side they are: "for", "from", "to"), then the
 * route-table hop, marked unknown where the table could not be read completely.
 */
function routeBranch(
  trace: Trace,
  matches: readonly RouteMatch[],
  match: RouteMatch,
  preposition: string,
  tableId: string,
  hop: Hop,
): Trace {
  const branch =
    matches.length > 1 ? trace.within(`${preposition} ${describeAddressSet(match.addresses)}`) : trace;
  return match.unknownReason
    ? branch.stepUnknown(hop, unknownAt(tableId, match.unknownReason))
    : branch.step(hop);
}

function targetOutcome(trace: Trace, route: Route, what: string): FlowOutcome[] | undefined {
  const target = route.target;
  if (target.kind === 'missing') {
    return [
      blockedOutcome(trace, {
        resource: route.id,
        code: 'ROUTE_TARGET_MISSING',
        reason: `${route.id} sends ${what} to ${target.id}, which ${target.reason}`,
      }),
    ];
  }
  if (target.kind === 'unsupported') {
    const reason = `${route.id} sends ${what} to ${target.id} (${target.targetType}); netcheck does not follow this target`;
    return [
      {
        ...arrived(
          trace.stepUnknown(
            { resource: target.id, kind: 'route-table', detail: reason },
            unknownAt(route.id, reason, 'UNSUPPORTED_ROUTE_TARGET'),
          ),
        ),
        arrived: false,
      },
    ];
  }
  if (target.kind === 'unresolved') {
    return [
      {
        ...arrived(
          trace.stepUnknown(
            { resource: route.id, kind: 'route-table', detail: target.reason },
            unknownAt(route.id, target.reason),
          ),
        ),
        arrived: false,
      },
    ];
  }
  return undefined;
}

/**
 * Internet gateway egress: the gateway must be attached to the VPC and the interface needs a public
 * IP. An IGW exchanges traffic with public addresses only: the private and special-purpose part of
 * the destination (RFC 1918, 100.64.0.0/10…) that a default route sends there is dropped.
 */
function internetGatewayEgress(
  spec: FlowSpec,
  trace: Trace,
  igwId: string,
  replyTo: ReplyAddress,
  publicIp: Placement['publicIp'],
  publicIpReason: string,
  destination: IntervalSet,
): FlowOutcome[] {
  const notPublic = destination.subtract(INTERNET);
  if (notPublic.isEmpty()) return publicEgress(spec, trace, igwId, replyTo, publicIp, publicIpReason);
  const publicPart = destination.intersect(INTERNET);
  const both = !publicPart.isEmpty();
  const blocked = blockedOutcome(both ? trace.within(`to ${describeAddressSet(notPublic)}`) : trace, {
    resource: igwId,
    code: 'NO_ROUTE_TO_DESTINATION',
    reason: `${describeAddressSet(notPublic)} is not a public address, and an internet gateway does not route private addresses (nothing on the internet answers for them); reach it through peering, a transit gateway or a VPN`,
  });
  if (!both) return [blocked];
  return [
    ...publicEgress(
      spec,
      trace.within(`to ${describeAddressSet(publicPart)}`),
      igwId,
      replyTo,
      publicIp,
      publicIpReason,
    ),
    blocked,
  ];
}

/** Where the replies to a flow leaving through an internet gateway come back to. */
interface ReplyAddress {
  readonly subnet: Subnet;
  /** The interface's addresses; the subnet's CIDR when undefined. */
  readonly addresses?: IntervalSet;
}

function publicEgress(
  spec: FlowSpec,
  trace: Trace,
  igwId: string,
  replyTo: ReplyAddress,
  publicIp: Placement['publicIp'],
  publicIpReason: string,
): FlowOutcome[] {
  const vpcId = replyTo.subnet.vpcId;
  const igw = spec.model.internetGateways.get(igwId);
  if (!igw) {
    const reason = `internet gateway ${igwId} is not in the loaded templates`;
    return [unknownArrival(trace, igwId, 'internet-gateway', reason)];
  }
  let next = trace;
  if (!igw.attachedVpcIds.includes(vpcId)) {
    if (igw.unresolvedAttachments.length === 0) {
      return [
        blockedOutcome(trace, {
          resource: igwId,
          code: 'IGW_NOT_ATTACHED',
          reason: `${igwId} has no AWS::EC2::VPCGatewayAttachment to ${vpcId}; add one`,
        }),
      ];
    }
    next = next.stepUnknown(
      { resource: igwId, kind: 'internet-gateway', detail: 'attachment unresolved' },
      unknownAt(igwId, igw.unresolvedAttachments.join('; ')),
    );
  }
  if (publicIp === false) {
    return [
      blockedOutcome(next, {
        resource: igwId,
        code: 'IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS',
        reason: `traffic reaches ${igwId} from an interface without a public IP (${publicIpReason}); route it through a NAT gateway instead`,
      }),
    ];
  }
  if (publicIp === 'unknown') {
    next = next.stepUnknown(
      { resource: igwId, kind: 'internet-gateway', detail: 'public IP unknown' },
      unknownAt(igwId, `whether the interface has a public IP is unknown (${publicIpReason})`),
    );
  }
  const atGateway = next.step({
    resource: igwId,
    kind: 'internet-gateway',
    detail: `${igwId} attached to ${vpcId}`,
  });
  // The replies enter through the same gateway, so its edge route table decides them.
  return (
    ingressRouting(spec, atGateway, igw, replyTo.subnet, replyTo.addresses, 'the replies entering') ?? [
      arrived(atGateway),
    ]
  );
}

/**
 * Ingress routing: an internet gateway with an edge route table routes what enters it by that
 * table. A route there for the subnet's addresses to anything but the local route (a firewall
 * appliance's interface, an instance, a Gateway Load Balancer endpoint) sends the traffic through
 * a middlebox netcheck does not follow: unknown, as for any route to one. Undefined when the local
 * route delivers it (or the gateway has no edge table).
 */
function ingressRouting(
  spec: FlowSpec,
  trace: Trace,
  igw: InternetGateway,
  subnet: Subnet,
  addresses: IntervalSet | undefined,
  what: string,
): FlowOutcome[] | undefined {
  const unresolved = igw.unresolvedEdgeRouteTables[0];
  if (unresolved) {
    const reason = `${igw.id} has an edge route table that cannot be resolved (${unresolved}): ${what} ${igw.id} may be routed to a middlebox`;
    return [{ ...unknownArrival(trace, igw.id, 'internet-gateway', reason), arrived: false }];
  }
  const inside = addresses ?? (subnet.cidr instanceof Unresolved ? undefined : subnet.cidr.addresses);
  for (const tableId of igw.edgeRouteTableIds) {
    const table = spec.model.routeTables.get(tableId);
    if (!table || !inside) {
      const reason = table
        ? `the addresses of ${subnet.id} are unknown, and ${igw.id} routes what enters it by edge route table ${tableId}`
        : `${igw.id}'s edge route table ${tableId} is not in the loaded templates`;
      return [{ ...unknownArrival(trace, igw.id, 'internet-gateway', reason), arrived: false }];
    }
    for (const match of lookupRoutes(spec.model, table, inside)) {
      const route = match.route;
      if (!route || route.target.kind === 'local') continue;
      const hop = routeHop(table.id, route, match.addresses, false);
      const branch = trace.step({ ...hop, detail: `${hop.detail} (edge route table of ${igw.id})` });
      const entering = `${what} ${igw.id} for ${describeAddressSet(match.addresses)}`;
      const reason = `${route.id} sends ${entering} to ${describeRoute(route)}; netcheck does not follow it`;
      return (
        targetOutcome(branch, route, entering) ?? [
          { ...unknownArrival(branch, route.id, 'route-table', reason), arrived: false },
        ]
      );
    }
  }
  return undefined;
}

function natGatewayEgress(
  spec: FlowSpec,
  trace: Trace,
  natId: string,
  source: Placement,
  destination: IntervalSet,
  service: string | undefined,
): FlowOutcome[] {
  const nat = spec.model.natGateways.get(natId);
  if (!nat) {
    const reason = `NAT gateway ${natId} is not in the loaded templates`;
    return [unknownArrival(trace, natId, 'nat-gateway', reason)];
  }
  let next = trace;
  if (nat.connectivity === 'private') {
    // A private NAT gateway translates to its private address and forwards through its subnet's
    // route table (to a transit gateway, a peering, a VPN): only public destinations are out of
    // its reach.
    const publicPart = destination.intersect(INTERNET);
    const privatePart = destination.subtract(INTERNET);
    const both = !publicPart.isEmpty() && !privatePart.isEmpty();
    const blocked = publicPart.isEmpty()
      ? []
      : [
          blockedOutcome(both ? trace.within(`to ${describeAddressSet(publicPart)}`) : trace, {
            resource: natId,
            code: 'NAT_GATEWAY_PRIVATE_CONNECTIVITY',
            reason: `${natId} has ConnectivityType private and cannot reach the internet; use a public NAT gateway with an Elastic IP`,
          }),
        ];
    if (privatePart.isEmpty()) return blocked;
    const scoped = both ? trace.within(`to ${describeAddressSet(privatePart)}`) : trace;
    return [...natSubnetRouting(spec, scoped, nat, source, privatePart, service), ...blocked];
  }
  if (nat.connectivity instanceof Unresolved) {
    next = next.stepUnknown(
      { resource: natId, kind: 'nat-gateway', detail: 'connectivity type unresolved' },
      unknownAt(natId, nat.connectivity.reason),
    );
  }
  if (nat.hasElasticIp === false) {
    return [
      blockedOutcome(next, {
        resource: natId,
        code: 'NAT_GATEWAY_NO_ELASTIC_IP',
        reason: nat.elasticIpProblem
          ? `${natId} is a public NAT gateway without a usable Elastic IP: ${nat.elasticIpProblem}`
          : `${natId} is a public NAT gateway without an AllocationId; allocate an AWS::EC2::EIP and set AllocationId: !GetAtt Eip.AllocationId`,
      }),
    ];
  }
  if (nat.hasElasticIp === 'unknown') {
    next = next.stepUnknown(
      { resource: natId, kind: 'nat-gateway', detail: 'Elastic IP unresolved' },
      unknownAt(natId, nat.elasticIpUnresolved ?? 'AllocationId unresolved'),
    );
  }
  return natSubnetRouting(spec, next, nat, source, destination, service);
}

/**
 * From a NAT gateway on: its subnet's network ACL (when the flow enters from another subnet),
 * then its subnet's route table — an internet gateway for public destinations, or any target for a
 * private NAT gateway's private ones.
 */
function natSubnetRouting(
  spec: FlowSpec,
  trace: Trace,
  nat: NatGateway,
  source: Placement,
  destination: IntervalSet,
  service: string | undefined,
): FlowOutcome[] {
  const natId = nat.id;
  let next = trace;
  const natSubnet = typeof nat.subnetId === 'string' ? spec.model.subnets.get(nat.subnetId) : undefined;
  if (!natSubnet) {
    const reason =
      nat.subnetId instanceof Unresolved
        ? nat.subnetId.reason
        : `subnet ${nat.subnetId} of ${natId} is not in the loaded templates`;
    return [
      arrived(
        next.stepUnknown({ resource: natId, kind: 'nat-gateway', detail: reason }, unknownAt(natId, reason)),
      ),
    ];
  }
  next = next.step({
    resource: natId,
    kind: 'nat-gateway',
    detail: `${nat.connectivity === 'private' ? 'private NAT gateway ' : ''}${natId} in ${natSubnet.id}${nat.elasticIpResource ? ` with Elastic IP ${nat.elasticIpResource}` : ''} translates the source address`,
  });
  const natPorts: FlowSpec = { ...spec, sourcePorts: 'every' };
  // NAT subnet's NACL sees the original flow when it enters from another subnet.
  const enterNat: Continue = (afterEnter) =>
    // Return traffic reaches the NAT subnet on the NAT gateway's own ports: all of 1024-65535.
    networkAclStep(natPorts, afterEnter, natSubnet, 'outbound', destination, (afterLeave, remaining) => {
      const table = routeTableOf(spec, natSubnet);
      if (!table || remaining === undefined) {
        const reason = `route table of ${natSubnet.id} is unknown`;
        return [unknownArrival(afterLeave, natSubnet.routeTableId, 'route-table', reason)];
      }
      const matches = lookupRoutes(spec.model, table, remaining, service);
      return matches.flatMap((match) => {
        const hop = routeHop(table.id, match.route, match.addresses, !natSubnet.explicitRouteTable);
        const branch = routeBranch(afterLeave, matches, match, 'for', table.id, hop);
        if (!match.route) {
          return [
            routeBlocked(
              branch,
              {
                resource: table.id,
                code: 'NO_ROUTE_TO_DESTINATION',
                reason: `${table.id} (route table of NAT subnet ${natSubnet.id}) has no route for ${describeAddressSet(match.addresses)}; ${nat.connectivity === 'private' ? 'add a route for it to the transit gateway, peering connection or VPN that reaches that network' : 'add 0.0.0.0/0 → an attached internet gateway'}`,
              },
              match.unknownReason,
            ),
          ];
        }
        const special = targetOutcome(branch, match.route, describeAddressSet(match.addresses));
        if (special) return special;
        const target = match.route.target;
        if (target.kind === 'internet-gateway')
          return internetGatewayEgress(
            spec,
            branch,
            target.id,
            { subnet: natSubnet },
            true,
            'NAT gateway Elastic IP',
            match.addresses,
          );
        if (target.kind === 'nat-gateway') {
          return [
            routeBlocked(
              branch,
              {
                resource: table.id,
                code: 'NAT_GATEWAY_ROUTE_LOOP',
                reason: `${natId}'s subnet ${natSubnet.id} routes ${describeAddressSet(match.addresses)} to NAT gateway ${target.id} instead of an internet gateway; route 0.0.0.0/0 → the IGW in the NAT's route table`,
              },
              match.unknownReason,
            ),
          ];
        }
        if (target.kind === 'vpc-endpoint')
          return [
            arrived(
              branch.step({
                resource: target.id,
                kind: 'vpc-endpoint',
                detail: `gateway endpoint ${target.id}`,
              }),
            ),
          ];
        return [
          routeBlocked(
            branch,
            {
              resource: table.id,
              code: 'NO_ROUTE_TO_DESTINATION',
              reason: `${table.id} keeps ${describeAddressSet(match.addresses)} inside the VPC (local route)`,
            },
            match.unknownReason,
          ),
        ];
      });
    });
  if (source.subnet && source.subnet.id !== natSubnet.id) {
    // Its return leaves the NAT subnet for the source's own ephemeral port (spec.sourcePorts).
    return networkAclStep(spec, next, natSubnet, 'inbound', source.addresses, enterNat);
  }
  return enterNat(next, destination);
}

/**
 * Outbound flow from a placement to public addresses (`internet`, a public IP, or an AWS service's
 * public endpoint): security group egress, NACL, route table, then an internet gateway (needs a
 * public IP) or a NAT gateway (needs an Elastic IP and a subnet routed to an attached IGW).
 */
export function evaluateOutbound(
  spec: FlowSpec,
  source: Placement,
  destination: IntervalSet,
  service?: string,
): FlowOutcome[] {
  const start = new Trace();
  const subnet = source.subnet;
  if (!subnet || !source.addresses) {
    const reason = source.unknownReason ?? 'placement unknown';
    return [unknownArrival(start, source.subnetId, 'source', reason)];
  }
  return securityGroupStep(
    spec,
    start,
    source,
    'egress',
    { addresses: destination, groups: 'none', gatewayEndpointService: service },
    'source',
    (afterSg, dst) =>
      networkAclStep(spec, afterSg, subnet, 'outbound', dst, (afterAcl, remaining) => {
        const table = routeTableOf(spec, subnet);
        if (!table || !remaining) {
          const reason = `route table ${subnet.routeTableId} is unknown`;
          return [unknownArrival(afterAcl, subnet.routeTableId, 'route-table', reason)];
        }
        const matches = lookupRoutes(spec.model, table, remaining, service);
        return matches.flatMap((match) => {
          const hop = routeHop(
            table.id,
            match.route,
            matches.length > 1 ? match.addresses : undefined,
            !subnet.explicitRouteTable,
          );
          const branch = routeBranch(afterAcl, matches, match, 'for', table.id, hop);
          if (!match.route) {
            return [
              routeBlocked(
                branch,
                {
                  resource: table.id,
                  code: 'NO_ROUTE_TO_DESTINATION',
                  reason: `${table.id}${subnet.explicitRouteTable ? '' : ` (the VPC's main route table: ${subnet.id} has no SubnetRouteTableAssociation)`} has no route for ${describeAddressSet(match.addresses)}; add 0.0.0.0/0 → a NAT gateway (private subnet) or internet gateway (public subnet)`,
                },
                match.unknownReason,
              ),
            ];
          }
          const special = targetOutcome(branch, match.route, describeAddressSet(match.addresses));
          if (special) return special;
          const target = match.route.target;
          switch (target.kind) {
            case 'internet-gateway':
              return internetGatewayEgress(
                spec,
                branch,
                target.id,
                { subnet, addresses: source.addresses },
                source.publicIp,
                source.publicIpReason,
                match.addresses,
              );
            case 'nat-gateway':
              return natGatewayEgress(spec, branch, target.id, source, match.addresses, service);
            case 'vpc-endpoint':
              return [
                arrived(
                  branch.step({
                    resource: target.id,
                    kind: 'vpc-endpoint',
                    detail: `gateway endpoint ${target.id} for ${service ?? 'an AWS service'}`,
                  }),
                ),
              ];
            default:
              return [
                routeBlocked(
                  branch,
                  {
                    resource: table.id,
                    code: 'NO_ROUTE_TO_DESTINATION',
                    reason: `${describeAddressSet(match.addresses)} matches the local route and never leaves the VPC`,
                  },
                  match.unknownReason,
                ),
              ];
          }
        });
      }),
  );
}

/**
 * Inbound flow from public addresses to a placement: an attached internet gateway, a public IP on
 * the interface, a return route to the IGW, NACLs both ways, then security group ingress.
 */
export function evaluateInbound(
  spec: FlowSpec,
  destination: Placement,
  sources: IntervalSet,
  clientPorts: ClientPorts = 'every',
): FlowOutcome[] {
  const start = new Trace();
  const subnet = destination.subnet;
  if (!subnet) {
    const reason = destination.unknownReason ?? 'placement unknown';
    return [unknownArrival(start, destination.subnetId, 'destination', reason)];
  }
  const attachment = internetGatewayAttachment(spec.model, subnet.vpcId);
  const attached = attachment.kind === 'attached' ? attachment.igw : undefined;
  let trace = start;
  if (attachment.kind === 'none') {
    return [
      blockedOutcome(trace, {
        resource: subnet.vpcId,
        code: 'IGW_NOT_ATTACHED',
        reason: `no internet gateway is attached to ${subnet.vpcId}, so nothing enters it from the internet`,
      }),
    ];
  }
  if (!attached) {
    trace = trace.stepUnknown(
      { resource: subnet.vpcId, kind: 'internet-gateway', detail: 'internet gateway attachment unknown' },
      unknownAt(
        subnet.vpcId,
        `whether an internet gateway is attached to ${subnet.vpcId} is unknown${attachment.kind === 'unknown' ? ` (${attachment.reason})` : ''}`,
      ),
    );
  } else {
    trace = trace.step({
      resource: attached.id,
      kind: 'internet-gateway',
      detail: `${attached.id} attached to ${subnet.vpcId}`,
    });
  }
  const igwId = attached?.id ?? '(internet gateway)';
  if (destination.publicIp === false) {
    return [
      blockedOutcome(trace, {
        resource: igwId,
        code: 'RESOURCE_NOT_PUBLICLY_ACCESSIBLE',
        reason: `the destination has no public IP address (${destination.publicIpReason})`,
      }),
    ];
  }
  if (destination.publicIp === 'unknown') {
    trace = trace.stepUnknown(
      { resource: igwId, kind: 'internet-gateway', detail: 'public IP unknown' },
      unknownAt(igwId, `whether the destination has a public IP is unknown (${destination.publicIpReason})`),
    );
  }
  const ingress =
    attached && ingressRouting(spec, trace, attached, subnet, destination.addresses, 'traffic entering');
  if (ingress) return ingress;
  const table = routeTableOf(spec, subnet);
  if (!table) {
    const reason = `route table ${subnet.routeTableId} is unknown`;
    return [unknownArrival(trace, subnet.routeTableId, 'route-table', reason)];
  }
  // Responses leave through the destination subnet's route table; they must go back to the IGW.
  const matches = lookupRoutes(spec.model, table, sources);
  return matches.flatMap((match) => {
    const forward = routeHop(table.id, match.route, undefined, !subnet.explicitRouteTable);
    const hop = {
      ...forward,
      detail: `${forward.detail} (return route)`,
    };
    let branch = routeBranch(trace, matches, match, 'from', table.id, hop);
    const target = match.route?.target;
    // The VPC's IGW may be one outside the templates, and this route may go to it: the NACLs and
    // security groups still decide (a definite block there holds either way).
    const outsideIgw = attached ? undefined : possibleOutsideInternetGateway(target);
    if (outsideIgw !== undefined && match.route) {
      const reason = `${match.route.id} may send the replies to an internet gateway outside the loaded templates (${outsideIgw})`;
      branch = branch.stepUnknown(
        { resource: match.route.id, kind: 'internet-gateway', detail: `undecided: ${reason}` },
        unknownAt(match.route.id, reason),
      );
    } else if (target?.kind !== 'internet-gateway' || (attached && target.id !== attached.id)) {
      if (target && (target.kind === 'unsupported' || target.kind === 'unresolved')) {
        return targetOutcome(branch, match.route as Route, describeAddressSet(match.addresses)) ?? [];
      }
      return [
        routeBlocked(
          branch,
          {
            resource: table.id,
            code: 'NO_ROUTE_TO_DESTINATION',
            reason: `${table.id}${subnet.explicitRouteTable ? '' : ' (main route table)'} sends return traffic for ${describeAddressSet(match.addresses)} ${match.route ? `via ${describeRoute(match.route)}` : 'nowhere'}, not back to the internet gateway, so ${subnet.id} is not a public subnet`,
          },
          match.unknownReason,
        ),
      ];
    }
    return networkAclStep(
      spec,
      branch,
      subnet,
      'inbound',
      match.addresses,
      (afterAcl, remaining) =>
        securityGroupStep(
          spec,
          afterAcl,
          destination,
          'ingress',
          { addresses: remaining, groups: 'none' },
          'destination',
          (done) => [arrived(done)],
        ),
      clientPorts,
    );
  });
}

/**
 * The return route of a flow between two subnets of a VPC: the replies leave through the
 * destination subnet's route table, which may send the source's addresses somewhere more specific
 * than the local route (an inspection design: a firewall or Gateway Load Balancer endpoint, an
 * appliance's interface). Such a route decides like any other: a target netcheck does not follow
 * makes the answer unknown, a missing one blocks, a gateway drops private addresses. A source
 * whose addresses are unknown is looked up as the whole VPC: only local routes keep it definite.
 */
function internalReturnRoute(
  spec: FlowSpec,
  trace: Trace,
  dstSubnet: Subnet,
  source: Placement,
): FlowOutcome[] {
  const table = routeTableOf(spec, dstSubnet);
  if (!table) {
    const reason = `route table ${dstSubnet.routeTableId} (for the replies) is unknown`;
    return [unknownArrival(trace, dstSubnet.routeTableId, 'route-table', reason)];
  }
  const vpcAddresses = (spec.model.vpcs.get(table.vpcId)?.cidrs ?? []).reduce(
    (all, cidr) => all.union(cidr.addresses),
    IntervalSet.empty(),
  );
  const addresses = source.addresses ?? vpcAddresses;
  const matches = lookupRoutes(spec.model, table, addresses);
  return matches.flatMap((match) => {
    const forward = routeHop(
      table.id,
      match.route,
      matches.length > 1 ? match.addresses : undefined,
      !dstSubnet.explicitRouteTable,
    );
    const hop = { ...forward, detail: `${forward.detail} (return route)` };
    const branch = routeBranch(trace, matches, match, 'from', table.id, hop);
    const route = match.route;
    const what = `the replies to ${describeAddressSet(match.addresses)}`;
    if (route?.target.kind === 'local') return [arrived(branch)];
    if (!route) {
      return [
        routeBlocked(
          branch,
          {
            resource: table.id,
            code: 'NO_ROUTE_TO_DESTINATION',
            reason: `${table.id} has no route for ${what}`,
          },
          match.unknownReason,
        ),
      ];
    }
    if (!source.addresses) {
      const reason = `the source's addresses are unknown, and ${table.id} sends part of the VPC (${describeAddressSet(match.addresses)}) via ${describeRoute(route)}, not the local route`;
      return [arrived(branch.stepUnknown({ ...hop, detail: reason }, unknownAt(table.id, reason)))];
    }
    const special = targetOutcome(branch, route, what);
    if (special) return special;
    if (route.target.kind === 'nat-gateway') {
      // A NAT gateway as a middlebox for traffic inside the VPC translates the replies' source.
      const reason = `${route.id} sends ${what} to NAT gateway ${route.target.id}; netcheck does not follow replies through it`;
      return [
        {
          ...arrived(
            branch.stepUnknown(
              { resource: route.target.id, kind: 'nat-gateway', detail: reason },
              unknownAt(route.id, reason, 'UNSUPPORTED_ROUTE_TARGET'),
            ),
          ),
          arrived: false,
        },
      ];
    }
    return [
      routeBlocked(
        branch,
        {
          resource: table.id,
          code: 'NO_ROUTE_TO_DESTINATION',
          reason: `${table.id} sends ${what} via ${describeRoute(route)} instead of the local route, which drops them`,
        },
        match.unknownReason,
      ),
    ];
  });
}

/** Flow between two placements inside VPCs (the local route, NACLs when subnets differ, both SGs). */
export function evaluateInternal(spec: FlowSpec, source: Placement, destination: Placement): FlowOutcome[] {
  const start = new Trace();
  const srcSubnet = source.subnet;
  const dstSubnet = destination.subnet;
  if (!srcSubnet || !dstSubnet) {
    const reason = (srcSubnet ? destination.unknownReason : source.unknownReason) ?? 'placement unknown';
    // Security groups can still decide without subnets (e.g. a deny-all egress).
    return securityGroupStep(
      spec,
      start,
      source,
      'egress',
      { addresses: destination.addresses, groups: destination.groups },
      'source',
      (afterEgress) =>
        securityGroupStep(
          spec,
          afterEgress,
          destination,
          'ingress',
          { addresses: source.addresses, groups: source.groups },
          'destination',
          (afterIngress) => [
            arrived(
              afterIngress.stepUnknown(
                {
                  resource: srcSubnet ? destination.subnetId : source.subnetId,
                  kind: 'route-table',
                  detail: reason,
                },
                unknownAt(srcSubnet ? destination.subnetId : source.subnetId, reason),
              ),
            ),
          ],
        ),
    );
  }
  return securityGroupStep(
    spec,
    start,
    source,
    'egress',
    { addresses: destination.addresses, groups: destination.groups },
    'source',
    (afterEgress, dstAddresses) => {
      const table = routeTableOf(spec, srcSubnet);
      if (!table || !dstAddresses) {
        const reason = dstAddresses
          ? `route table ${srcSubnet.routeTableId} is unknown`
          : (destination.unknownReason ?? 'destination addresses unknown');
        return [unknownArrival(afterEgress, srcSubnet.routeTableId, 'route-table', reason)];
      }
      const matches = lookupRoutes(spec.model, table, dstAddresses);
      return matches.flatMap((match) => {
        const hop = routeHop(table.id, match.route, undefined, !srcSubnet.explicitRouteTable);
        const branch = routeBranch(afterEgress, matches, match, 'to', table.id, hop);
        if (!match.route) {
          return [
            routeBlocked(
              branch,
              {
                resource: table.id,
                code: 'NO_ROUTE_TO_DESTINATION',
                reason: `${table.id} has no route for ${describeAddressSet(match.addresses)} (${dstSubnet.vpcId === srcSubnet.vpcId ? 'outside the VPC CIDR' : `in another VPC, ${dstSubnet.vpcId}`})`,
              },
              match.unknownReason,
            ),
          ];
        }
        const special = targetOutcome(branch, match.route, describeAddressSet(match.addresses));
        if (special) return special;
        if (match.route.target.kind !== 'local') {
          return [
            routeBlocked(
              branch,
              {
                resource: table.id,
                code: 'NO_ROUTE_TO_DESTINATION',
                reason: `${table.id} sends private destination ${describeAddressSet(match.addresses)} to ${describeRoute(match.route)}, which drops it`,
              },
              match.unknownReason,
            ),
          ];
        }
        // A local route delivers only inside its table's VPC: another VPC with an overlapping CIDR
        // is a different network (overlapping VPCs cannot even be peered).
        if (dstSubnet.vpcId !== table.vpcId) {
          return [
            routeBlocked(
              branch,
              {
                resource: table.id,
                code: 'NO_ROUTE_TO_DESTINATION',
                reason: `${describeAddressSet(match.addresses)} matches ${describeRoute(match.route)}, but the local route stays in ${table.vpcId} and ${dstSubnet.id} is in ${dstSubnet.vpcId}, which is not connected to it`,
              },
              match.unknownReason,
            ),
          ];
        }
        const crossSubnet = srcSubnet.id !== dstSubnet.id;
        const deliver: Continue = (afterAcls) =>
          securityGroupStep(
            spec,
            afterAcls,
            destination,
            'ingress',
            { addresses: source.addresses, groups: source.groups },
            'destination',
            // Replies between subnets leave through the destination subnet's route table.
            (done) => (crossSubnet ? internalReturnRoute(spec, done, dstSubnet, source) : [arrived(done)]),
          );
        if (!crossSubnet) return deliver(branch, match.addresses);
        // NACLs filter only traffic crossing a subnet boundary.
        return networkAclStep(spec, branch, srcSubnet, 'outbound', match.addresses, (afterSrcAcl) =>
          networkAclStep(spec, afterSrcAcl, dstSubnet, 'inbound', source.addresses, deliver),
        );
      });
    },
  );
}

/** The public address space, for flows to "the internet". */
export const PUBLIC_ADDRESSES: IntervalSet = INTERNET;
