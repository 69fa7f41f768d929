import type { NetworkModel, Subnet, Tri, VpcEndpoint, Workload } from '../model/network-model.js';
import { INTERNET } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { parseIpv4 } from '../net/ipv4.js';
import { Unresolved } from '../template/template-values.js';
import {
  evaluateInbound,
  evaluateInternal,
  evaluateOutbound,
  type FlowOutcome,
  type FlowSpec,
} from './flows.js';
import { evaluateViaInternet } from './internet-facing-load-balancer.js';
import type { BlockedAt, Hop, PathQuery, PathResult } from './path-types.js';
import { type Placement, placementInSubnet, placementKey, placementsOf } from './placement.js';
import { endpointsFor, privateDnsCapture } from './private-dns.js';

/** Thrown for a query that names something netcheck does not know (CLI exit code 2). */
export class PathQueryError extends Error {
  override readonly name = 'PathQueryError';
}

/** A resolved end of a path query. */
type Endpoint =
  | { readonly kind: 'workload'; readonly workload: Workload; readonly label: string }
  | { readonly kind: 'internet'; readonly addresses: IntervalSet; readonly label: string }
  | {
      readonly kind: 'private-address';
      readonly address: number;
      readonly subnet?: Subnet;
      /** Every subnet containing the address; VPCs may overlap, so there can be several. */
      readonly candidates: readonly Subnet[];
      /** Set when the address is in subnets of several VPCs and the query does not say which. */
      readonly ambiguous?: string;
      readonly label: string;
    }
  | { readonly kind: 'aws-service'; readonly service: string; readonly label: string };

/** Resolves a model id that may be given without its stack prefix (`Api` for `ApiStack/Api`). */
export function findWorkload(model: NetworkModel, id: string): Workload | undefined {
  const exact = model.workloads.get(id);
  if (exact) return exact;
  const matches = [...model.workloads.values()].filter((workload) => workload.id.endsWith(`/${id}`));
  return matches.length === 1 ? matches[0] : undefined;
}

function resolveEndpoint(model: NetworkModel, text: string, side: 'from' | 'to'): Endpoint {
  const direct = model.workloads.get(text);
  if (direct) return { kind: 'workload', workload: direct, label: direct.id };
  if (text === 'internet') return { kind: 'internet', addresses: INTERNET, label: 'internet' };
  if (text.startsWith('aws:')) {
    if (side === 'from')
      throw new PathQueryError('an AWS service can only be a destination (--to aws:<service>)');
    return { kind: 'aws-service', service: text.slice(4).toLowerCase(), label: text };
  }
  const address = parseIpv4(text);
  if (address !== undefined) {
    if (INTERNET.has(address))
      return { kind: 'internet', addresses: IntervalSet.single(address), label: text };
    const candidates = [...model.subnets.values()].filter(
      (candidate) => !(candidate.cidr instanceof Unresolved) && candidate.cidr.addresses.has(address),
    );
    return { kind: 'private-address', address, subnet: candidates[0], candidates, label: text };
  }
  const workload = findWorkload(model, text);
  if (workload) return { kind: 'workload', workload, label: workload.id };
  const known = [...model.workloads.keys()].sort();
  throw new PathQueryError(
    `unknown ${side === 'from' ? 'source' : 'destination'} "${text}": expected internet, an IPv4 address${side === 'to' ? ', aws:<service>' : ''} or one of: ${known.join(', ') || '(no workloads in the template)'}`,
  );
}

/** VPCs a workload's interfaces are in, when its subnets are known. */
function vpcsOf(model: NetworkModel, endpoint: Endpoint): Set<string> {
  const vpcs = new Set<string>();
  if (endpoint.kind !== 'workload' || endpoint.workload.subnetIds instanceof Unresolved) return vpcs;
  for (const subnetId of endpoint.workload.subnetIds) {
    const vpcId = model.subnets.get(subnetId)?.vpcId;
    if (vpcId) vpcs.add(vpcId);
  }
  return vpcs;
}

/**
 * Picks the subnet a private address is in. VPCs may share CIDRs (a dev and a prod stack both on
 * 10.0.0.0/16), so an address can be in subnets of several VPCs: the one in the other end's VPC is
 * meant (its local route is what the packet meets); with none there, several are ambiguous.
 */
function settleAddress(model: NetworkModel, endpoint: Endpoint, other: Endpoint): Endpoint {
  if (endpoint.kind !== 'private-address' || endpoint.candidates.length < 2) return endpoint;
  const vpcs = vpcsOf(model, other);
  const near = endpoint.candidates.filter((subnet) => vpcs.has(subnet.vpcId));
  if (near.length === 1) return { ...endpoint, subnet: near[0] };
  const names = endpoint.candidates.map((subnet) => `${subnet.id} (${subnet.vpcId})`).join(', ');
  return {
    ...endpoint,
    subnet: undefined,
    ambiguous: `${endpoint.label} is in subnets of several VPCs with overlapping CIDRs: ${names}; which host is meant is ambiguous (ask from or to a workload instead)`,
  };
}

const caches = new WeakMap<NetworkModel, Map<string, FlowOutcome[]>>();

/** A cache key for an address set: the internet, or its ranges. */
function addressKey(addresses: IntervalSet): string {
  return addresses === INTERNET ? 'internet' : addresses.ranges().join(';');
}

function cached(model: NetworkModel, key: string, compute: () => FlowOutcome[]): FlowOutcome[] {
  let cache = caches.get(model);
  if (!cache) {
    cache = new Map();
    caches.set(model, cache);
  }
  const hit = cache.get(key);
  if (hit) return hit;
  const value = compute();
  cache.set(key, value);
  return value;
}

function describePlacement(placement: Placement): string {
  if (!placement.subnet) return placement.subnetId;
  const cidr = placement.subnet.cidr instanceof Unresolved ? '?' : placement.subnet.cidr.text;
  return `${placement.subnet.id} (${cidr})`;
}

function sourceHop(endpoint: Endpoint, placement?: Placement): Hop {
  if (endpoint.kind === 'workload') {
    return {
      resource: endpoint.label,
      kind: 'source',
      detail: `${endpoint.workload.type}${placement ? ` in ${describePlacement(placement)}` : ''}`,
    };
  }
  if (endpoint.kind === 'internet')
    return {
      resource: endpoint.label,
      kind: 'source',
      detail: endpoint.label === 'internet' ? 'any public IPv4 address' : 'public IPv4 address',
    };
  if (endpoint.kind === 'aws-service')
    return { resource: endpoint.label, kind: 'source', detail: `public API endpoint of ${endpoint.service}` };
  return {
    resource: endpoint.label,
    kind: 'source',
    detail: endpoint.subnet ? `address in ${endpoint.subnet.id}` : 'address outside the loaded VPCs',
  };
}

function destinationHop(endpoint: Endpoint, placement?: Placement): Hop {
  const base = sourceHop(endpoint, placement);
  return { ...base, kind: 'destination' };
}

/** Combined outcome over placement pairs / address parts. */
interface Combined {
  readonly reachable: Tri;
  readonly path: Hop[];
  readonly blockedAt?: BlockedAt;
}

/**
 * Combines outcomes. `all` (used unless the source is the internet): true only when every outcome
 * is true, false only when every outcome is false, otherwise unknown (a mix is reported as
 * PARTIALLY_REACHABLE so neither "reachable" nor "unreachable" assertions pass on it). `any`
 * (internet sources, an exposure question): true when any outcome is true.
 */
function combine(outcomes: FlowOutcome[], mode: 'all' | 'any'): Combined {
  const trueOnes = outcomes.filter((outcome) => outcome.reachable === true);
  const falseOnes = outcomes.filter((outcome) => outcome.reachable === false);
  const unknownOnes = outcomes.filter((outcome) => outcome.reachable === 'unknown');
  const firstTrue = trueOnes[0];
  const firstFalse = falseOnes[0];
  const firstUnknown = unknownOnes[0];
  if (firstTrue && (mode === 'any' || (falseOnes.length === 0 && unknownOnes.length === 0)))
    return { reachable: true, path: firstTrue.hops };
  if (firstFalse && trueOnes.length === 0 && unknownOnes.length === 0) {
    return { reachable: false, path: firstFalse.hops, blockedAt: scoped(firstFalse) };
  }
  if (firstTrue && firstFalse) {
    return {
      reachable: 'unknown',
      path: firstTrue.hops,
      blockedAt: {
        resource: firstFalse.blockedAt?.resource ?? '',
        code: 'PARTIALLY_REACHABLE',
        reason: `reachable ${firstTrue.scope || 'in some cases'} but blocked ${firstFalse.scope || 'in others'}: ${firstFalse.blockedAt?.reason ?? ''}`,
      },
    };
  }
  const representative = firstUnknown ?? firstTrue ?? firstFalse;
  const blocked = firstUnknown ? scoped(firstUnknown) : undefined;
  return {
    reachable: 'unknown',
    path: representative?.hops ?? [],
    blockedAt:
      blocked && firstFalse
        ? { ...blocked, reason: `${blocked.reason} (elsewhere blocked: ${scoped(firstFalse).reason})` }
        : blocked,
  };
}

function scoped(outcome: FlowOutcome): BlockedAt {
  const blockedAt = outcome.blockedAt ?? {
    resource: '',
    code: 'UNRESOLVED_VALUE' as const,
    reason: 'undecided',
  };
  return outcome.scope ? { ...blockedAt, reason: `${outcome.scope}: ${blockedAt.reason}` } : blockedAt;
}

/** Wraps cached middle-of-path outcomes with source/destination hops and a placement scope. */
function framed(outcomes: FlowOutcome[], source: Hop, destination: Hop, scope: string): FlowOutcome[] {
  return outcomes.map((outcome) => ({
    ...outcome,
    hops: [source, ...outcome.hops, ...(outcome.arrived ? [destination] : [])],
    scope: [scope, outcome.scope].filter(Boolean).join(', '),
  }));
}

function addressPlacement(
  model: NetworkModel,
  endpoint: Extract<Endpoint, { kind: 'private-address' }>,
): Placement {
  const properties = {
    groups: 'unknown' as const,
    groupsUnknownReason: `which security groups ${endpoint.label} has is unknown`,
    publicIp: false,
    publicIpReason: 'a private address',
  };
  if (!endpoint.subnet)
    return {
      ...properties,
      subnetId: '(outside the loaded VPCs)',
      unknownReason: `${endpoint.label} is not in any subnet of the loaded templates`,
    };
  const placement = placementInSubnet(model, endpoint.subnet.id, properties);
  return { ...placement, addresses: IntervalSet.single(endpoint.address) };
}

/** Listeners of a load balancer that may be on `protocol`/`port` but cannot be read for certain. */
function unresolvedListenersFor(workload: Workload, port: number, protocol: 'tcp' | 'udp'): string[] {
  return (workload.unresolvedListeners ?? [])
    .filter(
      (listener) =>
        listener.protocols.includes(protocol) &&
        (listener.ports === undefined || listener.ports.includes(port)),
    )
    .map((listener) => listener.reason);
}

function listensOn(workload: Workload, port: number, protocol: 'tcp' | 'udp'): boolean {
  return workload.listeningPorts.some(
    (listening) => listening.port === port && listening.protocol === protocol,
  );
}

/** Why whether the destination listens on the port is unknown, if it is. */
function listenerUncertainty(workload: Workload, port: number, protocol: 'tcp' | 'udp'): string | undefined {
  if (workload.listeningPortUnknown) return workload.listeningPortUnknown;
  if (workload.role !== 'load-balancer' || listensOn(workload, port, protocol)) return undefined;
  const unresolved = unresolvedListenersFor(workload, port, protocol);
  return unresolved.length > 0 ? unresolved.join('; ') : undefined;
}

function notListening(workload: Workload, port: number, protocol: 'tcp' | 'udp'): string | undefined {
  const lbWithListeners = workload.role === 'load-balancer' && workload.listeningPorts.length > 0;
  if (!lbWithListeners && workload.role !== 'database') return undefined;
  if (workload.listeningPorts.length === 0) return undefined;
  if (listensOn(workload, port, protocol)) return undefined;
  // The port may be that of a listener netcheck cannot read: the network decides, then unknown.
  if (unresolvedListenersFor(workload, port, protocol).length > 0) return undefined;
  return `${workload.id} listens on ${workload.listeningPorts.map((listening) => `${listening.protocol}/${listening.port}`).join(', ')}, not ${protocol}/${port}`;
}

function single(hops: Hop[], reachable: Tri, blockedAt?: BlockedAt): FlowOutcome[] {
  return [{ reachable, hops, blockedAt, scope: '', arrived: reachable !== false }];
}

/** Marks an option's `true` outcomes unknown: they hold only where `reason`'s value allows. */
function qualified(outcomes: FlowOutcome[], resource: string, reason: string): FlowOutcome[] {
  return outcomes.map((outcome) =>
    outcome.reachable === true
      ? {
          ...outcome,
          reachable: 'unknown' as const,
          blockedAt: { resource, code: 'UNRESOLVED_VALUE' as const, reason },
        }
      : outcome,
  );
}

/** A workload → interface endpoint call: to each of its interfaces, over the local route. */
function interfaceEndpointOutcomes(spec: FlowSpec, source: Placement, endpoint: VpcEndpoint): FlowOutcome[] {
  const groups = endpoint.securityGroupIds;
  const target = {
    groups: groups instanceof Unresolved ? ('unknown' as const) : groups,
    groupsUnknownReason: groups instanceof Unresolved ? groups.reason : undefined,
    publicIp: false,
    publicIpReason: 'interface endpoint',
  };
  // Interfaces in subnets that cannot be resolved: the SDK may be handed any of them.
  const elsewhere = endpoint.unresolvedSubnets
    ? single(
        [{ resource: endpoint.id, kind: 'vpc-endpoint', detail: endpoint.unresolvedSubnets }],
        'unknown',
        { resource: endpoint.id, code: 'UNRESOLVED_VALUE', reason: endpoint.unresolvedSubnets },
      )
    : [];
  const resolvedTo = `calls to ${String(endpoint.service)} resolve to interface endpoint ${endpoint.id} (private DNS)`;
  const outcomes = endpoint.subnetIds.flatMap((subnetId) =>
    evaluateInternal(spec, source, placementInSubnet(spec.model, subnetId, target)).map((outcome) => ({
      ...outcome,
      hops: [
        ...outcome.hops,
        ...(outcome.arrived
          ? [
              {
                resource: endpoint.id,
                kind: 'vpc-endpoint' as const,
                detail: `interface endpoint for ${String(endpoint.service)} (private DNS)`,
              },
            ]
          : []),
      ],
      // Say where the call was headed: the blocking hop is the endpoint's group, NACL or route.
      blockedAt:
        outcome.reachable === false && outcome.blockedAt
          ? { ...outcome.blockedAt, reason: `${resolvedTo}: ${outcome.blockedAt.reason}` }
          : outcome.blockedAt,
    })),
  );
  return [...outcomes, ...elsewhere];
}

/**
 * Evaluates a workload → AWS service API call: gateway endpoint, interface endpoint, or the
 * internet. An interface endpoint with private DNS answers for the service's name inside its VPC,
 * so where it certainly does, the NAT / internet path is never taken for that service (calls the
 * endpoint drops are dropped); where it may (see {@link privateDnsCapture}), a working internet
 * path proves nothing.
 */
function serviceOutcomes(spec: FlowSpec, source: Placement, service: string): FlowOutcome[] {
  // Options other than interface endpoints (gateway endpoints, the internet), and interface ones.
  const routed: FlowOutcome[][] = [];
  const interfaces: FlowOutcome[][] = [];
  const uncertain: Array<{ endpoint: string; reason: string }> = [];
  // Outcomes of the endpoint(s) whose private DNS certainly takes the calls.
  const captured: FlowOutcome[][] = [];
  for (const endpoint of endpointsFor(spec.model, source.subnet?.vpcId, service)) {
    if (endpoint.endpointType === 'Gateway') {
      routed.push(evaluateOutbound(spec, source, INTERNET, String(endpoint.service)));
      continue;
    }
    if (endpoint.endpointType !== 'Interface') continue;
    const capture = privateDnsCapture(spec.model, endpoint, service);
    if (capture.kind === 'none') {
      // Private DNS would serve the call but for the VPC's DNS attributes: explains a failure best.
      if (capture.unavailable) {
        const hop: Hop = { resource: endpoint.id, kind: 'vpc-endpoint', detail: capture.unavailable };
        interfaces.push(
          single([hop], false, {
            resource: endpoint.id,
            code: 'ENDPOINT_PRIVATE_DNS_UNAVAILABLE',
            reason: capture.unavailable,
          }),
        );
      }
      continue;
    }
    const outcomes = interfaceEndpointOutcomes(spec, source, endpoint);
    if (capture.kind === 'certain') {
      captured.push(outcomes);
      interfaces.push(outcomes);
    } else {
      // It serves the call in some deployments only; where even it would not, the answer stays "no".
      uncertain.push({ endpoint: endpoint.id, reason: capture.reason });
      interfaces.push(qualified(outcomes, endpoint.id, capture.reason));
    }
  }
  // A captured service's calls never reach the NAT (and a gateway endpoint beside the interface
  // one makes the capture uncertain, so `routed` is empty then).
  if (captured.length === 0) routed.push(evaluateOutbound(spec, source, INTERNET));
  const first = uncertain[0];
  const options = [
    ...(first
      ? routed.map((outcomes) =>
          qualified(
            outcomes,
            first.endpoint,
            `${uncertain.map((item) => item.reason).join('; ')}: where private DNS answers, calls to ${service} go to ${uncertain.map((item) => item.endpoint).join(', ')} instead of this path`,
          ),
        )
      : routed),
    ...interfaces,
  ];
  // Any working option is enough; each option itself must work for every address/branch.
  const combined = options.map((outcomes) => ({ outcomes, result: combine(outcomes, 'all') }));
  const working = combined.find((option) => option.result.reachable === true);
  if (working) return working.outcomes;
  const undecided = combined.find((option) => option.result.reachable === 'unknown');
  if (undecided) return undecided.outcomes;
  // An endpoint the calls certainly go to explains a failure; then one that would serve the call
  // but for the VPC's DNS attributes.
  const capturedBy = captured[0];
  if (capturedBy) return capturedBy;
  const dnsBlocked = combined.find(
    (option) => option.result.blockedAt?.code === 'ENDPOINT_PRIVATE_DNS_UNAVAILABLE',
  );
  if (dnsBlocked) return dnsBlocked.outcomes;
  // Explain with the internet path: it is what a function without endpoints would use.
  return routed[routed.length - 1] ?? [];
}

/**
 * A flow from inside a VPC to a load balancer: an internal one is reached over the private network,
 * an internet-facing one only through the internet (its DNS name resolves to public addresses).
 * With an unresolved Scheme, an answer holds only when both readings give it.
 */
function loadBalancerOutcomes(
  spec: FlowSpec,
  source: Placement,
  destination: Placement,
  lb: Workload,
): FlowOutcome[] {
  const scheme = lb.loadBalancer?.scheme;
  if (scheme === 'internal') return evaluateInternal(spec, source, destination);
  if (scheme === 'internet-facing') return evaluateViaInternet(spec, source, destination, lb.id);
  const internal = evaluateInternal(spec, source, destination);
  const viaInternet = evaluateViaInternet(spec, source, destination, lb.id);
  const [asInternal, asInternetFacing] = [combine(internal, 'all'), combine(viaInternet, 'all')];
  if (asInternal.reachable === asInternetFacing.reachable && asInternal.reachable !== 'unknown')
    return internal;
  const reason = `${lb.id}'s Scheme is unresolved (${scheme?.reason ?? 'unknown'}): internal it would be ${describeTri(asInternal.reachable)}, internet-facing ${describeTri(asInternetFacing.reachable)}`;
  return [
    {
      reachable: 'unknown',
      hops: asInternal.path,
      blockedAt: { resource: lb.id, code: 'UNRESOLVED_VALUE', reason },
      scope: '',
      arrived: false,
    },
  ];
}

function describeTri(value: Tri): string {
  return value === true ? 'reachable' : value === false ? 'not reachable' : 'undecided';
}

/**
 * Answers "can `from` reach `to` on `port`?" with a witness path or the first blocking hop.
 *
 * `from`/`to`: a workload's model id (Lambda function, ECS service, instance, auto scaling group,
 * load balancer, database), `internet`, an IPv4 address, or (as destination) `aws:<service>` for an
 * AWS API such as `aws:ses`. Workloads in several subnets are checked in each.
 *
 * @throws PathQueryError when an endpoint is unknown.
 */
export function findPath(model: NetworkModel, query: PathQuery): PathResult {
  const protocol = query.protocol ?? 'tcp';
  const unsettledFrom = resolveEndpoint(model, query.from, 'from');
  // Load balancers use the whole ephemeral range; other sources' operating systems are not known.
  const sourcePorts =
    unsettledFrom.kind === 'workload' && unsettledFrom.workload.role === 'load-balancer' ? 'every' : 'host';
  const spec: FlowSpec = { model, protocol, port: query.port, sourcePorts };
  const unsettledTo = resolveEndpoint(model, query.to, 'to');
  const from = settleAddress(model, unsettledFrom, unsettledTo);
  const to = settleAddress(model, unsettledTo, unsettledFrom);
  const incomplete = model.unresolvedContent[0];
  const ipv6 = ipv6Qualifier(model, from, to);
  // A database whose port is unknown may not listen on the port asked about, nor may a load
  // balancer on a port that only a listener netcheck cannot read may have.
  const portUnknown =
    to.kind === 'workload' ? listenerUncertainty(to.workload, query.port, protocol) : undefined;
  const result = (combined: Combined): PathResult => ({
    from: from.label,
    to: to.label,
    port: query.port,
    protocol,
    ...combined,
    ...(ipv6 && combined.reachable === false
      ? {
          reachable: 'unknown' as const,
          blockedAt: {
            resource: ipv6.table,
            code: 'UNRESOLVED_VALUE' as const,
            reason: `over IPv4: ${combined.blockedAt?.reason ?? 'not reachable'}; over IPv6 (not modelled) ${ipv6.table} routes ${ipv6.route}`,
          },
        }
      : {}),
    ...(portUnknown && combined.reachable === true
      ? {
          reachable: 'unknown' as const,
          blockedAt: {
            resource: to.label,
            code: 'UNRESOLVED_VALUE' as const,
            reason: `the network lets ${protocol}/${query.port} through, but whether ${to.label} listens on it is unknown: ${portUnknown}`,
          },
        }
      : {}),
    // Resources the model cannot see (Fn::ForEach) may change any definite answer.
    ...(incomplete && combined.reachable !== 'unknown'
      ? {
          reachable: 'unknown' as const,
          blockedAt: {
            resource: incomplete.resource,
            code: 'UNRESOLVED_VALUE' as const,
            reason: incomplete.message,
          },
        }
      : {}),
  });
  if (from.kind === 'internet' && to.kind === 'internet')
    throw new PathQueryError('both ends are on the internet; one end must be in the template');
  if (from.kind === 'workload' && to.kind === 'workload' && from.workload.id === to.workload.id) {
    throw new PathQueryError('source and destination are the same resource');
  }

  const ambiguous = [from, to].find(
    (endpoint): endpoint is Extract<Endpoint, { kind: 'private-address' }> =>
      endpoint.kind === 'private-address' && endpoint.ambiguous !== undefined,
  );
  if (ambiguous)
    return result({
      reachable: 'unknown',
      path: [sourceHop(from), destinationHop(to)],
      blockedAt: { resource: ambiguous.label, code: 'UNRESOLVED_VALUE', reason: ambiguous.ambiguous ?? '' },
    });

  if (to.kind === 'workload') {
    const why = notListening(to.workload, query.port, protocol);
    if (why)
      return result({
        reachable: false,
        path: [sourceHop(from), destinationHop(to)],
        blockedAt: { resource: to.label, code: 'DESTINATION_PORT_NOT_LISTENING', reason: why },
      });
    if (to.workload.kind === 'lambda-function')
      return result(combine(lambdaDestination(model, from, to, query.port, protocol), 'any'));
  }

  const outcomes: FlowOutcome[] = [];
  let mode: 'all' | 'any' = 'all';
  if (from.kind === 'workload' && from.workload.outsideVpc) {
    const src = sourceHop(from);
    const managed: Hop = {
      resource: from.label,
      kind: 'aws-managed-network',
      detail: 'function runs outside any VPC; AWS-managed networking provides internet egress',
    };
    if (to.kind === 'internet' || to.kind === 'aws-service')
      outcomes.push(...single([src, managed, destinationHop(to)], true));
    else if (to.kind === 'private-address') {
      outcomes.push(
        ...single([src, managed], false, {
          resource: from.label,
          code: 'NO_ROUTE_TO_DESTINATION',
          reason: `${from.label} has no VpcConfig and cannot reach private addresses`,
        }),
      );
    } else {
      // The function's source address is some AWS public address: every public address must be allowed.
      for (const placement of placementsOf(model, to.workload)) {
        const middle = cached(model, `in|${placementKey(placement)}|all|${query.port}|${protocol}`, () =>
          evaluateInbound(spec, placement, INTERNET),
        );
        outcomes.push(...framed(middle, src, destinationHop(to, placement), `to ${placement.subnetId}`));
      }
    }
    return result(combine(outcomes, 'all'));
  }

  if (from.kind === 'internet') {
    mode = 'any';
    const placements =
      to.kind === 'workload'
        ? placementsOf(model, to.workload)
        : to.kind === 'private-address'
          ? [addressPlacement(model, to)]
          : [];
    if (to.kind === 'aws-service') throw new PathQueryError('internet → AWS service is outside the template');
    for (const placement of placements) {
      const key = `in|${placementKey(placement)}|${addressKey(from.addresses)}|${query.port}|${protocol}`;
      // An internet client picks its own ephemeral port: one the NACL lets back out is enough.
      const middle = cached(model, key, () => evaluateInbound(spec, placement, from.addresses, 'some'));
      outcomes.push(
        ...framed(
          middle,
          sourceHop(from),
          destinationHop(to, placement),
          placements.length > 1 ? `to ${placement.subnetId}` : '',
        ),
      );
    }
    return result(combine(outcomes, mode));
  }

  if (from.kind === 'aws-service') throw new PathQueryError('an AWS service can only be a destination');
  const sources =
    from.kind === 'workload' ? placementsOf(model, from.workload) : [addressPlacement(model, from)];
  for (const source of sources) {
    const src = sourceHop(from, source);
    const sourceScope = sources.length > 1 ? `from ${source.subnetId}` : '';
    if (to.kind === 'internet') {
      const key = `out|${placementKey(source)}|${sourcePorts}|${addressKey(to.addresses)}|${query.port}|${protocol}`;
      outcomes.push(
        ...framed(
          cached(model, key, () => evaluateOutbound(spec, source, to.addresses)),
          src,
          destinationHop(to),
          sourceScope,
        ),
      );
    } else if (to.kind === 'aws-service') {
      const key = `svc|${placementKey(source)}|${sourcePorts}|${to.service}|${query.port}|${protocol}`;
      outcomes.push(
        ...framed(
          cached(model, key, () => serviceOutcomes(spec, source, to.service)),
          src,
          destinationHop(to),
          sourceScope,
        ),
      );
    } else if (to.kind === 'private-address' && !to.subnet) {
      const key = `out|${placementKey(source)}|${sourcePorts}|${to.label}|${query.port}|${protocol}`;
      outcomes.push(
        ...framed(
          cached(model, key, () => evaluateOutbound(spec, source, IntervalSet.single(to.address))),
          src,
          destinationHop(to),
          sourceScope,
        ),
      );
    } else {
      const destinations =
        to.kind === 'workload' ? placementsOf(model, to.workload) : [addressPlacement(model, to)];
      // A load balancer is judged by its scheme (an internet-facing one over the internet path), so
      // it must not share answers with a workload in the same subnet with the same groups.
      const lbKey = to.kind === 'workload' && to.workload.loadBalancer ? `lb:${to.workload.id}` : 'local';
      for (const destination of destinations) {
        const key = `int|${placementKey(source)}|${sourcePorts}|${placementKey(destination)}|${lbKey}|${query.port}|${protocol}`;
        const scope = [sourceScope, destinations.length > 1 ? `to ${destination.subnetId}` : '']
          .filter(Boolean)
          .join(' ');
        const evaluate = (): FlowOutcome[] =>
          to.kind === 'workload' && to.workload.loadBalancer
            ? loadBalancerOutcomes(spec, source, destination, to.workload)
            : evaluateInternal(spec, source, destination);
        outcomes.push(...framed(cached(model, key, evaluate), src, destinationHop(to, destination), scope));
      }
    }
  }
  return result(combine(outcomes, mode));
}

/**
 * For `internet` questions about a workload whose subnets route IPv6 to the internet: netcheck's
 * flows are IPv4, so a definite "not reachable" says nothing about IPv6 and must become unknown.
 * Inbound needs an internet gateway; outbound also works through an egress-only one.
 */
function ipv6Qualifier(
  model: NetworkModel,
  from: Endpoint,
  to: Endpoint,
): { table: string; route: string } | undefined {
  const inbound = from.kind === 'internet' && from.label === 'internet';
  const outbound = to.kind === 'internet' && to.label === 'internet';
  const workload =
    inbound && to.kind === 'workload'
      ? to.workload
      : outbound && from.kind === 'workload'
        ? from.workload
        : undefined;
  if (!workload || workload.subnetIds instanceof Unresolved) return undefined;
  // Lambda interfaces accept no inbound connections over any protocol.
  if (inbound && workload.kind === 'lambda-function') return undefined;
  for (const subnetId of workload.subnetIds) {
    const tableId = model.subnets.get(subnetId)?.routeTableId;
    const table = tableId === undefined ? undefined : model.routeTables.get(tableId);
    const route = table?.ipv6InternetRoutes?.find((candidate) => outbound || !candidate.egressOnly);
    if (table && route) return { table: table.id, route: route.text };
  }
  return undefined;
}

/** Lambda functions are reached only through invocation services, never through their ENIs. */
function lambdaDestination(
  model: NetworkModel,
  from: Endpoint,
  to: Extract<Endpoint, { kind: 'workload' }>,
  port: number,
  protocol: 'tcp' | 'udp',
): FlowOutcome[] {
  const invokers = to.workload.internetInvokers ?? [];
  const src = sourceHop(from);
  const viaLoadBalancers =
    from.kind === 'internet' ? loadBalancerInvocation(model, from, to, port, protocol) : [];
  const throughLoadBalancer = (): FlowOutcome[] | undefined =>
    viaLoadBalancers.some((outcome) => outcome.reachable !== false) ? viaLoadBalancers : undefined;
  if (from.kind === 'internet' && invokers.length > 0) {
    if (port === 443 && protocol === 'tcp') {
      return single(
        [
          src,
          {
            resource: invokers[0] as string,
            kind: 'api-gateway',
            detail: `HTTPS through ${invokers.join(', ')} (invocation does not enter the VPC)`,
          },
          destinationHop(to),
        ],
        true,
      );
    }
    return (
      throughLoadBalancer() ??
      single([src], false, {
        resource: to.label,
        code: 'RESOURCE_NOT_PUBLICLY_ACCESSIBLE',
        reason: `${to.label} is reachable from the internet only over HTTPS (tcp/443) through ${invokers.join(', ')}`,
      })
    );
  }
  if (from.kind === 'internet') {
    // Blocked at every load balancer: their outcomes say where.
    if (viaLoadBalancers.length > 0) return viaLoadBalancers;
    return single([src], false, {
      resource: to.label,
      code: 'RESOURCE_NOT_PUBLICLY_ACCESSIBLE',
      reason: `no API Gateway, HTTP API, function URL or load balancer invokes ${to.label}, and Lambda interfaces accept no inbound connections`,
    });
  }
  return single([src], false, {
    resource: to.label,
    code: 'LAMBDA_NOT_NETWORK_REACHABLE',
    reason: `${to.label} accepts no network connections; call it through the Lambda API (aws:lambda)`,
  });
}

/**
 * internet → function through load balancers with a `TargetType: lambda` target group naming it:
 * the function is reached exactly when the load balancer is (on its listener port); the load
 * balancer then invokes it through the Lambda service.
 */
function loadBalancerInvocation(
  model: NetworkModel,
  from: Endpoint,
  to: Extract<Endpoint, { kind: 'workload' }>,
  port: number,
  protocol: 'tcp' | 'udp',
): FlowOutcome[] {
  return (to.workload.loadBalancerInvokers ?? []).map((lbId) => {
    const toLb = findPath(model, { from: from.label, to: lbId, port, protocol });
    const hops = toLb.path.map((hop) =>
      hop.kind === 'destination' ? { ...hop, kind: 'load-balancer' as const } : hop,
    );
    const invoke: Hop = {
      resource: to.label,
      kind: 'destination',
      detail: `invoked by ${lbId} through a TargetType: lambda target group (not over the network)`,
    };
    return {
      reachable: toLb.reachable,
      hops: toLb.reachable === false ? hops : [...hops, invoke],
      blockedAt: toLb.blockedAt,
      scope: '',
      arrived: toLb.reachable !== false,
    };
  });
}
