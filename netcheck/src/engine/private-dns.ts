import { endpointServicesFor } from '../model/iam-permissions.js';
import type { NetworkModel, Vpc, VpcEndpoint, Workload } from '../model/network-model.js';
import { Unresolved } from '../template/template-values.js';

/**
 * Whether an interface endpoint's private DNS answers for its service's public name inside its VPC,
 * so SDK calls resolve to the endpoint's interfaces and never take the NAT / internet path:
 * - `certain`: the endpoint exists, has `PrivateDnsEnabled: true` and its VPC has DNS support and
 *   hostnames; with no gateway endpoint for the same service beside it.
 * - `uncertain`: any of those is unresolved (a Condition, a parameter), or a gateway endpoint for
 *   the service is in the same VPC (then AWS may answer in-VPC queries with the gateway endpoint's
 *   public names: `DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint`, not modelled).
 * - `none`: no private DNS (`PrivateDnsEnabled` absent — CloudFormation's default is false; CDK's
 *   `InterfaceVpcEndpoint` writes `true` — or false), or the VPC lacks the DNS attributes
 *   (`unavailable` says why: the endpoint would serve the call but for them).
 */
export type PrivateDnsCapture =
  | { readonly kind: 'certain' }
  | { readonly kind: 'uncertain'; readonly reason: string }
  | { readonly kind: 'none'; readonly unavailable?: string };

/** Why an interface endpoint's private DNS does not (or may not) apply in its VPC. */
export function privateDnsProblem(
  endpointId: string,
  vpcId: string,
  vpc: Vpc | undefined,
): { reason: string; definite: boolean } | undefined {
  if (!vpc) return { reason: `VPC ${vpcId} of ${endpointId} is unknown`, definite: false };
  const missing = [
    vpc.dnsSupport === false ? 'EnableDnsSupport' : undefined,
    vpc.dnsHostnames === false ? 'EnableDnsHostnames' : undefined,
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0)
    return {
      reason: `${endpointId} has PrivateDnsEnabled, but ${vpcId} does not set ${missing.join(' and ')} to true (CloudFormation defaults EnableDnsHostnames to false); private DNS needs both, so the service name resolves to its public endpoint`,
      definite: true,
    };
  if (vpc.dnsSupport === 'unknown' || vpc.dnsHostnames === 'unknown')
    return {
      reason: `whether ${vpcId} enables DNS support and hostnames (needed for ${endpointId}'s private DNS) is unknown`,
      definite: false,
    };
  return undefined;
}

/** Interface and gateway endpoints for an IAM service prefix (`ses` → `email`) in a VPC. */
export function endpointsFor(model: NetworkModel, vpcId: string | undefined, service: string): VpcEndpoint[] {
  const names = endpointServicesFor(service);
  return [...model.vpcEndpoints.values()].filter(
    (endpoint) =>
      endpoint.vpcId === vpcId && typeof endpoint.service === 'string' && names.includes(endpoint.service),
  );
}

/** Whether `endpoint` (an endpoint for `service` in its VPC) captures the service's calls there. */
export function privateDnsCapture(
  model: NetworkModel,
  endpoint: VpcEndpoint,
  service: string,
): PrivateDnsCapture {
  if (endpoint.endpointType !== 'Interface' || endpoint.privateDnsEnabled === false) return { kind: 'none' };
  const dns = privateDnsProblem(endpoint.id, endpoint.vpcId, model.vpcs.get(endpoint.vpcId));
  if (dns?.definite) return { kind: 'none', unavailable: dns.reason };
  const gateway = endpointsFor(model, endpoint.vpcId, service).find(
    (other) => other.endpointType === 'Gateway',
  );
  const reasons = [
    endpoint.uncertain && `${endpoint.id} may not exist (${endpoint.uncertain})`,
    endpoint.privateDnsEnabled === 'unknown' &&
      `whether ${endpoint.id} has private DNS is unknown (PrivateDnsEnabled: ${endpoint.privateDnsUnresolved})`,
    dns?.reason,
    gateway &&
      `${endpoint.vpcId} also has gateway endpoint ${gateway.id} for the service, and whether ${endpoint.id}'s private DNS then answers inside the VPC depends on DnsOptions, which netcheck does not model`,
  ].filter((reason): reason is string => typeof reason === 'string' && reason.length > 0);
  return reasons.length > 0 ? { kind: 'uncertain', reason: reasons.join('; ') } : { kind: 'certain' };
}

/** The interface endpoint whose private DNS certainly captures `service`'s calls in a VPC, if any. */
export function capturingEndpoint(
  model: NetworkModel,
  vpcId: string | undefined,
  service: string,
): VpcEndpoint | undefined {
  return endpointsFor(model, vpcId, service).find(
    (endpoint) => privateDnsCapture(model, endpoint, service).kind === 'certain',
  );
}

/**
 * The interface endpoint whose private DNS certainly takes a workload's calls to `service` in one
 * of its subnets' VPCs (the engine then never tries the NAT path), so a rule's message can name it
 * instead of "no NAT path".
 */
export function capturingEndpointOf(
  model: NetworkModel,
  workload: Workload,
  service: string,
): VpcEndpoint | undefined {
  if (workload.subnetIds instanceof Unresolved) return undefined;
  const vpcs = new Set(workload.subnetIds.map((subnetId) => model.subnets.get(subnetId)?.vpcId));
  return [...vpcs].map((vpcId) => capturingEndpoint(model, vpcId, service)).find(Boolean);
}
