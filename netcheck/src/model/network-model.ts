import type { IntervalSet } from '../net/interval-set.js';
import type { Cidr } from '../net/ipv4.js';
import type { Unresolved } from '../template/template-values.js';

/** Three-valued answer: true, false, or unknown because some input could not be resolved offline. */
export type Tri = boolean | 'unknown';

/** A value that may be unresolved. */
export type MaybeResolved<T> = T | Unresolved;

/** IP protocol of a rule or flow. Numbers other than 1/6/17/58 are kept as their number in text. */
export type IpProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'all' | `proto-${number}`;

/** Where a model element came from, for messages. */
export interface SourceLocation {
  /** Model id of the resource (logical id, prefixed by stack name when several templates are loaded). */
  readonly resource: string;
  /** CloudFormation type. */
  readonly type: string;
}

/** A VPC from the template, or an external one referenced by id (whose contents are unknown). */
export interface Vpc {
  readonly id: string;
  /** True when the VPC is not declared in the loaded templates (a parameter or literal id). */
  readonly external: boolean;
  /** Resolved IPv4 CIDRs: primary plus AWS::EC2::VPCCidrBlock associations. */
  readonly cidrs: Cidr[];
  /** Reasons for CIDRs that could not be resolved (IPAM pools, imports…). */
  readonly unresolvedCidrs: string[];
  /** Synthetic id of the VPC's main route table (only the local route for template VPCs). */
  readonly mainRouteTableId: string;
  /** Synthetic id of the VPC's default network ACL (allows everything). */
  readonly defaultNetworkAclId: string;
  /** Synthetic id of the VPC's default security group. */
  readonly defaultSecurityGroupId: string;
  /**
   * EnableDnsSupport / EnableDnsHostnames (CloudFormation defaults: true / false); interface
   * endpoints' private DNS needs both. Unknown for VPCs outside the templates.
   */
  readonly dnsSupport: Tri;
  readonly dnsHostnames: Tri;
  /**
   * Routes of the VPC's tables whose `GatewayId` names a gateway outside the templates that may be
   * an internet gateway (one reason each). EC2 rejects a route to an internet gateway that is not
   * attached to the route table's VPC, so such a route is evidence that one may be attached.
   */
  readonly possibleInternetGatewayRoutes: string[];
}

/**
 * The Availability Zone a subnet is in, as far as the template says: a zone name
 * (`AvailabilityZone`), a zone id (`AvailabilityZoneId`; names map to ids differently per
 * account, so the two cannot be compared), an entry of `Fn::GetAZs` (positional: entries at
 * different positions are different zones, but which name an entry is depends on the account), or
 * unknown (not given — AWS then picks a zone — or unresolved).
 */
export type SubnetZone =
  | { readonly kind: 'name' | 'id' | 'position'; readonly value: string }
  | { readonly kind: 'unknown'; readonly reason: string };

/** A subnet. */
export interface Subnet {
  readonly id: string;
  readonly vpcId: string;
  readonly external: boolean;
  readonly cidr: MaybeResolved<Cidr>;
  /** MapPublicIpOnLaunch (false when absent). */
  readonly mapPublicIpOnLaunch: Tri;
  /** Route table in effect: the explicitly associated one, else the VPC's main table. */
  readonly routeTableId: string;
  /** True when an AWS::EC2::SubnetRouteTableAssociation names this subnet. */
  readonly explicitRouteTable: boolean;
  /** Network ACL in effect: the associated one, else the VPC's default NACL. */
  readonly networkAclId: string;
  readonly zone: SubnetZone;
}

/** Destination of a route. */
export type RouteDestination =
  | { readonly kind: 'cidr'; readonly cidr: Cidr }
  /** A gateway endpoint's managed prefix list (AWS service addresses), or a customer prefix list. */
  | { readonly kind: 'prefix-list'; readonly service?: string; readonly label: string }
  | { readonly kind: 'unresolved'; readonly reason: string };

/** Where a route sends traffic. */
export type RouteTarget =
  | { readonly kind: 'local' }
  | { readonly kind: 'internet-gateway'; readonly id: string }
  | { readonly kind: 'nat-gateway'; readonly id: string }
  | { readonly kind: 'vpc-endpoint'; readonly id: string }
  /**
   * A target type netcheck does not follow (peering, transit gateway, VPN gateway, instance, ENI…).
   * `mayBeInternetGateway`: a `GatewayId` naming a gateway outside the templates (a literal
   * `igw-…`, a parameter, an import of an unloaded stack), which may be the VPC's internet gateway.
   */
  | {
      readonly kind: 'unsupported';
      readonly id: string;
      readonly targetType: string;
      readonly mayBeInternetGateway?: true;
    }
  /** A reference to a resource that is not created (false Condition) or of the wrong type. */
  | { readonly kind: 'missing'; readonly id: string; readonly reason: string }
  | { readonly kind: 'unresolved'; readonly reason: string; readonly mayBeInternetGateway?: true };

/** A route in a route table. */
export interface Route {
  /** Model id of the AWS::EC2::Route (or `<table>.local` for local routes). */
  readonly id: string;
  readonly routeTableId: string;
  readonly destination: RouteDestination;
  readonly target: RouteTarget;
  /** Set when the route's own existence depends on an unresolved Condition. */
  readonly uncertain?: string;
  /** True when the RouteTableId is unresolved: the route is listed (uncertain) in every table it may be in. */
  readonly tableUnresolved?: boolean;
}

/** A route table (template or synthetic main table). */
export interface RouteTable {
  readonly id: string;
  readonly vpcId: string;
  /** True for the synthetic main table of a VPC. */
  readonly main: boolean;
  readonly routes: Route[];
  /** Set when the table's contents are unknown (main table of an external VPC). */
  readonly unknownContents?: string;
  /**
   * IPv6 routes to the internet (`::/0` → IGW or egress-only IGW). Flows are IPv4, but a subnet
   * with these is reachable over IPv6, so a definite "not reachable" over IPv4 becomes unknown.
   */
  readonly ipv6InternetRoutes?: Ipv6InternetRoute[];
  /**
   * Route propagation into the table (`AWS::EC2::VPNGatewayRoutePropagation`), one reason each:
   * it learns routes from on-premises that are not in the template (a default route among them
   * is forced tunnelling), so where it has no route of its own, one may be learned.
   */
  readonly routePropagations?: string[];
}

/** An IPv6 route to the internet, kept only to qualify IPv4 answers. */
export interface Ipv6InternetRoute {
  readonly id: string;
  /** `::/0 → Igw`. */
  readonly text: string;
  /** Egress-only internet gateways carry outbound connections only. */
  readonly egressOnly: boolean;
}

/** An internet gateway and the VPCs it is attached to. */
export interface InternetGateway {
  readonly id: string;
  readonly attachedVpcIds: string[];
  /** Reasons attachments could not be resolved. */
  readonly unresolvedAttachments: string[];
  /**
   * Edge route tables (`AWS::EC2::GatewayRouteTableAssociation`): what enters through the gateway
   * is routed by them (ingress routing, e.g. to a firewall appliance), not straight to the subnet.
   */
  readonly edgeRouteTableIds: string[];
  /** Edge associations whose route table cannot be resolved: ingress through the gateway is unknown. */
  readonly unresolvedEdgeRouteTables: string[];
}

/** A NAT gateway. */
export interface NatGateway {
  readonly id: string;
  readonly subnetId: MaybeResolved<string>;
  readonly connectivity: MaybeResolved<'public' | 'private'>;
  /** Whether an AllocationId (Elastic IP) is given. */
  readonly hasElasticIp: Tri;
  readonly elasticIpResource?: string;
  readonly elasticIpUnresolved?: string;
  /** Set when an AllocationId is given but cannot be an allocation id (e.g. `!Ref Eip`, the address). */
  readonly elasticIpProblem?: string;
}

/** The peer of a security group rule. */
export type SecurityGroupPeer =
  | { readonly kind: 'cidr'; readonly cidr: Cidr }
  | { readonly kind: 'security-group'; readonly groupId: string }
  /**
   * A prefix list: `addresses` are its entries when the list is declared in the templates,
   * otherwise an Unresolved (a `pl-…` id whose contents are not in the template).
   */
  | { readonly kind: 'prefix-list'; readonly label: string; readonly addresses: IntervalSet | Unresolved }
  /** An IPv6 peer (`CidrIpv6`): never matches IPv4 flows, but `::/0` still exposes a port. */
  | { readonly kind: 'ipv6-cidr'; readonly cidr: MaybeResolved<string> }
  /**
   * A peer that cannot be resolved. `securityGroup`: it is a group (an unresolved
   * SourceSecurityGroupId / name), never addresses; otherwise (an unresolved CidrIp, a rule unknown
   * as a whole) it may be any addresses, the internet included.
   */
  | { readonly kind: 'unresolved'; readonly reason: string; readonly securityGroup?: boolean };

/** How a security group rule came to exist. */
export type SecurityGroupRuleOrigin =
  | 'inline'
  | 'standalone'
  | 'cloudformation-default-egress'
  | 'vpc-default-group'
  | 'cdk-placeholder';

/** One security group rule (ingress or egress). */
export interface SecurityGroupRule {
  /** Human id: `Sg.SecurityGroupIngress[0]`, or the standalone resource's id. */
  readonly id: string;
  readonly groupId: string;
  readonly direction: 'ingress' | 'egress';
  readonly protocol: MaybeResolved<IpProtocol>;
  /** Ports covered (all ports for protocol `all`; ICMP rules carry all ports since they never match tcp/udp). */
  readonly ports: MaybeResolved<IntervalSet>;
  readonly peer: SecurityGroupPeer;
  readonly origin: SecurityGroupRuleOrigin;
  readonly description?: string;
  /** Set when the rule's existence depends on an unresolved Condition. */
  readonly uncertain?: string;
}

/** A security group. External groups (parameters, literal ids) have unknown rules. */
export interface SecurityGroup {
  readonly id: string;
  readonly vpcId?: string;
  readonly external: boolean;
  readonly ingress: SecurityGroupRule[];
  readonly egress: SecurityGroupRule[];
  /** True when egress is CloudFormation's implicit allow-all (no inline SecurityGroupEgress given). */
  readonly defaultEgress: boolean;
  /** True when the only inline egress is CDK's "Disallow all traffic" placeholder. */
  readonly cdkDenyAllEgress: boolean;
}

/** One network ACL entry. */
export interface NetworkAclEntry {
  readonly id: string;
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly action: 'allow' | 'deny';
  readonly protocol: MaybeResolved<IpProtocol>;
  readonly ports: MaybeResolved<IntervalSet>;
  readonly addresses: MaybeResolved<IntervalSet>;
  readonly cidrText: string;
}

/** A network ACL (template or synthetic default, which allows everything). */
export interface NetworkAcl {
  readonly id: string;
  readonly vpcId: string;
  readonly isDefault: boolean;
  /**
   * Entries sorted by rule number; the implicit final deny is not listed. A default ACL has none
   * (allows all) until the templates add entries to it; its built-in #100 allow-all entries are
   * then listed too.
   */
  readonly entries: NetworkAclEntry[];
}

/** A VPC endpoint. */
export interface VpcEndpoint {
  readonly id: string;
  readonly vpcId: string;
  readonly endpointType: 'Gateway' | 'Interface' | 'GatewayLoadBalancer';
  /** Short service name (`s3`, `dynamodb`, `secretsmanager`…) or unresolved. */
  readonly service: MaybeResolved<string>;
  /** Route tables a gateway endpoint certainly routes (those it may route get uncertain routes). */
  readonly routeTableIds: string[];
  /** Subnets of an interface endpoint's network interfaces that could be resolved. */
  readonly subnetIds: string[];
  /** Set when some of SubnetIds cannot be resolved: the endpoint may have interfaces elsewhere. */
  readonly unresolvedSubnets?: string;
  /** Security groups of an interface endpoint; unresolved when any of them cannot be resolved. */
  readonly securityGroupIds: MaybeResolved<string[]>;
  /** PrivateDnsEnabled (CloudFormation's default: false); unknown when unresolved. */
  readonly privateDnsEnabled: Tri;
  readonly privateDnsUnresolved?: string;
  /** Set when the endpoint's existence depends on an unresolved Condition. */
  readonly uncertain?: string;
}

/** Kinds of workloads (things with network interfaces that traffic is about). */
export type WorkloadKind =
  | 'lambda-function'
  | 'ecs-service'
  | 'ec2-instance'
  | 'autoscaling-group'
  | 'load-balancer'
  | 'rds-instance'
  | 'rds-cluster'
  /** The Lambda function Secrets Manager creates for a RotationSchedule's HostedRotationLambda. */
  | 'secret-rotation';

/**
 * Something a Fargate task's own network interface must reach before its containers start (the
 * platform, 1.4 and later, pulls images, creates the awslogs stream and fetches secrets, registry
 * credentials and environment files through it):
 * - `ecr`: an image in a private ECR registry: `ecr.api` (auth token), `ecr.dkr` (manifests) and S3
 *   (the layers);
 * - `internet`: an image in a public registry (Docker Hub, ECR Public, ghcr.io…);
 * - `logs`: a container with the `awslogs` log driver;
 * - `secretsmanager` / `ssm`: a container secret whose ValueFrom is a Secrets Manager secret / an
 *   SSM parameter; `secretsmanager` also for `RepositoryCredentials.CredentialsParameter` (private
 *   registry authentication: always a Secrets Manager secret);
 * - `s3`: a container's `EnvironmentFiles` (S3 objects, downloaded before the container starts).
 */
export interface TaskStartNeed {
  readonly requirement: 'ecr' | 'internet' | 'logs' | 'secretsmanager' | 'ssm' | 's3';
  /** What needs it, for messages: `image nginx:1.27 (container web)`. */
  readonly purpose: string;
  /**
   * Set when the task may not need it: the image, log driver, ValueFrom or launch type is
   * unresolved, or the registry credentials or environment files may be absent.
   */
  readonly uncertain?: string;
}

/**
 * What a hosted rotation function (`AWS::SecretsManager::RotationSchedule` with
 * `HostedRotationLambda`) works on: the secret, and the database whose password it changes, by
 * model id (an RDS instance or cluster workload); unresolved when the secret is not tied to one in
 * the loaded templates (a proxy, an ARN, a secret without a SecretTargetAttachment).
 */
export interface SecretRotation {
  /** Model id of what SecretId names (the secret or its attachment), when it names a resource. */
  readonly secretId?: string;
  readonly rotationType: string;
  readonly databaseId: MaybeResolved<string>;
}

/** A port a workload accepts connections on, and why netcheck believes so. */
export interface ListeningPort {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
  readonly reason: string;
}

/** A load balancer listener whose port or protocol is not known for certain. */
export interface UnresolvedListener {
  readonly reason: string;
  readonly ports?: readonly number[];
  readonly protocols: readonly ('tcp' | 'udp')[];
}

/** A workload: compute, load balancer or database. */
export type LoadBalancerType = 'application' | 'network' | 'gateway';

export interface Workload {
  readonly id: string;
  readonly type: string;
  readonly kind: WorkloadKind;
  readonly role: 'compute' | 'load-balancer' | 'database';
  /** Subnets the workload's network interfaces are placed in. */
  readonly subnetIds: MaybeResolved<string[]>;
  /** Security groups; an empty list means "none" (only valid for NLBs without SGs). */
  readonly securityGroupIds: MaybeResolved<string[]>;
  /** Whether the interface gets a public IPv4 address. */
  readonly publicIp: Tri;
  /** Why publicIp has its value (for explanations). */
  readonly publicIpReason: string;
  readonly listeningPorts: ListeningPort[];
  /** Lambda functions without VpcConfig run in AWS-managed networking, outside every VPC. */
  readonly outsideVpc?: boolean;
  /** Lambda functions: how they can be invoked from the internet (API Gateway, function URL). */
  readonly internetInvokers?: string[];
  /**
   * Lambda functions: load balancers forwarding to a `TargetType: lambda` target group naming
   * them; the load balancer invokes the function through the Lambda service, not the network.
   */
  readonly loadBalancerInvokers?: string[];
  /** Lambda functions: model id of the execution role. */
  readonly roleId?: string;
  /** Lambda functions: AWS API service prefixes the role allows (`ses`, `s3`…) → where the grant is. */
  readonly awsApiPermissions?: ReadonlyMap<string, string>;
  /**
   * ECS services that run on Fargate (awsvpc): what their tasks must reach to start; unresolved
   * when the task definition cannot be read. Absent when the launch type is EC2 or external (the
   * instance's container agent pulls and logs through the instance's network, not the task's).
   */
  readonly taskStartNeeds?: MaybeResolved<readonly TaskStartNeed[]>;
  /** Hosted rotation functions: the secret and the database they rotate. */
  readonly secretRotation?: SecretRotation;
  /**
   * Databases: why the port they listen on is unknown (an unresolved Port, or no Port and no known
   * default for the engine); listeningPorts is then empty and answers on any port are unknown.
   */
  readonly listeningPortUnknown?: string;
  /**
   * Load balancers: listeners whose port or protocol cannot be resolved (a parameter without a
   * value, an undecided `Fn::If`). A port not in listeningPorts may be one of theirs, so "not
   * listening" is not definite. `ports`: the candidates when they are known (both branches of an
   * `Fn::If`); absent when the listener may be on any port.
   */
  readonly unresolvedListeners?: UnresolvedListener[];
  /** Databases: engine name. */
  readonly engine?: string;
  /** Databases: PubliclyAccessible as resolved (including AWS's default rule). */
  readonly publiclyAccessible?: Tri;
  /** Load balancers. */
  readonly loadBalancer?: {
    readonly scheme: MaybeResolved<'internet-facing' | 'internal'>;
    /** Unresolved when `Type` is (an `Fn::If` on an undecided condition, a parameter without a value). */
    readonly lbType: MaybeResolved<LoadBalancerType>;
  };
}

/** A target group with its registered targets. */
export interface TargetGroup {
  readonly id: string;
  readonly port?: number;
  readonly healthCheckPort?: number;
  readonly targetType: string;
  /**
   * Whether a Network Load Balancer forwarding to this group keeps the client's source address
   * (`preserve_client_ip.enabled`; AWS's default: true for instance targets and for UDP/TCP_UDP,
   * false for ip targets over TCP/TLS, never for alb targets).
   */
  readonly preserveClientIp: MaybeResolved<boolean>;
  /** Workload ids registered as targets, each with the port traffic is sent to. */
  readonly targets: Array<{ readonly workloadId: string; readonly port: MaybeResolved<number> }>;
  /** Load balancers forwarding to this group (through listeners or listener rules). */
  readonly loadBalancerIds: string[];
}

/** Something the model builder could not interpret; surfaced so nothing is silently skipped. */
export interface ModelDiagnostic {
  readonly resource: string;
  readonly message: string;
}

/** The network as netcheck understands it, built from one or more templates. */
export interface NetworkModel {
  readonly templates: string[];
  /** Every resource's CloudFormation type, by model id (including resources not modelled). */
  readonly resourceTypes: ReadonlyMap<string, string>;
  readonly vpcs: Map<string, Vpc>;
  readonly subnets: Map<string, Subnet>;
  readonly routeTables: Map<string, RouteTable>;
  readonly internetGateways: Map<string, InternetGateway>;
  readonly natGateways: Map<string, NatGateway>;
  readonly securityGroups: Map<string, SecurityGroup>;
  readonly networkAcls: Map<string, NetworkAcl>;
  readonly vpcEndpoints: Map<string, VpcEndpoint>;
  readonly workloads: Map<string, Workload>;
  readonly targetGroups: Map<string, TargetGroup>;
  readonly diagnostics: ModelDiagnostic[];
  /**
   * Template content that may create resources netcheck cannot see (e.g. `Fn::ForEach`): every
   * path answer is then unknown, and each entry is reported as NV-UNK-001.
   */
  readonly unresolvedContent: ModelDiagnostic[];
}
