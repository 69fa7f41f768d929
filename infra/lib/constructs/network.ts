import { Annotations, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { cidrContains, cidrsOverlap, type Ipv4Block, parseCidr } from '../cidr.js';
import { RestrictedDefaultSecurityGroup } from './default-security-group.js';

/** One subnet of a {@link NetworkLayout}: an exact CIDR in a named availability zone. */
export interface SubnetSpec {
  /** IPv4 CIDR of the subnet, e.g. `10.0.0.16/28`. Must lie inside the VPC CIDR. */
  readonly cidr: string;
  /** Availability zone name, e.g. `ap-southeast-2a`. */
  readonly availabilityZone: string;
}

/**
 * The exact shape of a VPC. CDK's `ec2.Vpc` spreads every subnet group over every AZ and
 * allocates CIDRs itself; the seeds' networks (one public /28 beside three private /28s) need
 * exact blocks, so the layout is spelled out subnet by subnet.
 */
export interface NetworkLayout {
  /** VPC CIDR, between /16 and /28 (the limits AWS accepts). */
  readonly vpcCidr: string;
  /** Subnets routed to the internet gateway. They host NAT gateways and load balancers. */
  readonly publicSubnets: readonly SubnetSpec[];
  /** Subnets whose default route goes to a NAT gateway: compute that must call out (SES, ECR, Secrets Manager). */
  readonly privateSubnets: readonly SubnetSpec[];
  /**
   * Subnets without any route out of the VPC: databases.
   * @default - none; stateful services then use the private subnets
   */
  readonly isolatedSubnets?: readonly SubnetSpec[];
  /**
   * NAT gateways, each with its own Elastic IP, placed in public subnets of distinct AZs.
   * A private subnet routes to the NAT in its own AZ, or to the first NAT when its AZ has none.
   */
  readonly natGateways: number;
}

/** What the rest of the app needs from a VPC, whether CloudNest created it or imported it. */
export interface INetwork {
  readonly vpc: ec2.IVpc;
  /** Subnets with a route to the internet gateway. */
  readonly publicSubnets: ec2.ISubnet[];
  /** Subnets with a default route to a NAT gateway. */
  readonly privateSubnets: ec2.ISubnet[];
  /** Subnets without a route out of the VPC. */
  readonly isolatedSubnets: ec2.ISubnet[];
  /** Where databases go: the isolated subnets when there are any, else the private ones. */
  readonly dataSubnets: ec2.ISubnet[];
}

/** Props of {@link Network}. */
export interface NetworkProps {
  /** Subnets, CIDRs and NAT gateways to create. Validated before anything is created. */
  readonly layout: NetworkLayout;
  /**
   * Retention of the VPC flow log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/** Attributes of an existing VPC to deploy into (seed 000's SAM parameters). */
export interface ExistingNetworkAttributes {
  /** `vpc-…` id. */
  readonly vpcId: string;
  /** AZs the given subnets are in; only used to satisfy `Vpc.fromVpcAttributes` (no lookups). */
  readonly availabilityZones: string[];
  /** Subnets with NAT egress where the API compute runs (`LambdaSubnetIds` in seed 000). */
  readonly privateSubnetIds: string[];
  /**
   * Public subnets, needed only by topologies with a load balancer.
   * @default - none
   */
  readonly publicSubnetIds?: string[];
  /**
   * Subnets without egress for a database CloudNest creates.
   * @default - none
   */
  readonly isolatedSubnetIds?: string[];
  /**
   * CIDR of the VPC, when known.
   * @default - unknown; nothing in CloudNest requires it
   */
  readonly vpcCidrBlock?: string;
}

/**
 * The ids of the public subnets every {@link Network} handed out, created or imported, per app
 * (the construct tree's root). Its VPC reference cannot list them: `Vpc.fromVpcAttributes` spreads
 * subnet ids over the AZs in equal groups, which cannot express nest-vpc's one public /28 beside
 * three AZs, so `vpc.publicSubnets` is empty and a guard reading it would pass anything. By id, so
 * the same subnet imported again (`Subnet.fromSubnetId`) is still known as public; per app, since
 * an imported id means a subnet of one account and region.
 */
const networkPublicSubnetIds = new WeakMap<IConstruct, Set<string>>();

function registerPublicSubnets(subnets: readonly ec2.ISubnet[]): void {
  for (const subnet of subnets) {
    const root = subnet.node.root;
    const ids = networkPublicSubnetIds.get(root) ?? new Set<string>();
    networkPublicSubnetIds.set(root, ids.add(subnet.subnetId));
  }
}

/**
 * True when `subnet` routes to an internet gateway: a public subnet of a {@link Network} (created
 * or imported), or one `vpc` itself lists as public (a full `ec2.Vpc`). Compute that must stay
 * private checks its subnets with this rather than with `vpc.publicSubnets` alone.
 */
export function isPublicSubnet(subnet: ec2.ISubnet, vpc: ec2.IVpc): boolean {
  return (
    networkPublicSubnetIds.get(subnet.node.root)?.has(subnet.subnetId) === true ||
    vpc.publicSubnets.some((p) => p.subnetId === subnet.subnetId)
  );
}

const MIN_PREFIX = 16;
const MAX_PREFIX = 28;

/**
 * Validates a layout and returns every problem found (empty when it is valid), so a preset
 * with several mistakes is fixed in one pass.
 */
export function layoutProblems(layout: NetworkLayout): string[] {
  const problems: string[] = [];
  let vpcBlock: Ipv4Block | undefined;
  try {
    vpcBlock = parseCidr(layout.vpcCidr);
    if (vpcBlock.prefix < MIN_PREFIX || vpcBlock.prefix > MAX_PREFIX) {
      problems.push(`VPC CIDR ${layout.vpcCidr} must be between /${MIN_PREFIX} and /${MAX_PREFIX}`);
    }
  } catch (error) {
    problems.push(`VPC CIDR: ${(error as Error).message}`);
  }

  const all: { kind: string; spec: SubnetSpec; block: Ipv4Block }[] = [];
  const groups: [string, readonly SubnetSpec[]][] = [
    ['public', layout.publicSubnets],
    ['private', layout.privateSubnets],
    ['isolated', layout.isolatedSubnets ?? []],
  ];
  for (const [kind, specs] of groups) {
    for (const spec of specs) {
      if (!spec.availabilityZone) problems.push(`${kind} subnet ${spec.cidr} has no availability zone`);
      let block: Ipv4Block;
      try {
        block = parseCidr(spec.cidr);
      } catch (error) {
        problems.push(`${kind} subnet: ${(error as Error).message}`);
        continue;
      }
      if (block.prefix < MIN_PREFIX || block.prefix > MAX_PREFIX) {
        problems.push(`${kind} subnet ${spec.cidr} must be between /${MIN_PREFIX} and /${MAX_PREFIX}`);
      }
      if (vpcBlock && !cidrContains(vpcBlock, block)) {
        problems.push(`${kind} subnet ${spec.cidr} does not fit in the VPC CIDR ${layout.vpcCidr}`);
      }
      for (const other of all) {
        if (cidrsOverlap(other.block, block)) {
          problems.push(`${kind} subnet ${spec.cidr} overlaps ${other.kind} subnet ${other.spec.cidr}`);
        }
      }
      all.push({ kind, spec, block });
    }
  }
  if (all.length === 0) problems.push('the layout has no subnets');

  const nat = layout.natGateways;
  if (!Number.isInteger(nat) || nat < 0) problems.push(`natGateways must be a whole number >= 0, got ${nat}`);
  const publicAzs = new Set(layout.publicSubnets.map((s) => s.availabilityZone));
  if (nat > publicAzs.size) {
    problems.push(
      `natGateways is ${nat} but public subnets cover only ${publicAzs.size} AZ(s): each NAT needs a public subnet in its own AZ`,
    );
  }
  if (layout.privateSubnets.length > 0 && nat < 1) {
    problems.push('private subnets need at least one NAT gateway (without one they are isolated subnets)');
  }
  return problems;
}

/** Throws one error listing every problem of the layout. */
export function validateLayout(layout: NetworkLayout): void {
  const problems = layoutProblems(layout);
  if (problems.length > 0) throw new Error(`Invalid network layout:\n  - ${problems.join('\n  - ')}`);
}

/**
 * A VPC built subnet by subnet from a {@link NetworkLayout}: internet gateway for the public
 * subnets, NAT gateways with Elastic IPs (seed 003's NAT had none, so nothing behind it could
 * leave the VPC), `0.0.0.0/0` default routes (seed 000 routed `0.0.0.0/16` to its NAT, which
 * matches almost nothing), isolated subnets without routes, an S3 gateway endpoint for the
 * private subnets, and VPC flow logs.
 */
export class Network extends Construct implements INetwork {
  /**
   * Uses an existing VPC instead of creating one. Nothing is looked up: every id is given.
   */
  static fromExisting(scope: Construct, id: string, attrs: ExistingNetworkAttributes): INetwork {
    const problems: string[] = [];
    if (!/^vpc-[0-9a-f]{8,17}$/.test(attrs.vpcId)) problems.push(`"${attrs.vpcId}" is not a VPC id (vpc-…)`);
    const allSubnetIds = [
      ...attrs.privateSubnetIds,
      ...(attrs.publicSubnetIds ?? []),
      ...(attrs.isolatedSubnetIds ?? []),
    ];
    for (const subnetId of allSubnetIds) {
      if (!/^subnet-[0-9a-f]{8,17}$/.test(subnetId))
        problems.push(`"${subnetId}" is not a subnet id (subnet-…)`);
    }
    if (attrs.privateSubnetIds.length === 0) problems.push('at least one private subnet id is required');
    if (attrs.availabilityZones.length === 0) problems.push('availabilityZones must not be empty');
    if (problems.length > 0) throw new Error(`Invalid existing network:\n  - ${problems.join('\n  - ')}`);

    const scoped = new Construct(scope, id);
    const vpc = ec2.Vpc.fromVpcAttributes(scoped, 'Vpc', {
      vpcId: attrs.vpcId,
      availabilityZones: attrs.availabilityZones,
      vpcCidrBlock: attrs.vpcCidrBlock,
    });
    const importSubnets = (kind: string, ids: readonly string[] = []) =>
      ids.map((subnetId, i) => {
        const subnet = ec2.Subnet.fromSubnetId(scoped, `${kind}${i + 1}`, subnetId);
        // Nothing in CloudNest reads an imported subnet's route table.
        Annotations.of(subnet).acknowledgeWarning(
          '@aws-cdk/aws-ec2:noSubnetRouteTableId',
          'route tables are not used',
        );
        return subnet;
      });
    const privateSubnets = importSubnets('Private', attrs.privateSubnetIds);
    const isolatedSubnets = importSubnets('Isolated', attrs.isolatedSubnetIds);
    const publicSubnets = importSubnets('Public', attrs.publicSubnetIds);
    registerPublicSubnets(publicSubnets);
    return {
      vpc,
      publicSubnets,
      privateSubnets,
      isolatedSubnets,
      dataSubnets: isolatedSubnets.length > 0 ? isolatedSubnets : privateSubnets,
    };
  }

  readonly vpc: ec2.IVpc;
  readonly publicSubnets: ec2.ISubnet[];
  readonly privateSubnets: ec2.ISubnet[];
  readonly isolatedSubnets: ec2.ISubnet[];
  readonly dataSubnets: ec2.ISubnet[];
  /** The NAT gateways, in the order of the public subnets that hold them. */
  readonly natGateways: ec2.CfnNatGateway[];
  /** The layout the network was built from. */
  readonly layout: NetworkLayout;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    validateLayout(props.layout);
    const { layout } = props;
    this.layout = layout;

    const cfnVpc = new ec2.CfnVPC(this, 'Vpc', {
      cidrBlock: layout.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
    });
    Tags.of(cfnVpc).add('Name', this.node.path);
    new RestrictedDefaultSecurityGroup(this, 'DefaultSecurityGroup', {
      securityGroupId: cfnVpc.attrDefaultSecurityGroup,
      logRetention: props.flowLogRetention,
    });
    const isolatedSpecs = layout.isolatedSubnets ?? [];
    const availabilityZones = [
      ...new Set(
        [...layout.publicSubnets, ...layout.privateSubnets, ...isolatedSpecs].map((s) => s.availabilityZone),
      ),
    ];
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'VpcRef', {
      vpcId: cfnVpc.ref,
      vpcCidrBlock: layout.vpcCidr,
      availabilityZones,
    });

    const makeSubnet = <T extends ec2.Subnet>(
      kind: 'Public' | 'Private' | 'Isolated',
      spec: SubnetSpec,
      index: number,
      ctor: new (scope: Construct, id: string, props: ec2.SubnetProps) => T,
    ): T => {
      const subnet = new ctor(this, `${kind}${index + 1}`, {
        vpcId: cfnVpc.ref,
        availabilityZone: spec.availabilityZone,
        cidrBlock: spec.cidr,
        // Nothing gets a public IP by accident: the one task that wants one asks explicitly.
        mapPublicIpOnLaunch: false,
      });
      Tags.of(subnet).add('Name', `${this.node.path}/${kind}${index + 1}`);
      Tags.of(subnet).add('aws-cdk:subnet-type', kind);
      Validations.of(subnet).acknowledge({
        id: 'CloudFormation-Validate::W3010',
        reason: 'Presets name their AZs on purpose: the seeds’ networks pin each subnet to a zone.',
      });
      return subnet;
    };

    const publicSubnets = layout.publicSubnets.map((spec, i) =>
      makeSubnet('Public', spec, i, ec2.PublicSubnet),
    );
    if (publicSubnets.length > 0) {
      const igw = new ec2.CfnInternetGateway(this, 'InternetGateway');
      Tags.of(igw).add('Name', this.node.path);
      const attachment = new ec2.CfnVPCGatewayAttachment(this, 'InternetGatewayAttachment', {
        vpcId: cfnVpc.ref,
        internetGatewayId: igw.ref,
      });
      for (const subnet of publicSubnets) subnet.addDefaultInternetRoute(igw.ref, attachment);
    }

    // One NAT per distinct AZ, in the first public subnet of that AZ.
    const natHosts: ec2.PublicSubnet[] = [];
    for (const subnet of publicSubnets) {
      if (natHosts.length === layout.natGateways) break;
      if (!natHosts.some((h) => h.availabilityZone === subnet.availabilityZone)) natHosts.push(subnet);
    }
    const nats = natHosts.map((host) => ({ az: host.availabilityZone, nat: host.addNatGateway() }));
    this.natGateways = nats.map((n) => n.nat);

    const privateSubnets = layout.privateSubnets.map((spec, i) => {
      const subnet = makeSubnet('Private', spec, i, ec2.PrivateSubnet);
      const nat = nats.find((n) => n.az === spec.availabilityZone) ?? nats[0];
      // validateLayout guarantees a NAT exists whenever there are private subnets.
      if (nat) subnet.addDefaultNatRoute(nat.nat.ref);
      return subnet;
    });
    const isolatedSubnets = isolatedSpecs.map((spec, i) =>
      makeSubnet('Isolated', spec, i, ec2.PrivateSubnet),
    );

    this.publicSubnets = publicSubnets;
    registerPublicSubnets(publicSubnets);
    this.privateSubnets = privateSubnets;
    this.isolatedSubnets = isolatedSubnets;
    this.dataSubnets = isolatedSubnets.length > 0 ? isolatedSubnets : privateSubnets;

    if (privateSubnets.length > 0) {
      // Free, and keeps S3 traffic (uploads HEAD/DELETE, ECR layers) off the NAT.
      this.vpc.addGatewayEndpoint('S3Endpoint', {
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: [{ subnets: privateSubnets }],
      });
    }

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new ec2.FlowLog(this, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }
}
