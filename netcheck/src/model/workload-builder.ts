import { member } from '../template/sourced-value.js';
import type { CfnValue, JsonObject } from '../template/template-values.js';
import {
  asBoolean,
  asList,
  asNumber,
  asString,
  isRecord,
  ResourceRef,
  Unresolved,
} from '../template/template-values.js';
import { taskStartNeeds } from './ecs-task-start-needs.js';
import {
  addRoleGrants,
  addSamPolicyGrants,
  apiPermissions,
  emptyGrants,
  type GrantScope,
} from './iam-permissions.js';
import { internetGatewayAttachment } from './internet-gateway-attachment.js';
import { lambdaDeliveryTargets } from './lambda-delivery-targets.js';
import type { ModelBuilderContext, ResolvedResource } from './model-builder-context.js';
import type {
  ListeningPort,
  LoadBalancerType,
  MaybeResolved,
  TargetGroup,
  Tri,
  Workload,
} from './network-model.js';
import { referencedLogicalIds } from './raw-references.js';
import { commaSeparatedIds, rotatedDatabase, templatePrefix } from './secret-rotations.js';

/** Default listener port per database engine family. */
export function defaultDatabasePort(engine: string | undefined): number | undefined {
  if (!engine) return undefined;
  const name = engine.toLowerCase();
  if (name.includes('postgres')) return 5432;
  if (name.includes('mysql') || name.includes('mariadb') || name === 'aurora') return 3306;
  if (name.startsWith('sqlserver')) return 1433;
  if (name.startsWith('oracle')) return 1521;
  if (name.startsWith('db2')) return 50000;
  return undefined;
}

const SUBNET = ['AWS::EC2::Subnet'];
const SECURITY_GROUP = ['AWS::EC2::SecurityGroup'];

function tri(value: boolean | Unresolved | undefined, fallback: Tri): Tri {
  if (value instanceof Unresolved) return 'unknown';
  return value ?? fallback;
}

/** Security groups of an interface: the given ones, or the VPC's default group when none are given. */
function groupsOrDefault(
  context: ModelBuilderContext,
  groups: MaybeResolved<string[]>,
  subnets: MaybeResolved<string[]>,
): MaybeResolved<string[]> {
  if (groups instanceof Unresolved || groups.length > 0) return groups;
  if (subnets instanceof Unresolved)
    return new Unresolved('no security groups given and the VPC (default group) is unknown');
  const subnet = context.model.subnets.get(subnets[0] ?? '');
  const vpc = subnet ? context.model.vpcs.get(subnet.vpcId) : undefined;
  return vpc
    ? [vpc.defaultSecurityGroupId]
    : new Unresolved('no security groups given and the VPC (default group) is unknown');
}

/** Public IP from MapPublicIpOnLaunch of the subnets (all must agree for a definite answer). */
function publicIpFromSubnets(context: ModelBuilderContext, subnets: MaybeResolved<string[]>): Tri {
  if (subnets instanceof Unresolved) return 'unknown';
  const values = subnets.map((id) => context.model.subnets.get(id)?.mapPublicIpOnLaunch ?? 'unknown');
  if (values.length === 0) return 'unknown';
  if (values.every((value) => value === true)) return true;
  if (values.every((value) => value === false)) return false;
  return 'unknown';
}

function addWorkload(context: ModelBuilderContext, workload: Workload): void {
  context.model.workloads.set(workload.id, workload);
}

function lambdaFunctions(
  context: ModelBuilderContext,
  raw: ReadonlyMap<string, JsonObject>,
  invokers: Map<string, string[]>,
): void {
  for (const fn of context.ofType('AWS::Lambda::Function', 'AWS::Serverless::Function')) {
    const vpcConfig = fn.properties.VpcConfig;
    const roleRef = fn.properties.Role;
    const roleId = roleRef instanceof ResourceRef ? roleRef.logicalId : undefined;
    const scope: GrantScope = { raw, deliveryTargets: lambdaDeliveryTargets(context, raw, fn) };
    const grants = emptyGrants();
    if (roleId) addRoleGrants(context, roleId, scope, grants);
    if (fn.type === 'AWS::Serverless::Function') addSamPolicyGrants(context, fn, scope, grants);
    const permissions = apiPermissions(grants, fn.properties.KmsKeyArn !== undefined);
    const base = {
      id: fn.id,
      type: fn.type,
      kind: 'lambda-function' as const,
      role: 'compute' as const,
      // Lambda ENIs never get a public IP, whatever the subnet says.
      publicIp: false,
      publicIpReason: 'Lambda network interfaces never receive a public IP address',
      listeningPorts: [],
      internetInvokers: invokers.get(fn.id) ?? [],
      roleId,
      awsApiPermissions: permissions,
    };
    if (vpcConfig === undefined) {
      addWorkload(context, { ...base, subnetIds: [], securityGroupIds: [], outsideVpc: true });
      continue;
    }
    const config = isRecord(vpcConfig) ? vpcConfig : {};
    const subnetIds =
      vpcConfig instanceof Unresolved ? vpcConfig : context.referenceIds(config.SubnetIds, SUBNET);
    const groups =
      vpcConfig instanceof Unresolved
        ? vpcConfig
        : context.referenceIds(config.SecurityGroupIds, SECURITY_GROUP);
    addWorkload(context, {
      ...base,
      subnetIds,
      securityGroupIds: groupsOrDefault(context, groups, subnetIds),
    });
  }
}

function containerPorts(taskDefinition: ResolvedResource | undefined): ListeningPort[] {
  const ports: ListeningPort[] = [];
  const containers = asList(taskDefinition?.properties.ContainerDefinitions);
  if (containers instanceof Unresolved) return ports;
  for (const container of containers) {
    if (!isRecord(container)) continue;
    const mappings = asList(container.PortMappings);
    if (mappings instanceof Unresolved) continue;
    for (const mapping of mappings) {
      if (!isRecord(mapping)) continue;
      const port = asNumber(mapping.ContainerPort);
      const protocol = asString(mapping.Protocol) === 'udp' ? 'udp' : 'tcp';
      if (typeof port === 'number')
        ports.push({ port, protocol, reason: `container port of ${taskDefinition?.id}` });
    }
  }
  return ports;
}

function ecsServices(context: ModelBuilderContext, raw: ReadonlyMap<string, JsonObject>): void {
  for (const service of context.ofType('AWS::ECS::Service')) {
    const network = service.properties.NetworkConfiguration;
    const awsvpc =
      isRecord(network) && isRecord(network.AwsvpcConfiguration) ? network.AwsvpcConfiguration : undefined;
    const taskRef = service.properties.TaskDefinition;
    const task =
      taskRef instanceof ResourceRef ? context.resources.find((r) => r.id === taskRef.logicalId) : undefined;
    const listeningPorts = containerPorts(task);
    let subnetIds: MaybeResolved<string[]>;
    let groups: MaybeResolved<string[]>;
    let publicIp: Tri = false;
    if (awsvpc) {
      subnetIds = context.referenceIds(awsvpc.Subnets, SUBNET);
      groups = groupsOrDefault(
        context,
        context.referenceIds(awsvpc.SecurityGroups, SECURITY_GROUP),
        subnetIds,
      );
      const assign = asString(awsvpc.AssignPublicIp);
      publicIp = assign instanceof Unresolved ? 'unknown' : assign === 'ENABLED';
    } else {
      const reason = new Unresolved(
        'ECS service without awsvpc networking uses its container instances’ network',
      );
      subnetIds = reason;
      groups = reason;
      publicIp = 'unknown';
    }
    addWorkload(context, {
      id: service.id,
      type: service.type,
      kind: 'ecs-service',
      role: 'compute',
      subnetIds,
      securityGroupIds: groups,
      publicIp,
      publicIpReason: awsvpc
        ? `AssignPublicIp is ${publicIp === true ? 'ENABLED' : publicIp === false ? 'DISABLED (default)' : 'unresolved'}`
        : 'bridge/host networking',
      listeningPorts,
      // Bridge / host mode has no task interface to judge (and Fargate requires awsvpc).
      ...(awsvpc ? { taskStartNeeds: taskStartNeeds(context, raw, service, task) } : {}),
    });
  }
}

/** An Elastic IP an instance or network interface has for certain (`true`), or may have (`unknown`), and why. */
interface ElasticIpOf {
  readonly publicIp: true | 'unknown';
  readonly reason: string;
}

const NETWORK_INTERFACE = ['AWS::EC2::NetworkInterface'];

/**
 * The instances and standalone network interfaces `AWS::EC2::EIP` and `EIPAssociation` resources
 * give an Elastic IP (by InstanceId or NetworkInterfaceId). An association under an undecided
 * Condition, or whose target is an undecided `Fn::If` or cannot be resolved at all, may give one:
 * that public address is unknown, never "none" (found in review, 2026-12-07: such an instance
 * with SSH open to the world was reported unreachable).
 */
function elasticIpTargets(context: ModelBuilderContext): Map<string, ElasticIpOf> {
  const targets = new Map<string, ElasticIpOf>();
  const note = (id: string, found: ElasticIpOf) => {
    if (targets.get(id)?.publicIp !== true) targets.set(id, found);
  };
  const candidates = {
    InstanceId: context.ofType('AWS::EC2::Instance').map((instance) => instance.id),
    NetworkInterfaceId: context.ofType(...NETWORK_INTERFACE).map((nic) => nic.id),
  };
  // The netcheck model keeps a resource under an undecided Condition (as if created): an Elastic IP
  // under that same Condition exists exactly when it does, so it is certain for it (the optional
  // bastion and its address; found in review, 2026-12-07).
  const uncertainties = new Map(context.resources.map((resource) => [resource.id, resource.uncertain]));
  const uncertainty = (id: string) => uncertainties.get(id);
  const conditionOf = (id: string) => /^Condition ([^:]+):/.exec(uncertainty(id) ?? '')?.[1];
  for (const resource of context.ofType('AWS::EC2::EIP', 'AWS::EC2::EIPAssociation')) {
    for (const property of ['InstanceId', 'NetworkInterfaceId'] as const) {
      const target = resource.properties[property];
      if (target instanceof ResourceRef) {
        note(
          target.logicalId,
          resource.uncertain && resource.uncertain !== uncertainty(target.logicalId)
            ? {
                publicIp: 'unknown',
                reason: `Elastic IP ${resource.id} may not exist (${resource.uncertain})`,
              }
            : { publicIp: true, reason: 'an Elastic IP is associated' },
        );
      } else if (target instanceof Unresolved) {
        const named = target.alternatives?.filter((value) => value instanceof ResourceRef);
        const reason = `Elastic IP ${resource.id}'s ${property} is unresolved (${target.reason})`;
        for (const id of named ? named.map((ref) => ref.logicalId) : candidates[property]) {
          // `!If [C, !Ref X, …]` for an X under Condition C names X whenever X exists.
          const whenItExists =
            !resource.uncertain &&
            target.condition !== undefined &&
            target.condition === conditionOf(id) &&
            target.alternatives?.[0] instanceof ResourceRef &&
            target.alternatives[0].logicalId === id;
          note(
            id,
            whenItExists
              ? { publicIp: true, reason: 'an Elastic IP is associated (under its Condition)' }
              : { publicIp: 'unknown', reason: `${reason} and may name it` },
          );
        }
      }
    }
  }
  return targets;
}

/** A standalone network interface attached to an instance, and at which device index. */
interface InterfaceAttachment {
  readonly instanceId: string;
  readonly primary: boolean;
}

/**
 * Standalone `AWS::EC2::NetworkInterface`s attached to an instance of the templates: through an
 * instance's `NetworkInterfaces` entry naming them, or a `NetworkInterfaceAttachment`.
 */
function interfaceAttachments(context: ModelBuilderContext): Map<string, InterfaceAttachment> {
  const attachments = new Map<string, InterfaceAttachment>();
  const attach = (nic: CfnValue | undefined, instanceId: string, deviceIndex: CfnValue | undefined) => {
    if (nic instanceof ResourceRef && context.typeOf(nic.logicalId) === NETWORK_INTERFACE[0])
      attachments.set(nic.logicalId, { instanceId, primary: String(deviceIndex ?? '0') === '0' });
  };
  for (const instance of context.ofType('AWS::EC2::Instance')) {
    const interfaces = asList(instance.properties.NetworkInterfaces);
    if (interfaces instanceof Unresolved) continue;
    for (const entry of interfaces.filter(isRecord))
      attach(entry.NetworkInterfaceId, instance.id, entry.DeviceIndex);
  }
  for (const attachment of context.ofType('AWS::EC2::NetworkInterfaceAttachment')) {
    const { InstanceId: instance, NetworkInterfaceId: nic, DeviceIndex: deviceIndex } = attachment.properties;
    if (instance instanceof ResourceRef) attach(nic, instance.logicalId, deviceIndex ?? '1');
  }
  return attachments;
}

/** The subnet (one) of a `SubnetId` value. */
function subnetOf(context: ModelBuilderContext, value: CfnValue | undefined): MaybeResolved<string[]> {
  if (value === undefined) return new Unresolved('instance without SubnetId is placed in the default VPC');
  const id = context.referenceId(value, SUBNET);
  return id === undefined ? new Unresolved('no SubnetId') : id instanceof Unresolved ? id : [id];
}

function ec2Instances(context: ModelBuilderContext): void {
  const withElasticIp = elasticIpTargets(context);
  const attachments = interfaceAttachments(context);
  for (const instance of context.ofType('AWS::EC2::Instance')) {
    const properties = instance.properties;
    // EC2 merges a launch template under the instance's own properties, field by field: reading
    // the instance alone gave a template's open SSH group the VPC default group instead.
    const launch = isRecord(properties.LaunchTemplate)
      ? launchTemplateData(context, instance.id, properties.LaunchTemplate)
      : undefined;
    const template = launch instanceof Unresolved ? undefined : launch;
    const ownNic = primaryInterface(properties.NetworkInterfaces);
    const templateNic = primaryInterface(template?.NetworkInterfaces);
    const nic = ownNic ?? templateNic;
    // A primary interface given as a standalone NetworkInterface: its subnet, groups and EIP.
    const nicRef = ownNic?.NetworkInterfaceId ?? templateNic?.NetworkInterfaceId;
    const standalone =
      nicRef instanceof ResourceRef
        ? context.resources.find((resource) => resource.id === nicRef.logicalId)
        : undefined;
    const subnetValue =
      standalone?.properties.SubnetId ?? ownNic?.SubnetId ?? properties.SubnetId ?? templateNic?.SubnetId;
    const subnetIds =
      subnetValue === undefined && launch instanceof Unresolved
        ? new Unresolved(`no SubnetId on the instance, and ${launch.reason}`)
        : subnetOf(context, subnetValue);
    let groups: MaybeResolved<string[]> = context.referenceIds(
      standalone?.properties.GroupSet ??
        ownNic?.GroupSet ??
        properties.SecurityGroupIds ??
        templateNic?.Groups ??
        template?.SecurityGroupIds,
      SECURITY_GROUP,
    );
    if (!(groups instanceof Unresolved) && groups.length === 0) {
      if (properties.SecurityGroups !== undefined || template?.SecurityGroups !== undefined)
        groups = new Unresolved('SecurityGroups by name (default VPC)');
      else if (launch instanceof Unresolved)
        groups = new Unresolved(`no SecurityGroupIds on the instance, and ${launch.reason}`);
    }
    const associate = ownNic?.AssociatePublicIpAddress ?? templateNic?.AssociatePublicIpAddress;
    const ownCount = interfacesAtLaunch(properties.NetworkInterfaces);
    const interfaceCount = ownCount > 0 ? ownCount : interfacesAtLaunch(template?.NetworkInterfaces);
    let publicIp: Tri;
    let publicIpReason: string;
    // The instance's own entry or its interface's, a certain one first.
    const own = withElasticIp.get(instance.id);
    const viaInterface = standalone && withElasticIp.get(standalone.id);
    const elasticIp =
      own?.publicIp !== true && viaInterface?.publicIp === true ? viaInterface : (own ?? viaInterface);
    if (elasticIp?.publicIp === true) {
      publicIp = true;
      publicIpReason = elasticIp.reason;
    } else if (associate !== undefined) {
      publicIp = tri(asBoolean(associate), 'unknown');
      const where = ownNic?.AssociatePublicIpAddress !== undefined ? '' : "the launch template's ";
      publicIpReason = `${where}NetworkInterfaces[0].AssociatePublicIpAddress is ${String(publicIp)}`;
    } else if (standalone) {
      publicIp = false;
      publicIpReason = `its network interface ${standalone.id} has no Elastic IP`;
    } else if (interfaceCount > 1) {
      publicIp = false;
      publicIpReason = multipleInterfaces(interfaceCount);
    } else if (launch instanceof Unresolved && nic === undefined) {
      publicIp = 'unknown';
      publicIpReason = `whether it gets a public IP depends on its launch template: ${launch.reason}`;
    } else {
      publicIp = publicIpFromSubnets(context, subnetIds);
      publicIpReason = `subnet MapPublicIpOnLaunch is ${String(publicIp)}`;
    }
    if (elasticIp && publicIp !== true) {
      publicIp = 'unknown';
      publicIpReason = `${elasticIp.reason}; without it, ${publicIpReason}`;
    }
    addWorkload(context, {
      id: instance.id,
      type: instance.type,
      kind: 'ec2-instance',
      role: 'compute',
      subnetIds,
      securityGroupIds: groupsOrDefault(context, groups, subnetIds),
      publicIp,
      publicIpReason,
      listeningPorts: [],
    });
  }
  secondaryInterfaces(context, attachments, withElasticIp);
}

/** How many interfaces a `NetworkInterfaces` list launches with (0 when absent or unresolved). */
function interfacesAtLaunch(value: CfnValue | undefined): number {
  const interfaces = asList(value);
  return interfaces instanceof Unresolved ? 0 : interfaces.filter(isRecord).length;
}

/**
 * Why an instance launched with several interfaces has no public IP: EC2 auto-assigns one only to
 * an instance launched with a single interface, whatever the subnet's MapPublicIpOnLaunch says.
 */
function multipleInterfaces(count: number): string {
  return `launched with ${count} network interfaces, so EC2 auto-assigns no public IP (it does only with one)`;
}

/** The primary (device index 0) entry of a `NetworkInterfaces` list. */
function primaryInterface(value: CfnValue | undefined): Record<string, CfnValue> | undefined {
  const interfaces = asList(value);
  if (interfaces instanceof Unresolved) return undefined;
  const primary = interfaces.find((nic) => isRecord(nic) && String(nic.DeviceIndex ?? '0') === '0');
  return isRecord(primary) ? primary : undefined;
}

/** Versions taken for the data as declared (the default one may lag after an update: README's known gaps). */
const DECLARED_VERSIONS = new Set(['$Latest', '$Default']);
const DECLARED_VERSION_ATTRIBUTES = new Set(['LatestVersionNumber', 'DefaultVersionNumber']);

/**
 * The `LaunchTemplateData` a launch template specification (`LaunchTemplateId` or
 * `LaunchTemplateName`, and `Version`) names, or why it is unknown. A version netcheck cannot
 * tie to the declared data (a literal number, a parameter) still gets the declared data — the
 * only one in the template — and a note on `owner`, so the guess is visible.
 */
function launchTemplateData(
  context: ModelBuilderContext,
  owner: string,
  spec: Record<string, CfnValue>,
): Record<string, CfnValue> | Unresolved {
  const ref = spec.LaunchTemplateId ?? spec.LaunchTemplateName;
  const template = context
    .ofType('AWS::EC2::LaunchTemplate')
    .find((candidate) =>
      ref instanceof ResourceRef
        ? candidate.id === ref.logicalId
        : typeof ref === 'string' && candidate.properties.LaunchTemplateName === ref,
    );
  if (!template) return new Unresolved('its launch template is not in the loaded templates');
  const version = spec.Version;
  const declared =
    version === undefined ||
    (typeof version === 'string' && DECLARED_VERSIONS.has(version)) ||
    (version instanceof ResourceRef &&
      version.logicalId === template.id &&
      DECLARED_VERSION_ATTRIBUTES.has(version.attribute ?? ''));
  if (!declared) {
    const text = version instanceof Unresolved ? `(${version.reason})` : JSON.stringify(version);
    context.diagnose(
      owner,
      `launch template ${template.id} Version ${text.replace(/^"(.*)"$/, '$1')}: which version that is cannot be known before deploy; the network settings declared in ${template.id} are used`,
    );
  }
  return isRecord(template.properties.LaunchTemplateData) ? template.properties.LaunchTemplateData : {};
}

/**
 * An instance's secondary network interfaces, each a workload of its own: its own subnet, groups
 * and address (only an Elastic IP makes one public). Modelled as the instance was, they went
 * unseen: SSH open to the world on a secondary interface's Elastic IP passed (found in review,
 * 2026-12-07).
 */
function secondaryInterfaces(
  context: ModelBuilderContext,
  attachments: ReadonlyMap<string, InterfaceAttachment>,
  withElasticIp: ReadonlyMap<string, ElasticIpOf>,
): void {
  for (const nic of context.ofType(...NETWORK_INTERFACE)) {
    const attachment = attachments.get(nic.id);
    if (!attachment || attachment.primary) continue;
    const subnetIds = subnetOf(context, nic.properties.SubnetId);
    const elasticIp = withElasticIp.get(nic.id);
    addWorkload(context, {
      id: nic.id,
      type: nic.type,
      kind: 'ec2-instance',
      role: 'compute',
      subnetIds,
      securityGroupIds: groupsOrDefault(
        context,
        context.referenceIds(nic.properties.GroupSet, SECURITY_GROUP),
        subnetIds,
      ),
      publicIp: elasticIp?.publicIp ?? false,
      publicIpReason: `a secondary interface of ${attachment.instanceId}: ${elasticIp?.reason ?? 'no Elastic IP (only one makes a secondary interface public)'}`,
      listeningPorts: [],
    });
  }
}

function launchSettings(
  context: ModelBuilderContext,
  group: ResolvedResource,
): { groups: MaybeResolved<string[]>; publicIp?: Tri; publicIpReason?: string } {
  const properties = group.properties;
  const mixed =
    isRecord(properties.MixedInstancesPolicy) && isRecord(properties.MixedInstancesPolicy.LaunchTemplate)
      ? properties.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification
      : undefined;
  const spec = isRecord(properties.LaunchTemplate)
    ? properties.LaunchTemplate
    : isRecord(mixed)
      ? mixed
      : undefined;
  if (spec) {
    const data = launchTemplateData(context, group.id, spec);
    if (data instanceof Unresolved) return { groups: data };
    const nic = primaryInterface(data.NetworkInterfaces);
    const groups = context.referenceIds(nic?.Groups ?? data.SecurityGroupIds, SECURITY_GROUP);
    if (nic?.AssociatePublicIpAddress !== undefined)
      return { groups, publicIp: tri(asBoolean(nic.AssociatePublicIpAddress), 'unknown') };
    const count = interfacesAtLaunch(data.NetworkInterfaces);
    return count > 1 ? { groups, publicIp: false, publicIpReason: multipleInterfaces(count) } : { groups };
  }
  const configRef = properties.LaunchConfigurationName;
  const config =
    configRef instanceof ResourceRef
      ? context.resources.find((r) => r.id === configRef.logicalId)
      : undefined;
  if (!config) return { groups: new Unresolved('launch configuration is not in the loaded templates') };
  return {
    groups: context.referenceIds(config.properties.SecurityGroups, SECURITY_GROUP),
    publicIp:
      config.properties.AssociatePublicIpAddress === undefined
        ? undefined
        : tri(asBoolean(config.properties.AssociatePublicIpAddress), 'unknown'),
  };
}

function autoScalingGroups(context: ModelBuilderContext): void {
  for (const group of context.ofType('AWS::AutoScaling::AutoScalingGroup')) {
    const subnetIds =
      group.properties.VPCZoneIdentifier === undefined
        ? new Unresolved('auto scaling group without VPCZoneIdentifier uses the default VPC')
        : context.referenceIds(group.properties.VPCZoneIdentifier, SUBNET);
    const settings = launchSettings(context, group);
    const publicIp = settings.publicIp ?? publicIpFromSubnets(context, subnetIds);
    addWorkload(context, {
      id: group.id,
      type: group.type,
      kind: 'autoscaling-group',
      role: 'compute',
      subnetIds,
      securityGroupIds: groupsOrDefault(context, settings.groups, subnetIds),
      publicIp,
      publicIpReason:
        settings.publicIpReason ??
        (settings.publicIp === undefined
          ? `subnet MapPublicIpOnLaunch is ${String(publicIp)}`
          : `launch settings AssociatePublicIpAddress is ${String(publicIp)}`),
      listeningPorts: [],
    });
  }
}

/**
 * A load balancer's `Type` (CloudFormation's default: application). An undecided `Fn::If` whose
 * branches agree is that type; otherwise the type is unknown.
 */
function loadBalancerType(value: CfnValue | undefined): MaybeResolved<LoadBalancerType> {
  const named = (text: CfnValue | undefined): LoadBalancerType | undefined =>
    text === undefined || text === 'application'
      ? 'application'
      : text === 'network' || text === 'gateway'
        ? text
        : undefined;
  if (value instanceof Unresolved) {
    const types = value.alternatives?.map(named) ?? [undefined];
    const first = types[0];
    return first !== undefined && types.every((type) => type === first)
      ? first
      : new Unresolved(`Type: ${value.reason}`);
  }
  return named(value) ?? 'application';
}

function loadBalancers(context: ModelBuilderContext): void {
  for (const lb of context.ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const properties = lb.properties;
    const lbType = loadBalancerType(properties.Type);
    // A Gateway Load Balancer takes no Scheme and no client connections: traffic reaches it only
    // through GWLB endpoints that route tables send it to, so it is never internet-facing.
    const schemeText = lbType === 'gateway' ? 'internal' : (asString(properties.Scheme) ?? 'internet-facing');
    const scheme =
      schemeText instanceof Unresolved
        ? schemeText
        : schemeText === 'internal'
          ? 'internal'
          : 'internet-facing';
    let subnetIds: MaybeResolved<string[]> = context.referenceIds(properties.Subnets, SUBNET);
    const mappings = asList(properties.SubnetMappings);
    if (!(subnetIds instanceof Unresolved) && subnetIds.length === 0 && !(mappings instanceof Unresolved)) {
      subnetIds = context.referenceIds(
        mappings.filter(isRecord).map((mapping) => mapping.SubnetId ?? null),
        SUBNET,
      );
    }
    const groups = context.referenceIds(properties.SecurityGroups, SECURITY_GROUP);
    // NLBs may have no security group at all; ALBs without one get the VPC default group. With the
    // type unknown and no groups given, which of the two applies is unknown too: taking it for an
    // ALB answered "blocked by the default group" for what may be an NLB filtering nothing.
    const securityGroupIds =
      lbType instanceof Unresolved && !(groups instanceof Unresolved) && groups.length === 0
        ? new Unresolved(
            `${lb.id} has no SecurityGroups and its Type is unresolved (${lbType.reason}): an Application Load Balancer gets the VPC default group, a Network Load Balancer none`,
          )
        : lbType === 'application'
          ? groupsOrDefault(context, groups, subnetIds)
          : groups;
    const publicIp: Tri = scheme instanceof Unresolved ? 'unknown' : scheme === 'internet-facing';
    addWorkload(context, {
      id: lb.id,
      type: lb.type,
      kind: 'load-balancer',
      role: 'load-balancer',
      subnetIds,
      securityGroupIds,
      publicIp,
      publicIpReason: `Scheme is ${scheme instanceof Unresolved ? 'unresolved' : scheme}`,
      listeningPorts: [],
      unresolvedListeners: [],
      loadBalancer: { scheme, lbType },
    });
  }
  for (const listener of context.ofType('AWS::ElasticLoadBalancingV2::Listener')) {
    const lbRef = listener.properties.LoadBalancerArn;
    const lb = lbRef instanceof ResourceRef ? context.model.workloads.get(lbRef.logicalId) : undefined;
    // A Gateway Load Balancer's listener has no Port or Protocol by design (it forwards every IP
    // packet to its appliances over GENEVE): it listens on no port a client connects to.
    if (!lb || lb.loadBalancer?.lbType === 'gateway') continue;
    const port = asNumber(listener.properties.Port);
    const protocols = listenerProtocols(listener.properties.Protocol);
    if (typeof port === 'number' && !(protocols instanceof Unresolved)) {
      for (const protocol of protocols)
        lb.listeningPorts.push({ port, protocol, reason: `listener ${listener.id}` });
      continue;
    }
    // A listener that cannot be read is not dropped: the port asked about may be its port, so
    // "not listening" would be a guess (the answer is unknown instead).
    const candidates = port instanceof Unresolved ? port.alternatives?.map(asNumber) : [port];
    const ports =
      candidates?.every((candidate): candidate is number => typeof candidate === 'number') === true
        ? candidates
        : undefined;
    const reasons = [
      port instanceof Unresolved
        ? `Port: ${port.reason}`
        : typeof port !== 'number'
          ? 'Port is not a number'
          : '',
      protocols instanceof Unresolved ? `Protocol: ${protocols.reason}` : '',
    ].filter(Boolean);
    lb.unresolvedListeners?.push({
      reason: `listener ${listener.id}: ${reasons.join('; ')}`,
      ports,
      protocols: protocols instanceof Unresolved ? ['tcp', 'udp'] : protocols,
    });
  }
}

/**
 * The transport protocols a listener accepts: UDP listeners UDP, TCP_UDP both, every other protocol
 * (HTTP, HTTPS, TCP, TLS, absent) TCP. Unresolved when the Protocol is.
 */
function listenerProtocols(value: CfnValue | undefined): MaybeResolved<Array<'tcp' | 'udp'>> {
  const text = asString(value);
  if (text instanceof Unresolved) return text;
  if (text === 'UDP') return ['udp'];
  if (text === 'TCP_UDP') return ['tcp', 'udp'];
  return ['tcp'];
}

function forwardedTargetGroups(actions: CfnValue | undefined): string[] {
  const ids: string[] = [];
  const list = asList(actions);
  if (list instanceof Unresolved) return ids;
  for (const action of list) {
    if (!isRecord(action)) continue;
    if (action.TargetGroupArn instanceof ResourceRef) ids.push(action.TargetGroupArn.logicalId);
    const forward = isRecord(action.ForwardConfig) ? asList(action.ForwardConfig.TargetGroups) : [];
    if (forward instanceof Unresolved) continue;
    for (const group of forward) {
      if (isRecord(group) && group.TargetGroupArn instanceof ResourceRef)
        ids.push(group.TargetGroupArn.logicalId);
    }
  }
  return ids;
}

/**
 * A target group's `preserve_client_ip.enabled` attribute, or AWS's default for its target type
 * and protocol: instance targets and UDP/TCP_UDP keep the client address, ip targets over TCP/TLS
 * do not, alb targets never do.
 */
function preserveClientIp(
  properties: Record<string, CfnValue>,
  targetType: MaybeResolved<string> | undefined,
): MaybeResolved<boolean> {
  const attributes = asList(properties.TargetGroupAttributes);
  if (attributes instanceof Unresolved) return new Unresolved('TargetGroupAttributes');
  for (const attribute of attributes) {
    if (!isRecord(attribute) || attribute.Key !== 'preserve_client_ip.enabled') continue;
    const value = asString(attribute.Value);
    if (value instanceof Unresolved) return new Unresolved('preserve_client_ip.enabled');
    return value === 'true';
  }
  if (targetType instanceof Unresolved) return new Unresolved('TargetType');
  const type = targetType ?? 'instance';
  if (type === 'alb' || type === 'lambda') return false;
  if (type === 'instance') return true;
  const protocol = asString(properties.Protocol);
  if (protocol instanceof Unresolved) return new Unresolved('target group Protocol');
  return protocol === 'UDP' || protocol === 'TCP_UDP';
}

function targetGroups(context: ModelBuilderContext): void {
  const groups = context.model.targetGroups;
  for (const resource of context.ofType('AWS::ElasticLoadBalancingV2::TargetGroup')) {
    const port = asNumber(resource.properties.Port);
    const healthText = resource.properties.HealthCheckPort;
    const health = healthText === 'traffic-port' ? undefined : asNumber(healthText);
    const targetTypeText = asString(resource.properties.TargetType);
    const targetType = targetTypeText instanceof Unresolved ? 'unresolved' : (targetTypeText ?? 'instance');
    const targetGroup: TargetGroup = {
      id: resource.id,
      port: typeof port === 'number' ? port : undefined,
      healthCheckPort: typeof health === 'number' ? health : undefined,
      targetType,
      preserveClientIp: preserveClientIp(resource.properties, targetTypeText),
      targets: [],
      loadBalancerIds: [],
    };
    const targets = asList(resource.properties.Targets);
    if (!(targets instanceof Unresolved)) {
      for (const target of targets) {
        if (!isRecord(target) || !(target.Id instanceof ResourceRef)) continue;
        const targetPort = asNumber(target.Port);
        targetGroup.targets.push({
          workloadId: target.Id.logicalId,
          port:
            typeof targetPort === 'number' ? targetPort : (targetGroup.port ?? new Unresolved('target port')),
        });
      }
    }
    groups.set(resource.id, targetGroup);
  }
  const lbOfListener = new Map<string, string>();
  for (const listener of context.ofType('AWS::ElasticLoadBalancingV2::Listener')) {
    const lbRef = listener.properties.LoadBalancerArn;
    if (!(lbRef instanceof ResourceRef)) continue;
    lbOfListener.set(listener.id, lbRef.logicalId);
    for (const groupId of forwardedTargetGroups(listener.properties.DefaultActions))
      groups.get(groupId)?.loadBalancerIds.push(lbRef.logicalId);
  }
  for (const rule of context.ofType('AWS::ElasticLoadBalancingV2::ListenerRule')) {
    const listenerRef = rule.properties.ListenerArn;
    const lbId = listenerRef instanceof ResourceRef ? lbOfListener.get(listenerRef.logicalId) : undefined;
    if (!lbId) continue;
    for (const groupId of forwardedTargetGroups(rule.properties.Actions))
      groups.get(groupId)?.loadBalancerIds.push(lbId);
  }
  for (const service of context.ofType('AWS::ECS::Service')) {
    const entries = asList(service.properties.LoadBalancers);
    if (entries instanceof Unresolved) continue;
    for (const entry of entries) {
      if (!isRecord(entry) || !(entry.TargetGroupArn instanceof ResourceRef)) continue;
      const containerPort = asNumber(entry.ContainerPort);
      groups.get(entry.TargetGroupArn.logicalId)?.targets.push({
        workloadId: service.id,
        port: typeof containerPort === 'number' ? containerPort : new Unresolved('ContainerPort'),
      });
    }
  }
  for (const asg of context.ofType('AWS::AutoScaling::AutoScalingGroup')) {
    const arns = asList(asg.properties.TargetGroupARNs);
    if (arns instanceof Unresolved) continue;
    for (const arn of arns) {
      if (!(arn instanceof ResourceRef)) continue;
      const group = groups.get(arn.logicalId);
      group?.targets.push({ workloadId: asg.id, port: group.port ?? new Unresolved('target group port') });
    }
  }
  for (const group of groups.values()) {
    group.loadBalancerIds.splice(0, group.loadBalancerIds.length, ...new Set(group.loadBalancerIds));
    for (const target of group.targets) {
      const workload = context.model.workloads.get(target.workloadId);
      if (!workload) continue;
      const ports = [target.port, group.healthCheckPort].filter(
        (port): port is number => typeof port === 'number',
      );
      for (const port of ports) {
        if (!workload.listeningPorts.some((existing) => existing.port === port)) {
          workload.listeningPorts.push({ port, protocol: 'tcp', reason: `target of ${group.id}` });
        }
      }
    }
  }
}

/**
 * AWS's rule when PubliclyAccessible is not set and a DB subnet group is given: the database is
 * public exactly when the subnets' VPC has an internet gateway attached (CreateDBInstance docs).
 */
function defaultPubliclyAccessible(context: ModelBuilderContext, subnetIds: MaybeResolved<string[]>): Tri {
  if (subnetIds instanceof Unresolved || subnetIds.length === 0) return 'unknown';
  const subnet = context.model.subnets.get(subnetIds[0] as string);
  if (!subnet) return 'unknown';
  const attachment = internetGatewayAttachment(context.model, subnet.vpcId);
  if (attachment.kind === 'attached') return true;
  return attachment.kind === 'unknown' ? 'unknown' : false;
}

/** A database's (or a cluster member's) PubliclyAccessible as written. */
type PubliclyAccessibleSetting = boolean | 'unset' | Unresolved;

function publiclyAccessibleSetting(value: CfnValue | undefined): PubliclyAccessibleSetting {
  if (value === undefined) return 'unset';
  const flag = asBoolean(value);
  if (typeof flag === 'boolean') return flag;
  // An undecided Fn::If whose branches agree is that value.
  const branches = value instanceof Unresolved ? value.alternatives?.map(asBoolean) : undefined;
  if (
    branches?.length &&
    typeof branches[0] === 'boolean' &&
    branches.every((branch) => branch === branches[0])
  )
    return branches[0];
  return flag instanceof Unresolved ? flag : new Unresolved('PubliclyAccessible is null');
}

function databases(context: ModelBuilderContext): void {
  const clusterMembers = new Map<string, PubliclyAccessibleSetting[]>();
  for (const instance of context.ofType('AWS::RDS::DBInstance')) {
    const cluster = instance.properties.DBClusterIdentifier;
    if (cluster instanceof ResourceRef) {
      const list = clusterMembers.get(cluster.logicalId) ?? [];
      list.push(publiclyAccessibleSetting(instance.properties.PubliclyAccessible));
      clusterMembers.set(cluster.logicalId, list);
    }
  }
  for (const db of context.ofType('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster')) {
    const properties = db.properties;
    if (db.type === 'AWS::RDS::DBInstance' && properties.DBClusterIdentifier !== undefined) continue;
    const engineText = asString(properties.Engine);
    const engine = typeof engineText === 'string' ? engineText : undefined;
    const portValue = asNumber(properties.Port);
    // An unresolved Port is not the engine's default: the database may listen anywhere.
    const port =
      typeof portValue === 'number'
        ? portValue
        : portValue instanceof Unresolved
          ? undefined
          : defaultDatabasePort(engine);
    const portUnknown =
      portValue instanceof Unresolved
        ? `Port: ${portValue.reason}`
        : port === undefined
          ? `no Port is given and the default port of engine ${engineText instanceof Unresolved ? `(unresolved: ${engineText.reason})` : (engine ?? '(none)')} is unknown`
          : undefined;
    const groupRef = properties.DBSubnetGroupName;
    const subnetGroup =
      groupRef instanceof ResourceRef
        ? context.resources.find((r) => r.id === groupRef.logicalId)
        : undefined;
    const subnetIds: MaybeResolved<string[]> = subnetGroup
      ? context.referenceIds(subnetGroup.properties.SubnetIds, SUBNET)
      : new Unresolved(
          groupRef === undefined
            ? 'no DBSubnetGroupName: the database is placed in the default VPC'
            : 'DB subnet group is not in the loaded templates',
        );
    const groupsKey = db.type === 'AWS::RDS::DBCluster' ? 'VpcSecurityGroupIds' : 'VPCSecurityGroups';
    const groups = groupsOrDefault(
      context,
      context.referenceIds(properties[groupsKey], SECURITY_GROUP),
      subnetIds,
    );
    let publiclyAccessible: Tri;
    let reason: string;
    // A cluster's own PubliclyAccessible (Multi-AZ DB clusters) decides when set; Aurora sets it
    // on the member instances, so a cluster without it is public when any member is.
    // A member (or the database itself) without the setting gets AWS's default; an unresolved one
    // may be either (read as the default, it gave a definite answer with a false explanation).
    const settings =
      db.type === 'AWS::RDS::DBCluster' && properties.PubliclyAccessible === undefined
        ? (clusterMembers.get(db.id) ?? ['unset'])
        : [publiclyAccessibleSetting(properties.PubliclyAccessible)];
    const unresolved = settings.find((setting) => setting instanceof Unresolved);
    const byDefault = settings.includes('unset') ? defaultPubliclyAccessible(context, subnetIds) : undefined;
    if (settings.includes(true)) {
      publiclyAccessible = true;
      reason = 'PubliclyAccessible is true';
    } else if (byDefault === true || byDefault === 'unknown') {
      publiclyAccessible = byDefault;
      reason =
        publiclyAccessible === 'unknown'
          ? 'PubliclyAccessible is not set and the VPC’s internet gateway attachment is unknown'
          : 'PubliclyAccessible is not set; AWS defaults it to true because the VPC has internet gateway attached';
    } else if (unresolved) {
      publiclyAccessible = 'unknown';
      reason = `PubliclyAccessible is unresolved (${unresolved.reason})`;
    } else if (byDefault === false) {
      publiclyAccessible = false;
      reason =
        'PubliclyAccessible is not set; AWS defaults it to false because the VPC has no internet gateway attached';
    } else {
      publiclyAccessible = false;
      reason = 'PubliclyAccessible is false';
    }
    addWorkload(context, {
      id: db.id,
      type: db.type,
      kind: db.type === 'AWS::RDS::DBCluster' ? 'rds-cluster' : 'rds-instance',
      role: 'database',
      subnetIds,
      securityGroupIds: groups,
      publicIp: publiclyAccessible,
      publicIpReason: reason,
      listeningPorts:
        port === undefined
          ? []
          : [
              {
                port,
                protocol: 'tcp',
                reason: portValue === port ? 'Port property' : `default port of ${engine}`,
              },
            ],
      listeningPortUnknown: portUnknown,
      engine,
      publiclyAccessible,
    });
  }
}

/**
 * Hosted rotation functions: Secrets Manager's transform turns a RotationSchedule's
 * HostedRotationLambda into a Lambda function placed in VpcSubnetIds with VpcSecurityGroupIds
 * (without them it runs outside any VPC). Modelled as compute so the engine answers its paths; a
 * schedule naming its own RotationLambdaARN is left to that function's workload.
 */
function secretRotations(context: ModelBuilderContext, raw: ReadonlyMap<string, JsonObject>): void {
  for (const schedule of context.ofType('AWS::SecretsManager::RotationSchedule')) {
    const hosted = schedule.properties.HostedRotationLambda;
    if (hosted === undefined) continue;
    const lambda = member({ value: schedule.properties, raw: raw.get(schedule.id) }, 'HostedRotationLambda');
    const rotationType = isRecord(hosted) ? asString(hosted.RotationType) : undefined;
    const base = {
      id: schedule.id,
      type: schedule.type,
      kind: 'secret-rotation' as const,
      role: 'compute' as const,
      publicIp: false,
      publicIpReason: 'Lambda network interfaces never receive a public IP address',
      listeningPorts: [],
      secretRotation: {
        secretId:
          schedule.properties.SecretId instanceof ResourceRef
            ? schedule.properties.SecretId.logicalId
            : undefined,
        rotationType: typeof rotationType === 'string' ? rotationType : '(unresolved RotationType)',
        databaseId: rotatedDatabase(context, schedule),
      },
    };
    const subnetsOf = member(lambda, 'VpcSubnetIds');
    if (subnetsOf.value === undefined && !(hosted instanceof Unresolved)) {
      addWorkload(context, { ...base, subnetIds: [], securityGroupIds: [], outsideVpc: true });
      continue;
    }
    const prefix = templatePrefix(schedule.id);
    const subnetIds =
      hosted instanceof Unresolved ? hosted : commaSeparatedIds(context, subnetsOf, prefix, SUBNET);
    const groupsOf = member(lambda, 'VpcSecurityGroupIds');
    const groups =
      hosted instanceof Unresolved
        ? hosted
        : groupsOf.value === undefined
          ? []
          : commaSeparatedIds(context, groupsOf, prefix, SECURITY_GROUP);
    addWorkload(context, {
      ...base,
      subnetIds,
      securityGroupIds: groupsOrDefault(context, groups, subnetIds),
    });
  }
}

/** Finds which Lambda functions the internet can invoke (API Gateway, HTTP APIs, function URLs, SAM events). */
function internetInvokers(
  context: ModelBuilderContext,
  raw: ReadonlyMap<string, JsonObject>,
): Map<string, string[]> {
  const byFunction = new Map<string, string[]>();
  const functionIds = new Set(
    context.ofType('AWS::Lambda::Function', 'AWS::Serverless::Function').map((fn) => fn.id),
  );
  const prefixOf = (id: string): string => id.slice(0, id.length - (id.split('/').pop()?.length ?? 0));
  const refsOf = (resourceId: string, value: JsonObject[keyof JsonObject] | undefined): string[] =>
    [...referencedLogicalIds(value)].map((id) => prefixOf(resourceId) + id);
  // A function URL or permission may name an alias or a version (`TargetFunctionArn: !Ref Live`):
  // what it invokes is the alias's / version's function.
  const qualified = new Map<string, string[]>();
  for (const resource of context.ofType('AWS::Lambda::Alias', 'AWS::Lambda::Version'))
    qualified.set(resource.id, refsOf(resource.id, raw.get(resource.id)?.FunctionName));
  const add = (id: string, via: string): void => {
    for (const fnId of functionIds.has(id) ? [id] : (qualified.get(id) ?? [])) {
      if (!functionIds.has(fnId)) continue;
      const list = byFunction.get(fnId) ?? [];
      if (!list.includes(via)) list.push(via);
      byFunction.set(fnId, list);
    }
  };
  for (const resource of context.resources) {
    const properties = raw.get(resource.id) ?? {};
    const refs = (value: JsonObject[keyof JsonObject] | undefined): string[] => refsOf(resource.id, value);
    if (resource.type === 'AWS::ApiGateway::Method') {
      for (const fnId of refs(properties.Integration)) add(fnId, `API Gateway ${resource.id}`);
    } else if (resource.type === 'AWS::ApiGateway::RestApi' || resource.type === 'AWS::ApiGatewayV2::Api') {
      // An OpenAPI Body's x-amazon-apigateway-integration URIs (or an HTTP API's quick-create
      // Target) name the functions the API invokes.
      for (const fnId of [...refs(properties.Body), ...refs(properties.Target)])
        add(fnId, `API ${resource.id}`);
    } else if (resource.type === 'AWS::ApiGatewayV2::Integration') {
      for (const fnId of refs(properties.IntegrationUri)) add(fnId, `HTTP API ${resource.id}`);
    } else if (resource.type === 'AWS::Lambda::Url') {
      for (const fnId of refs(properties.TargetFunctionArn)) add(fnId, `function URL ${resource.id}`);
    } else if (resource.type === 'AWS::Lambda::Permission') {
      const principal = asString(resource.properties.Principal);
      if (typeof principal === 'string' && principal.startsWith('apigateway.')) {
        for (const fnId of refs(properties.FunctionName))
          add(fnId, `API Gateway (permission ${resource.id})`);
      }
    } else if (resource.type === 'AWS::Serverless::Function') {
      const events = resource.properties.Events;
      if (!isRecord(events)) continue;
      for (const [name, event] of Object.entries(events)) {
        if (isRecord(event) && (event.Type === 'Api' || event.Type === 'HttpApi'))
          add(resource.id, `SAM ${event.Type} event ${name}`);
      }
      if (resource.properties.FunctionUrlConfig !== undefined) add(resource.id, 'SAM FunctionUrlConfig');
    }
  }
  return byFunction;
}

/** Builds workloads (compute, load balancers, databases) and target groups into the context's model. */
export function buildWorkloads(context: ModelBuilderContext, raw: ReadonlyMap<string, JsonObject>): void {
  lambdaFunctions(context, raw, internetInvokers(context, raw));
  ecsServices(context, raw);
  ec2Instances(context);
  autoScalingGroups(context);
  loadBalancers(context);
  databases(context);
  secretRotations(context, raw);
  targetGroups(context);
  lambdaTargets(context);
}

/** Records which load balancers invoke a function through a `TargetType: lambda` target group. */
function lambdaTargets(context: ModelBuilderContext): void {
  const { workloads } = context.model;
  for (const group of context.model.targetGroups.values()) {
    if (group.targetType !== 'lambda') continue;
    for (const target of group.targets) {
      const fn = workloads.get(target.workloadId);
      if (fn?.kind !== 'lambda-function') continue;
      const invokers = new Set([...(fn.loadBalancerInvokers ?? []), ...group.loadBalancerIds]);
      workloads.set(fn.id, { ...fn, loadBalancerInvokers: [...invokers] });
    }
  }
}
