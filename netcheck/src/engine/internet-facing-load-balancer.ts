import { INTERNET } from '../net/address-space.js';
import {
  type ClientPorts,
  evaluateInbound,
  evaluateOutbound,
  type FlowOutcome,
  type FlowSpec,
} from './flows.js';
import type { Hop } from './path-types.js';
import type { Placement } from './placement.js';

/**
 * A flow from a placement inside a VPC to an internet-facing load balancer. Its DNS name resolves
 * to the load balancer's public addresses, inside the VPC too, so the connection is not carried by
 * the local route: it leaves through the source's internet path (a NAT gateway, or its own public
 * IP) and comes back in through the load balancer's internet gateway from that public address. A
 * security group reference never matches it, and which public address it is (the NAT's Elastic
 * IP) is not in the template, so the inbound leg is judged for every public source address: an
 * allowlist of some public addresses gives "unknown", never a guess.
 */
export function evaluateViaInternet(
  spec: FlowSpec,
  source: Placement,
  loadBalancer: Placement,
  loadBalancerId: string,
): FlowOutcome[] {
  const outbound = evaluateOutbound(spec, source, INTERNET);
  const inboundFor = new Map<ClientPorts, FlowOutcome[]>();
  const inbound = (ports: ClientPorts): FlowOutcome[] => {
    const known = inboundFor.get(ports);
    if (known) return known;
    const computed = evaluateInbound(spec, loadBalancer, INTERNET, ports);
    inboundFor.set(ports, computed);
    return computed;
  };
  const bridge: Hop = {
    resource: loadBalancerId,
    kind: 'internet',
    detail: `${loadBalancerId} is internet-facing: its DNS name resolves to public addresses (inside the VPC too), so the connection goes out to the internet and comes back in from the source's public address`,
  };
  return outbound.flatMap((out): FlowOutcome[] => {
    if (out.reachable === false) return [out];
    // Return traffic reaches a NAT gateway on its own ports (all of 1024-65535); an interface
    // with its own public IP uses its operating system's range.
    const ports: ClientPorts = out.hops.some((hop) => hop.kind === 'nat-gateway')
      ? 'every'
      : (spec.sourcePorts ?? 'every');
    return inbound(ports).map((into) => {
      // A definite block on the way in holds whatever happened on the way out.
      const reachable =
        into.reachable === false
          ? false
          : out.reachable === true && into.reachable === true
            ? true
            : 'unknown';
      return {
        reachable,
        hops: [...out.hops, bridge, ...into.hops],
        blockedAt: reachable === false ? into.blockedAt : (out.blockedAt ?? into.blockedAt),
        scope: [out.scope, into.scope].filter(Boolean).join(', '),
        arrived: out.arrived && into.arrived,
      };
    });
  });
}
