import { EXTERNAL_PREFIX } from './model-builder-context.js';
import type { InternetGateway, NetworkModel, RouteTarget } from './network-model.js';

/** Whether an internet gateway is attached to a VPC, as far as the templates say. */
export type InternetGatewayAttachment =
  | { readonly kind: 'attached'; readonly igw: InternetGateway }
  | { readonly kind: 'unknown'; readonly reason: string }
  | { readonly kind: 'none' };

/**
 * The internet gateway attached to `vpcId`. Unknown rather than "none" when an attachment cannot be
 * resolved, the VPC is not in the templates, or one of its routes names a gateway outside the
 * templates that may be an IGW (an IGW attached by another stack: EC2 only accepts a route to an
 * internet gateway attached to the VPC, so the route is evidence of one).
 */
export function internetGatewayAttachment(model: NetworkModel, vpcId: string): InternetGatewayAttachment {
  const gateways = [...model.internetGateways.values()];
  const igw = gateways.find((gateway) => gateway.attachedVpcIds.includes(vpcId));
  if (igw) return { kind: 'attached', igw };
  const unresolved = gateways.flatMap((gateway) => gateway.unresolvedAttachments);
  if (unresolved.length > 0) return { kind: 'unknown', reason: unresolved.join('; ') };
  const vpc = model.vpcs.get(vpcId);
  if (!vpc || vpc.external) return { kind: 'unknown', reason: `${vpcId} is not in the loaded templates` };
  if (vpc.possibleInternetGatewayRoutes.length > 0)
    return { kind: 'unknown', reason: vpc.possibleInternetGatewayRoutes.join('; ') };
  return { kind: 'none' };
}

/**
 * What a route's target names when it is a gateway outside the loaded templates that may be an
 * internet gateway (an import, a parameter, a literal id that is not another gateway type), or
 * undefined when it is not such a target.
 */
export function possibleOutsideInternetGateway(target: RouteTarget | undefined): string | undefined {
  if (target?.kind === 'unsupported' && target.mayBeInternetGateway === true)
    return target.id.slice(EXTERNAL_PREFIX.length);
  if (target?.kind === 'unresolved' && target.mayBeInternetGateway === true) return target.reason;
  return undefined;
}
