import { ipv6CidrIncludesInternet } from '../net/address-space.js';
import { type Cidr, parseIpv4 } from '../net/ipv4.js';
import { GET_AZS_ENTRY_PREFIX } from '../template/intrinsic-resolver.js';
import { asBoolean, asString, type CfnValue, ResourceRef, Unresolved } from '../template/template-values.js';
import { possibleOutsideInternetGateway } from './internet-gateway-attachment.js';
import type { ModelBuilderContext, ResolvedResource } from './model-builder-context.js';
import { EXTERNAL_PREFIX, unnamedReferenceReason } from './model-builder-context.js';
import type {
  InternetGateway,
  RouteDestination,
  RouteTable,
  RouteTarget,
  SubnetZone,
  Tri,
  Vpc,
} from './network-model.js';
import { resolvePrefixList } from './prefix-lists.js';

/** Suffixes of synthetic per-VPC elements that CloudFormation creates implicitly. */
export const MAIN_ROUTE_TABLE_SUFFIX = '.MainRouteTable';
export const DEFAULT_NACL_SUFFIX = '.DefaultNetworkAcl';
export const DEFAULT_SECURITY_GROUP_SUFFIX = '.DefaultSecurityGroup';
/** Suffixes of the unknown-contents table / ACL of a subnet whose association is unresolved. */
export const UNRESOLVED_ROUTE_TABLE_SUFFIX = '.UnresolvedRouteTable';
export const UNRESOLVED_NACL_SUFFIX = '.UnresolvedNetworkAcl';

/** Returns the VPC for an id, creating an external placeholder for VPCs declared elsewhere. */
export function ensureVpc(context: ModelBuilderContext, id: string): Vpc {
  const existing = context.model.vpcs.get(id);
  if (existing) return existing;
  const vpc = createVpc(
    context,
    id,
    true,
    [],
    [`VPC ${id.slice(EXTERNAL_PREFIX.length)} is not in the loaded templates`],
  );
  return vpc;
}

function createVpc(
  context: ModelBuilderContext,
  id: string,
  external: boolean,
  cidrs: Cidr[],
  unresolvedCidrs: string[],
  dns: Pick<Vpc, 'dnsSupport' | 'dnsHostnames'> = { dnsSupport: 'unknown', dnsHostnames: 'unknown' },
): Vpc {
  const vpc: Vpc = {
    id,
    external,
    cidrs,
    unresolvedCidrs,
    ...dns,
    mainRouteTableId: `${id}${MAIN_ROUTE_TABLE_SUFFIX}`,
    defaultNetworkAclId: `${id}${DEFAULT_NACL_SUFFIX}`,
    defaultSecurityGroupId: `${id}${DEFAULT_SECURITY_GROUP_SUFFIX}`,
    possibleInternetGatewayRoutes: [],
  };
  context.model.vpcs.set(id, vpc);
  // The main route table is not a template resource. A template VPC's main table holds only the
  // local route (CloudFormation never adds others); an external VPC's main table is unknown.
  const main: RouteTable = {
    id: vpc.mainRouteTableId,
    vpcId: id,
    main: true,
    routes: [],
    unknownContents: external ? `main route table of ${id} is not in the loaded templates` : undefined,
  };
  context.model.routeTables.set(main.id, main);
  context.model.networkAcls.set(vpc.defaultNetworkAclId, {
    id: vpc.defaultNetworkAclId,
    vpcId: id,
    isDefault: true,
    entries: [],
  });
  return vpc;
}

/** Resolves a VpcId property to a model VPC id (creating external placeholders). */
export function vpcIdOf(
  context: ModelBuilderContext,
  value: Parameters<ModelBuilderContext['reference']>[0],
): string {
  const reference = context.reference(value, ['AWS::EC2::VPC']);
  if (reference?.kind === 'resource') return ensureVpc(context, reference.id).id;
  if (reference?.kind === 'external') return ensureVpc(context, reference.id).id;
  // A VPC that cannot be named is still one network: its contents are unknown, and the reason
  // travels with it so every answer that depends on it says why.
  const id =
    reference === undefined ? `${EXTERNAL_PREFIX}(no VpcId)` : `${EXTERNAL_PREFIX}(unresolved VpcId)`;
  const reason =
    reference === undefined
      ? 'no VpcId given (default VPC)'
      : reference.kind === 'missing'
        ? `VpcId ${reference.id} ${reference.reason}`
        : `VpcId is unresolved: ${reference.reason}`;
  const existing = context.model.vpcs.get(id);
  if (existing) return existing.id;
  return createVpc(context, id, true, [], [reason]).id;
}

function buildVpcs(context: ModelBuilderContext): void {
  for (const resource of context.ofType('AWS::EC2::VPC')) {
    const cidr = context.cidr(resource.properties.CidrBlock, `${resource.id}.CidrBlock`);
    createVpc(
      context,
      resource.id,
      false,
      cidr instanceof Unresolved ? [] : [cidr],
      cidr instanceof Unresolved ? [cidr.reason] : [],
      {
        dnsSupport: vpcAttribute(resource.properties.EnableDnsSupport, true),
        dnsHostnames: vpcAttribute(resource.properties.EnableDnsHostnames, false),
      },
    );
  }
  for (const resource of context.ofType('AWS::EC2::VPCCidrBlock')) {
    const vpc = context.model.vpcs.get(vpcIdOf(context, resource.properties.VpcId));
    // IPv6 associations do not affect IPv4 reachability.
    if (!vpc || resource.properties.CidrBlock === undefined) {
      if (vpc && resource.properties.Ipv4IpamPoolId !== undefined) {
        vpc.unresolvedCidrs.push(`${resource.id} allocates its CIDR from an IPAM pool`);
      }
      continue;
    }
    const cidr = context.cidr(resource.properties.CidrBlock, `${resource.id}.CidrBlock`);
    if (cidr instanceof Unresolved) vpc.unresolvedCidrs.push(cidr.reason);
    else vpc.cidrs.push(cidr);
  }
  // Every VPC CIDR gets a local route in every table of the VPC.
}

/** A boolean VPC attribute with CloudFormation's default when absent. */
function vpcAttribute(value: CfnValue | undefined, byDefault: boolean): Tri {
  const parsed = asBoolean(value);
  if (parsed instanceof Unresolved) return 'unknown';
  return parsed ?? byDefault;
}

/** An internet gateway with nothing attached or associated yet. */
function newInternetGateway(id: string): InternetGateway {
  return {
    id,
    attachedVpcIds: [],
    unresolvedAttachments: [],
    edgeRouteTableIds: [],
    unresolvedEdgeRouteTables: [],
  };
}

function buildInternetGateways(context: ModelBuilderContext): void {
  for (const resource of context.ofType('AWS::EC2::InternetGateway')) {
    context.model.internetGateways.set(resource.id, newInternetGateway(resource.id));
  }
  const placeholder = (id: string): InternetGateway => {
    const existing = context.model.internetGateways.get(id);
    if (existing) return existing;
    const created = newInternetGateway(id);
    context.model.internetGateways.set(id, created);
    return created;
  };
  for (const resource of context.ofType('AWS::EC2::VPCGatewayAttachment')) {
    const gateway = context.reference(resource.properties.InternetGatewayId, ['AWS::EC2::InternetGateway']);
    // No InternetGatewayId (a VPN gateway attachment), or an IGW that is not created.
    if (gateway === undefined || gateway.kind === 'missing') continue;
    if (gateway.kind === 'unresolved') {
      // Some IGW may be attached to the VPC: answers that need one are unknown, not "no IGW".
      placeholder(`${EXTERNAL_PREFIX}(unresolved InternetGatewayId)`).unresolvedAttachments.push(
        `${resource.id}: InternetGatewayId: ${gateway.reason}`,
      );
      continue;
    }
    // A literal or parameter id names an IGW created elsewhere but attached by this template.
    const igw =
      gateway.kind === 'resource' ? context.model.internetGateways.get(gateway.id) : placeholder(gateway.id);
    if (!igw) continue;
    const vpc = context.reference(resource.properties.VpcId, ['AWS::EC2::VPC']);
    if (resource.uncertain) igw.unresolvedAttachments.push(`${resource.id}: ${resource.uncertain}`);
    else if (vpc?.kind === 'unresolved') igw.unresolvedAttachments.push(`${resource.id}: ${vpc.reason}`);
    else if (vpc) igw.attachedVpcIds.push(vpcIdOf(context, resource.properties.VpcId));
  }
  // Ingress routing. An association under an unresolved Condition counts like a certain one: a
  // route it brings to an appliance makes answers unknown, which holds whether it exists or not.
  // A virtual private gateway's edge table is not followed (VPN paths are unknown anyway).
  for (const resource of context.ofType('AWS::EC2::GatewayRouteTableAssociation')) {
    const gateway = context.reference(resource.properties.GatewayId, ['AWS::EC2::InternetGateway']);
    const igw = gateway?.kind === 'resource' ? context.model.internetGateways.get(gateway.id) : undefined;
    if (!igw) continue;
    const table = context.referenceId(resource.properties.RouteTableId, ['AWS::EC2::RouteTable']);
    if (typeof table === 'string') igw.edgeRouteTableIds.push(table);
    else igw.unresolvedEdgeRouteTables.push(`${resource.id}: RouteTableId: ${table?.reason ?? 'absent'}`);
  }
}

/** Literal ids of gateways that `GatewayId` accepts besides internet gateways. */
const OTHER_GATEWAY_ID = /^(vgw|nat|cagw|lgw)-/;

/**
 * Records a route whose gateway may be an internet gateway outside the templates: EC2 accepts a
 * route to an internet gateway only when it is attached to the table's VPC, so the VPC may have one
 * (an IGW attached by another stack), and "no internet gateway attached" is no longer definite.
 */
function notePossibleInternetGateway(
  context: ModelBuilderContext,
  tables: readonly RouteTable[],
  routeId: string,
  target: RouteTarget,
): void {
  const gateway = possibleOutsideInternetGateway(target);
  if (gateway === undefined) return;
  for (const table of tables) {
    const vpc = context.model.vpcs.get(table.vpcId);
    if (!vpc || vpc.external) continue;
    const reason = `${routeId} routes to a gateway outside the loaded templates (${gateway}); EC2 accepts a route to an internet gateway only when it is attached to ${vpc.id}, so one may be`;
    if (!vpc.possibleInternetGatewayRoutes.includes(reason)) vpc.possibleInternetGatewayRoutes.push(reason);
  }
}

function routeTarget(context: ModelBuilderContext, properties: Record<string, unknown>): RouteTarget {
  const candidates: Array<[string, string[] | undefined, RouteTarget['kind'] | 'gateway']> = [
    ['GatewayId', undefined, 'gateway'],
    ['NatGatewayId', ['AWS::EC2::NatGateway'], 'nat-gateway'],
    ['TransitGatewayId', undefined, 'unsupported'],
    ['VpcPeeringConnectionId', undefined, 'unsupported'],
    ['InstanceId', undefined, 'unsupported'],
    ['NetworkInterfaceId', undefined, 'unsupported'],
    ['VpcEndpointId', undefined, 'unsupported'],
    ['CarrierGatewayId', undefined, 'unsupported'],
    ['LocalGatewayId', undefined, 'unsupported'],
    ['CoreNetworkArn', undefined, 'unsupported'],
    ['EgressOnlyInternetGatewayId', undefined, 'unsupported'],
  ];
  for (const [property, expected, kind] of candidates) {
    const value = properties[property] as Parameters<ModelBuilderContext['reference']>[0];
    const reference = context.reference(value, expected);
    if (!reference) continue;
    if (reference.kind === 'unresolved') {
      const reason = `${property}: ${reference.reason}`;
      // A GatewayId that cannot be resolved may be an internet gateway (or a VPN gateway…).
      return kind === 'gateway'
        ? { kind: 'unresolved', reason, mayBeInternetGateway: true }
        : { kind: 'unresolved', reason };
    }
    if (reference.kind === 'missing') return { kind: 'missing', id: reference.id, reason: reference.reason };
    if (kind === 'gateway') {
      if (reference.kind === 'external') {
        const literal = reference.id.slice(EXTERNAL_PREFIX.length);
        if (literal === 'local') return { kind: 'local' };
        // An IGW declared elsewhere whose attachment is in the templates.
        if (context.model.internetGateways.has(reference.id))
          return { kind: 'internet-gateway', id: reference.id };
        return {
          kind: 'unsupported',
          id: reference.id,
          targetType: `gateway ${literal} outside the loaded templates`,
          // Only an id of another gateway type (`vgw-…`, `nat-…`) is certainly not an IGW.
          ...(OTHER_GATEWAY_ID.test(literal) ? {} : { mayBeInternetGateway: true as const }),
        };
      }
      if (reference.type === 'AWS::EC2::InternetGateway')
        return { kind: 'internet-gateway', id: reference.id };
      // EC2 accepts a NAT gateway's id in GatewayId and routes to it (NatGatewayId is the
      // documented property, but the route works the same).
      if (reference.type === 'AWS::EC2::NatGateway') return { kind: 'nat-gateway', id: reference.id };
      if (reference.type === 'AWS::EC2::VPNGateway')
        return { kind: 'unsupported', id: reference.id, targetType: 'VPN gateway' };
      return { kind: 'missing', id: reference.id, reason: `is a ${reference.type}, not a gateway` };
    }
    if (kind === 'nat-gateway' && reference.kind === 'resource')
      return { kind: 'nat-gateway', id: reference.id };
    return { kind: 'unsupported', id: reference.id, targetType: property.replace(/Id$|Arn$/, '') };
  }
  return { kind: 'missing', id: '(none)', reason: 'the route names no target' };
}

function buildRouteTables(context: ModelBuilderContext): void {
  for (const resource of context.ofType('AWS::EC2::RouteTable')) {
    const vpcId = vpcIdOf(context, resource.properties.VpcId);
    context.model.routeTables.set(resource.id, {
      id: resource.id,
      vpcId,
      main: false,
      routes: [],
      ipv6InternetRoutes: [],
      routePropagations: [],
    });
  }
  for (const resource of context.ofType('AWS::EC2::VPNGatewayRoutePropagation')) {
    const gateway = context.referenceId(resource.properties.VpnGatewayId, ['AWS::EC2::VPNGateway']);
    const from = typeof gateway === 'string' ? gateway : 'a VPN gateway';
    const ids = context.referenceIds(resource.properties.RouteTableIds, ['AWS::EC2::RouteTable']);
    const may = resource.uncertain ? ` (if it exists: ${resource.uncertain})` : '';
    // An unresolved list may name any table declared here.
    const tables =
      ids instanceof Unresolved
        ? [...context.model.routeTables.values()]
        : ids.map((id) => context.model.routeTables.get(id));
    for (const table of tables) {
      table?.routePropagations?.push(
        `${resource.id} propagates routes from ${from} into ${table.id}${ids instanceof Unresolved ? ` (its RouteTableIds are unresolved: ${ids.reason})` : ''}${may}; they are learned from the VPN's other side, not declared in the template`,
      );
    }
  }
  for (const resource of context.ofType('AWS::EC2::Route')) {
    const reference = context.reference(resource.properties.RouteTableId, ['AWS::EC2::RouteTable']);
    const table = reference?.kind === 'resource' ? context.model.routeTables.get(reference.id) : undefined;
    let tables: RouteTable[] = table ? [table] : [];
    let uncertain = resource.uncertain;
    if (!table && reference?.kind === 'external') {
      // Subnets using a table declared elsewhere already get unknown answers.
      context.diagnose(
        resource.id,
        `route for route table ${reference.id.slice(EXTERNAL_PREFIX.length)}, which is outside the loaded templates`,
      );
      continue;
    }
    if (!table) {
      // The table cannot be named (unresolved !If, import…): the route may be in any table here.
      const why = unnamedReferenceReason('RouteTableId', reference);
      uncertain = `${resource.id} may be in this table (${why})`;
      // A route can only be in a table of its gateway's VPC, when that is known.
      const vpcs = targetVpcs(context, routeTarget(context, resource.properties));
      tables = [...context.model.routeTables.values()].filter(
        (candidate) =>
          !context.model.vpcs.get(candidate.vpcId)?.external && (!vpcs || vpcs.includes(candidate.vpcId)),
      );
      context.diagnose(
        resource.id,
        `route table of this route cannot be resolved (${why}); answers it may affect are unknown`,
      );
    }
    let destination: RouteDestination;
    let destinations: RouteDestination[] | undefined;
    const { DestinationCidrBlock, DestinationPrefixListId, DestinationIpv6CidrBlock } = resource.properties;
    if (DestinationCidrBlock !== undefined) {
      const cidr = context.cidr(DestinationCidrBlock, `${resource.id}.DestinationCidrBlock`);
      destination =
        cidr instanceof Unresolved ? { kind: 'unresolved', reason: cidr.reason } : { kind: 'cidr', cidr };
    } else if (DestinationPrefixListId !== undefined) {
      const list = resolvePrefixList(context, DestinationPrefixListId);
      destination = { kind: 'prefix-list', label: list.label };
      // A list declared in the templates routes like one route per entry (longest prefix wins).
      if (!(list.addresses instanceof Unresolved))
        destinations = list.cidrs.map((cidr) => ({ kind: 'cidr', cidr }));
    } else if (DestinationIpv6CidrBlock !== undefined) {
      // IPv6 routes do not carry IPv4 traffic; one to the internet qualifies IPv4 answers.
      const text = asString(DestinationIpv6CidrBlock);
      const internet = typeof text === 'string' ? ipv6CidrIncludesInternet(text) !== false : true;
      const egressOnly = resource.properties.EgressOnlyInternetGatewayId !== undefined;
      const target = routeTarget(context, resource.properties);
      if (internet) notePossibleInternetGateway(context, tables, resource.id, target);
      // A GatewayId that is not a plain Ref to an IGW (an undecided Fn::If, an import, a literal, a
      // parameter) may still be one: dropping the route would leave a definite IPv4-only answer.
      const outsideIgw = possibleOutsideInternetGateway(target);
      if (!internet || (!egressOnly && target.kind !== 'internet-gateway' && outsideIgw === undefined))
        continue;
      const eigw = context.reference(resource.properties.EgressOnlyInternetGatewayId);
      const gateway =
        target.kind === 'internet-gateway'
          ? target.id
          : outsideIgw !== undefined && !egressOnly
            ? `${outsideIgw}, which may be an internet gateway`
            : eigw && eigw.kind !== 'unresolved'
              ? eigw.id
              : 'an egress-only internet gateway';
      for (const candidate of tables) {
        candidate.ipv6InternetRoutes?.push({
          id: resource.id,
          text: `${typeof text === 'string' ? text : '(unresolved IPv6 CIDR)'} → ${gateway}`,
          egressOnly,
        });
      }
      continue;
    } else {
      destination = { kind: 'unresolved', reason: 'route has no destination' };
    }
    const target = routeTarget(context, resource.properties);
    notePossibleInternetGateway(context, tables, resource.id, target);
    for (const candidate of tables) {
      for (const each of destinations ?? [destination]) {
        candidate.routes.push({
          id: resource.id,
          routeTableId: candidate.id,
          destination: each,
          target,
          uncertain,
          tableUnresolved: table === undefined || undefined,
        });
      }
    }
  }
}

/** VPCs a route target belongs to (IGW attachments, a NAT gateway's subnet), undefined if unknown. */
function targetVpcs(context: ModelBuilderContext, target: RouteTarget): string[] | undefined {
  if (target.kind === 'internet-gateway') {
    const igw = context.model.internetGateways.get(target.id);
    return igw && igw.attachedVpcIds.length > 0 && igw.unresolvedAttachments.length === 0
      ? igw.attachedVpcIds
      : undefined;
  }
  if (target.kind !== 'nat-gateway') return undefined;
  const nat = context.ofType('AWS::EC2::NatGateway').find((resource) => resource.id === target.id);
  const subnet = context.reference(nat?.properties.SubnetId, ['AWS::EC2::Subnet']);
  if (subnet?.kind !== 'resource') return undefined;
  const vpc = context.ofType('AWS::EC2::Subnet').find((resource) => resource.id === subnet.id)
    ?.properties.VpcId;
  const reference = context.reference(vpc, ['AWS::EC2::VPC']);
  return reference?.kind === 'resource' ? [reference.id] : undefined;
}

function publicIpSetting(value: unknown): Tri {
  const parsed = asBoolean(value as Parameters<typeof asBoolean>[0]);
  if (parsed instanceof Unresolved) return 'unknown';
  return parsed ?? false;
}

/** The VPC of the route table or network ACL an association names, when known. */
function associationTargetVpc(
  context: ModelBuilderContext,
  targetType: string,
  targetId: string | undefined,
): string | undefined {
  if (targetId === undefined) return undefined;
  if (targetType === 'AWS::EC2::RouteTable') return context.model.routeTables.get(targetId)?.vpcId;
  // Network ACLs are built after subnets; the VPC's default ACL is already in the model.
  const builtIn = context.model.networkAcls.get(targetId);
  if (builtIn) return builtIn.vpcId;
  const acl = context.ofType('AWS::EC2::NetworkAcl').find((resource) => resource.id === targetId);
  return acl ? vpcIdOf(context, acl.properties.VpcId) : undefined;
}

/**
 * Subnet → associated table/ACL id from association resources. An association whose table/ACL
 * cannot be resolved, or whose Condition is unresolved, gives an Unresolved: falling back to the
 * main table / default ACL would be a definite answer about a table that may not be in effect.
 *
 * An association whose SubnetId cannot be resolved may name any subnet its value allows — both
 * branches of an undecided `Fn::If`, else every subnet of the table's / ACL's VPC (of the
 * templates, when that is unknown too) — and each of them gets an Unresolved. For route tables
 * (`exclusive`), a subnet that certainly has an association of its own keeps it: EC2 rejects a
 * second route table association of a subnet (Resource.AlreadyAssociated). A network ACL
 * association replaces the subnet's current one, so for ACLs every candidate is uncertain.
 */
function associations(
  context: ModelBuilderContext,
  type: string,
  property: string,
  targetType: string,
  exclusive: boolean,
): Map<string, string | Unresolved> {
  const out = new Map<string, string | Unresolved>();
  const unnamed: Array<{ resource: ResolvedResource; subnet: Unresolved }> = [];
  for (const resource of context.ofType(type)) {
    const subnet = context.referenceId(resource.properties.SubnetId, ['AWS::EC2::Subnet']);
    if (typeof subnet !== 'string') {
      // CloudFormation requires SubnetId: without one the association names nothing.
      if (subnet === undefined) context.diagnose(resource.id, 'association without SubnetId; ignored');
      else unnamed.push({ resource, subnet });
      continue;
    }
    const reference = context.reference(resource.properties[property], [targetType]);
    if (resource.uncertain)
      out.set(subnet, new Unresolved(`${resource.id} may not exist (${resource.uncertain})`));
    else if (reference?.kind === 'resource' || reference?.kind === 'external') out.set(subnet, reference.id);
    else out.set(subnet, new Unresolved(`${resource.id}: ${unnamedReferenceReason(property, reference)}`));
  }
  for (const { resource, subnet } of unnamed) {
    const reference = context.reference(resource.properties[property], [targetType]);
    const target =
      reference?.kind === 'resource' || reference?.kind === 'external' ? reference.id : undefined;
    const vpcId = associationTargetVpc(context, targetType, target);
    const candidates =
      context.candidateIds(resource.properties.SubnetId, ['AWS::EC2::Subnet']) ??
      context
        .ofType('AWS::EC2::Subnet')
        .filter((candidate) => vpcId === undefined || vpcIdOf(context, candidate.properties.VpcId) === vpcId)
        .map((candidate) => candidate.id);
    const why = `${resource.id} may associate it with ${target ?? `a ${property} that cannot be resolved`} (SubnetId: ${subnet.reason})`;
    for (const candidate of candidates) {
      const current = out.get(candidate);
      if (exclusive && typeof current === 'string') continue;
      out.set(candidate, new Unresolved(current instanceof Unresolved ? `${current.reason}; ${why}` : why));
    }
  }
  return out;
}

function buildSubnets(context: ModelBuilderContext): void {
  const routeTableOf = associations(
    context,
    'AWS::EC2::SubnetRouteTableAssociation',
    'RouteTableId',
    'AWS::EC2::RouteTable',
    true,
  );
  const naclOf = associations(
    context,
    'AWS::EC2::SubnetNetworkAclAssociation',
    'NetworkAclId',
    'AWS::EC2::NetworkAcl',
    false,
  );
  for (const resource of context.ofType('AWS::EC2::Subnet')) {
    const vpc = context.model.vpcs.get(vpcIdOf(context, resource.properties.VpcId)) as Vpc;
    let explicitTable = routeTableOf.get(resource.id);
    if (explicitTable instanceof Unresolved) {
      // A table whose contents are unknown: every lookup through it is unknown, with the reason.
      const id = `${resource.id}${UNRESOLVED_ROUTE_TABLE_SUFFIX}`;
      context.model.routeTables.set(id, {
        id,
        vpcId: vpc.id,
        main: false,
        routes: [],
        unknownContents: `route table of ${resource.id} is unknown (${explicitTable.reason})`,
      });
      explicitTable = id;
    }
    let acl = naclOf.get(resource.id);
    if (acl instanceof Unresolved) {
      const id = `${resource.id}${UNRESOLVED_NACL_SUFFIX}`;
      const unknown = new Unresolved(`network ACL of ${resource.id} is unknown (${acl.reason})`);
      context.model.networkAcls.set(id, {
        id,
        vpcId: vpc.id,
        isDefault: false,
        entries: [false, true].map((egress) => ({
          id,
          ruleNumber: 0,
          egress,
          action: 'deny',
          protocol: unknown,
          ports: unknown,
          addresses: unknown,
          cidrText: '?',
        })),
      });
      acl = id;
    }
    context.model.subnets.set(resource.id, {
      id: resource.id,
      vpcId: vpc.id,
      external: false,
      cidr: context.cidr(resource.properties.CidrBlock, `${resource.id}.CidrBlock`),
      mapPublicIpOnLaunch: publicIpSetting(resource.properties.MapPublicIpOnLaunch),
      routeTableId: explicitTable ?? vpc.mainRouteTableId,
      explicitRouteTable: explicitTable !== undefined,
      networkAclId: acl ?? vpc.defaultNetworkAclId,
      zone: subnetZone(resource),
    });
  }
}

/** The subnet's Availability Zone as far as the template says (see {@link SubnetZone}). */
function subnetZone(resource: ResolvedResource): SubnetZone {
  const name = asString(resource.properties.AvailabilityZone);
  const id = asString(resource.properties.AvailabilityZoneId);
  for (const [value, property] of [
    [name, 'AvailabilityZone'],
    [id, 'AvailabilityZoneId'],
  ] as const) {
    if (value instanceof Unresolved) return { kind: 'unknown', reason: `${property}: ${value.reason}` };
    if (typeof value !== 'string' || value === '') continue;
    if (property === 'AvailabilityZoneId') return { kind: 'id', value };
    return value.startsWith(GET_AZS_ENTRY_PREFIX) ? { kind: 'position', value } : { kind: 'name', value };
  }
  return {
    kind: 'unknown',
    reason:
      'neither AvailabilityZone nor AvailabilityZoneId is set, so AWS picks the zone when it creates the subnet',
  };
}

function buildNatGateways(context: ModelBuilderContext): void {
  for (const resource of context.ofType('AWS::EC2::NatGateway')) {
    const connectivity = asString(resource.properties.ConnectivityType) ?? 'public';
    const allocation = context.reference(resource.properties.AllocationId, ['AWS::EC2::EIP']);
    let hasElasticIp: Tri = false;
    let elasticIpUnresolved: string | undefined;
    const elasticIpProblem = allocationIdProblem(resource.properties.AllocationId);
    if (elasticIpProblem) hasElasticIp = false;
    else if (allocation?.kind === 'resource' || allocation?.kind === 'external') hasElasticIp = true;
    else if (allocation?.kind === 'unresolved') {
      hasElasticIp = 'unknown';
      elasticIpUnresolved = allocation.reason;
    }
    const subnet = context.referenceId(resource.properties.SubnetId, ['AWS::EC2::Subnet']);
    context.model.natGateways.set(resource.id, {
      id: resource.id,
      subnetId: subnet ?? new Unresolved('NAT gateway has no SubnetId'),
      connectivity:
        connectivity instanceof Unresolved ? connectivity : connectivity === 'private' ? 'private' : 'public',
      hasElasticIp,
      elasticIpResource: allocation?.kind === 'resource' && !elasticIpProblem ? allocation.id : undefined,
      elasticIpUnresolved,
      elasticIpProblem,
    });
  }
}

/**
 * Why an AllocationId value cannot be an allocation id. `Ref` on an AWS::EC2::EIP returns its
 * public address, not `eipalloc-…`, and CreateNatGateway rejects it: only `!GetAtt Eip.AllocationId`
 * names the allocation. A literal or parameter string counts unless it is an IPv4 address.
 */
function allocationIdProblem(value: CfnValue | undefined): string | undefined {
  if (value instanceof ResourceRef) {
    if (value.attribute === 'AllocationId') return undefined;
    // The template's own logical id (without the stack prefix of a multi-template model).
    const eip = value.logicalId.split('/').pop() ?? value.logicalId;
    const written = value.attribute ? `!GetAtt ${eip}.${value.attribute}` : `!Ref ${eip}`;
    return `AllocationId is ${written}, which returns the Elastic IP's ${value.attribute ?? 'public address'}, not its allocation id (CreateNatGateway rejects it); use !GetAtt ${eip}.AllocationId`;
  }
  if (typeof value === 'string' && parseIpv4(value) !== undefined)
    return `AllocationId "${value}" is an IP address, not an allocation id (eipalloc-…); use !GetAtt <Eip>.AllocationId`;
  return undefined;
}

/** Extracts the short service name from `com.amazonaws.<region>.<service>` (region may be unknown). */
export function endpointServiceName(serviceName: unknown): string | Unresolved {
  const text = serviceName instanceof Unresolved ? serviceName.partial : serviceName;
  if (typeof text !== 'string') {
    return serviceName instanceof Unresolved
      ? serviceName
      : new Unresolved('endpoint ServiceName is not a string');
  }
  const match = /^(?:aws\.sagemaker\.|com\.amazonaws\.)[^.]+\.(.+)$/.exec(text);
  if (!match?.[1] || match[1].includes('*')) {
    return new Unresolved(`endpoint service "${text}" is not an AWS service name`);
  }
  return match[1];
}

function buildVpcEndpoints(context: ModelBuilderContext): void {
  for (const resource of context.ofType('AWS::EC2::VPCEndpoint')) {
    const properties = resource.properties;
    const typeText = asString(properties.VpcEndpointType);
    const endpointType =
      typeText === 'Interface'
        ? 'Interface'
        : typeText === 'GatewayLoadBalancer'
          ? 'GatewayLoadBalancer'
          : 'Gateway';
    const service = endpointServiceName(properties.ServiceName);
    const vpcId = vpcIdOf(context, properties.VpcId);
    // One member that cannot be resolved must neither drop the others nor read as "none": the
    // resolved ones are kept and the rest stays uncertain.
    const tables = context.referenceList(properties.RouteTableIds, ['AWS::EC2::RouteTable']);
    const subnets = context.referenceList(properties.SubnetIds, ['AWS::EC2::Subnet']);
    const groups = context.referenceList(properties.SecurityGroupIds, ['AWS::EC2::SecurityGroup']);
    const reasons = (list: typeof groups): string | undefined =>
      list.unresolved.length > 0 ? list.unresolved.map((item) => item.reason.reason).join('; ') : undefined;
    const unresolvedGroups = reasons(groups);
    const vpc = context.model.vpcs.get(vpcId);
    // CloudFormation's default is false; an unresolved value may be either.
    const privateDns = asBoolean(properties.PrivateDnsEnabled);
    context.model.vpcEndpoints.set(resource.id, {
      id: resource.id,
      vpcId,
      endpointType,
      service,
      routeTableIds: tables.ids,
      subnetIds: subnets.ids,
      unresolvedSubnets: reasons(subnets) && `SubnetIds of ${resource.id}: ${reasons(subnets)}`,
      // An interface endpoint without SecurityGroupIds gets the VPC's default group; one whose
      // groups cannot all be resolved has unknown groups (not the default group, not none).
      securityGroupIds: unresolvedGroups
        ? new Unresolved(`SecurityGroupIds of ${resource.id}: ${unresolvedGroups}`)
        : groups.ids.length === 0 && endpointType === 'Interface' && vpc
          ? [vpc.defaultSecurityGroupId]
          : groups.ids,
      privateDnsEnabled: privateDns instanceof Unresolved ? 'unknown' : privateDns === true,
      privateDnsUnresolved: privateDns instanceof Unresolved ? privateDns.reason : undefined,
      uncertain: resource.uncertain,
    });
    if (endpointType !== 'Gateway') continue;
    // A gateway endpoint adds a route for the service's managed prefix list to each listed table;
    // a table it may list (an unresolved member) gets the route as one that may not exist.
    const routed: Array<{ tableId: string; uncertain?: string; tableUnresolved?: boolean }> = tables.ids.map(
      (tableId) => ({ tableId, uncertain: resource.uncertain }),
    );
    for (const item of tables.unresolved) {
      const candidates =
        context.candidateIds(item.value, ['AWS::EC2::RouteTable']) ??
        [...context.model.routeTables.values()]
          .filter((table) => table.vpcId === vpcId && !table.unknownContents)
          .map((table) => table.id);
      for (const tableId of candidates) {
        if (routed.some((entry) => entry.tableId === tableId)) continue;
        routed.push({
          tableId,
          uncertain: `${resource.id} may route this table (RouteTableIds: ${item.reason.reason})`,
          tableUnresolved: true,
        });
      }
    }
    for (const { tableId, uncertain, tableUnresolved } of routed) {
      const table = context.model.routeTables.get(tableId);
      table?.routes.push({
        id: `${resource.id}`,
        routeTableId: tableId,
        destination: {
          kind: 'prefix-list',
          service: service instanceof Unresolved ? undefined : service,
          label: `pl-${service instanceof Unresolved ? '?' : service} (${resource.id})`,
        },
        target: { kind: 'vpc-endpoint', id: resource.id },
        uncertain,
        tableUnresolved,
      });
    }
  }
}

/** Builds VPCs, subnets, route tables, routes, gateways and endpoints into the context's model. */
export function buildVpcTopology(context: ModelBuilderContext): void {
  buildVpcs(context);
  buildInternetGateways(context);
  buildRouteTables(context);
  buildSubnets(context);
  buildNatGateways(context);
  buildVpcEndpoints(context);
}
