import { describe, expect, it } from 'vitest';
import { findPath } from '../src/engine/find-path.js';
import { ALL_RULES } from '../src/rules/index.js';
import { checkFixture, findingKeys } from './fixture-helpers.js';

/**
 * The rule contract: every rule has a fixture where it fires on an exact resource and a fixture
 * where it stays silent. Fixtures are the golden networks under test/fixtures.
 */
const CASES: ReadonlyArray<{
  id: string;
  failing: string;
  resources: string[];
  passing: string;
  params?: Record<string, string>;
}> = [
  {
    id: 'NV-NAT-001',
    failing: 'nat-without-eip.yaml',
    resources: ['NatGateway'],
    passing: 'baseline-two-az.yaml',
  },
  {
    // Seed 003 as written: the routes still name the NAT created without an Elastic IP.
    id: 'NV-NAT-001',
    failing: 'seed-003-lambda-vpc-nat.yaml',
    resources: ['NatGateway'],
    passing: 'seed-003-lambda-vpc-nat-fixed.yaml',
  },
  {
    id: 'NV-NAT-002',
    failing: 'nat-subnet-local-only.yaml',
    resources: ['NatGateway'],
    passing: 'nat-without-eip.yaml',
  },
  {
    id: 'NV-NAT-003',
    failing: 'nat-route-loop.yaml',
    resources: ['NatGateway'],
    passing: 'baseline-two-az.yaml',
  },
  {
    // Seed 003: both NATs sit in a subnet whose 0.0.0.0/0 goes to a NAT, the replacement too.
    id: 'NV-NAT-003',
    failing: 'seed-003-lambda-vpc-nat.yaml',
    resources: ['NatGateway', 'NewNatGateway'],
    passing: 'seed-003-lambda-vpc-nat-fixed.yaml',
  },
  {
    // The passing fixture has a private NAT gateway (without an AllocationId): baseline-two-az.yaml
    // has none, so the rule stayed silent there even when it flagged every private NAT.
    id: 'NV-NAT-004',
    failing: 'misc-mistakes.yaml',
    resources: ['TransitNat'],
    passing: 'private-nat-without-eip.yaml',
  },
  {
    id: 'NV-RT-001',
    failing: 'seed-000-nest-vpc.yaml',
    resources: ['PrivateNatRoute'],
    passing: 'seed-000-nest-vpc-fixed.yaml',
  },
  {
    id: 'NV-RT-002',
    failing: 'igw-route-no-attachment.yaml',
    resources: ['PublicRoute'],
    passing: 'baseline-two-az.yaml',
  },
  {
    // GatewayId naming a NAT gateway: EC2 accepts it and the route works.
    id: 'NV-RT-002',
    failing: 'igw-route-no-attachment.yaml',
    resources: ['PublicRoute'],
    passing: 'route-gatewayid-nat.yaml',
  },
  {
    id: 'NV-RT-003',
    failing: 'misc-mistakes.yaml',
    resources: ['PrivateDefaultRouteB', 'VpcCidrRouteB'],
    passing: 'split-default-route.yaml',
  },
  {
    // Same destination, but under mutually exclusive Conditions: never both deployed.
    id: 'NV-RT-003',
    failing: 'misc-mistakes.yaml',
    resources: ['PrivateDefaultRouteB', 'VpcCidrRouteB'],
    passing: 'conditional-exclusive-routes.yaml',
  },
  {
    id: 'NV-SG-001',
    failing: 'db-sg-open-private-db.yaml',
    resources: ['DbSg'],
    passing: 'seed-000-nest-vpc-fixed.yaml',
  },
  {
    id: 'NV-SG-002',
    failing: 'misc-mistakes.yaml',
    resources: ['LambdaSg'],
    passing: 'baseline-two-az.yaml',
  },
  {
    id: 'NV-SG-003',
    failing: 'cdk-placeholder-egress.json',
    resources: ['AppSecurityGroup6A8DA2C1'],
    passing: 'baseline-two-az.yaml',
  },
  {
    id: 'NV-NACL-001',
    failing: 'nacl-no-ephemeral.yaml',
    resources: ['WebAcl', 'WebAcl'],
    passing: 'nacl-with-ephemeral.yaml',
  },
  {
    // An allow-all outbound entry carrying only replies is no request.
    id: 'NV-NACL-001',
    failing: 'nacl-no-ephemeral.yaml',
    resources: ['WebAcl', 'WebAcl'],
    passing: 'nacl-replies-only-database.yaml',
  },
  {
    // Outbound allow-all from subnets routed to the internet, no inbound ephemeral entry: the
    // replies to their outbound calls are dropped.
    id: 'NV-NACL-002',
    failing: 'nacl-outbound-all-no-ephemeral.yaml',
    resources: ['NatAcl', 'WebAcl'],
    passing: 'nacl-allow-all-both-ways.yaml',
  },
  {
    id: 'NV-NACL-002',
    failing: 'nacl-outbound-all-no-ephemeral.yaml',
    resources: ['NatAcl', 'WebAcl'],
    passing: 'nacl-replies-only-database.yaml',
  },
  {
    id: 'NV-RDS-001',
    failing: 'db-public.yaml',
    resources: ['Database'],
    passing: 'db-sg-open-private-db.yaml',
  },
  {
    id: 'NV-LMB-001',
    failing: 'seed-000-nest-vpc.yaml',
    resources: ['BackendFunction', 'MigrationFunction'],
    passing: 'seed-000-nest-vpc-fixed.yaml',
  },
  {
    id: 'NV-LMB-002',
    failing: 'lambda-isolated-needs-ses.yaml',
    resources: ['Mailer'],
    passing: 's3-gateway-endpoint.yaml',
  },
  {
    // Grants for what the Lambda service delivers (destinations, dead-letter target) need no path.
    id: 'NV-LMB-002',
    failing: 'lambda-grant-beside-destination.yaml',
    resources: ['Worker', 'Worker'],
    passing: 'lambda-delivery-targets.yaml',
  },
  {
    // KMS operations only the function's code performs; near miss: rds-db:connect, EFS Client*,
    // iam:PassRole are not API calls.
    id: 'NV-LMB-002',
    failing: 'lambda-kms-grants.yaml',
    resources: ['DecryptorFn', 'SignerFn'],
    passing: 'isolated-lambda-nonapi-actions.yaml',
  },
  {
    // What CDK's SqsEventSource grants is the poller's (the Lambda service's), not the code's.
    id: 'NV-LMB-002',
    failing: 'lambda-kms-grants.yaml',
    resources: ['DecryptorFn', 'SignerFn'],
    passing: 'sqs-event-source-isolated.yaml',
  },
  {
    // Private DNS sends the calls to the endpoint, whose group drops them: the NAT path is no
    // alternative (review 2026-12, E2). Near miss: the endpoint's group admits the function's.
    id: 'NV-LMB-002',
    failing: 'endpoint-private-dns-sg-blocks.yaml',
    resources: ['Fn'],
    passing: 'endpoint-private-dns-sg-admits.yaml',
  },
  {
    id: 'NV-LMB-003',
    failing: 'lambda-public-subnet.yaml',
    resources: ['PublicFunction'],
    passing: 'baseline-two-az.yaml',
  },
  {
    id: 'NV-ALB-001',
    failing: 'alb-missing-target-egress.yaml',
    resources: ['Alb', 'PrivateAlb'],
    passing: 'baseline-two-az.yaml',
  },
  {
    // A conditional route that matches no public address leaves the subnets definitely private.
    id: 'NV-ALB-001',
    failing: 'alb-private-subnets-conditional-route.yaml',
    resources: ['Alb'],
    passing: 'baseline-two-az.yaml',
  },
  {
    // NLB targets that keep the client's address but admit only the VPC CIDR; the twin admits
    // 0.0.0.0/0, and its ip targets (client IP not preserved by default) the VPC CIDR alone.
    id: 'NV-ALB-001',
    failing: 'nlb-client-ip-vpc-cidr.yaml',
    resources: ['IpNlb', 'PublicNlb'],
    passing: 'nlb-client-ip-open.yaml',
  },
  {
    // Seed 004's ALB in Public Subnet C alone; the fixed twin spans subnets A and C.
    id: 'NV-ALB-002',
    failing: 'seed-004-ec2-alb.yaml',
    resources: ['Alb'],
    passing: 'seed-004-ec2-alb-fixed.yaml',
  },
  {
    // Two subnets in one zone; the passing ALBs tell zones apart by name, zone id and GetAZs entry.
    id: 'NV-ALB-002',
    failing: 'alb-single-az.yaml',
    resources: ['SameZoneAlb'],
    passing: 'alb-two-zones.yaml',
  },
  {
    // Review, 2026-12-08: internet-facing NLBs forwarding tcp/5432 to a private database host (an
    // instance target, an ip target); path answers do not follow them to such targets.
    id: 'NV-ALB-003',
    failing: 'nlb-database-port.yaml',
    resources: ['IpNlb', 'Nlb'],
    passing: 'nlb-database-port-near-miss.yaml',
  },
  {
    id: 'NV-RDS-002',
    failing: 'seed-004-ec2-alb.yaml',
    resources: ['Database'],
    passing: 'db-public-subnet-private-address.yaml',
  },
  {
    // Seed 002's Fargate task on tcp/3000; the fixed twin keeps the public IP behind an ALB.
    id: 'NV-CMP-001',
    failing: 'seed-002-autonote-fargate.yaml',
    resources: ['ServerService'],
    passing: 'seed-002-autonote-fargate-fixed.yaml',
  },
  {
    // Seed 002's task moved into its private subnets without a NAT or endpoints: no image pull,
    // no awslogs stream, no secret. Near miss: the same task with a NAT path.
    id: 'NV-ECS-001',
    failing: 'ecs-private-no-nat.yaml',
    resources: ['ServerService', 'ServerService', 'ServerService'],
    passing: 'ecs-private-nat.yaml',
  },
  {
    // Private DNS sends the calls to the endpoints, whose group admits the ALB's group, not the
    // task's. Near miss: the group admits the task's (and S3 has its gateway endpoint).
    id: 'NV-ECS-001',
    failing: 'ecs-private-endpoints-sg-blocks.yaml',
    resources: ['ServerService', 'ServerService', 'ServerService'],
    passing: 'ecs-private-endpoints.yaml',
  },
  {
    // Registries and secret stores read from the task definition; near miss: seed 002 as written,
    // whose public IP in a public subnet reaches ECR and Secrets Manager.
    id: 'NV-ECS-001',
    failing: 'ecs-task-start-needs.yaml',
    resources: [
      'CdkRepoService',
      'CdkRepoService',
      'PublicImageService',
      'RepoUriService',
      'SpotSsmService',
      'SpotSsmService',
    ],
    passing: 'seed-002-autonote-fargate.yaml',
  },
  {
    // The container's environment file comes from S3, like the image layers; without the S3
    // gateway endpoint neither downloads (one finding each). Near miss: the same with the endpoint.
    id: 'NV-ECS-001',
    failing: 'ecs-private-env-files-no-s3.yaml',
    resources: ['ServerService', 'ServerService'],
    passing: 'ecs-private-env-files.yaml',
  },
  {
    // A ghcr.io image with registry credentials in Secrets Manager, no NAT, no secretsmanager
    // endpoint: the pull and the credentials fail. Near miss: a NAT and the secretsmanager endpoint.
    id: 'NV-ECS-001',
    failing: 'ecs-private-registry-credentials.yaml',
    resources: ['ServerService', 'ServerService'],
    passing: 'ecs-private-registry-credentials-nat.yaml',
  },
  {
    // A hosted rotation function in private subnets without a NAT or a secretsmanager endpoint:
    // it reaches the database but not Secrets Manager. Near miss: the same with a NAT.
    id: 'NV-ROT-001',
    failing: 'rotation-private-no-nat.yaml',
    resources: ['ApiUserRotation'],
    passing: 'rotation-private-nat.yaml',
  },
  {
    // The database path closed on both sides (no egress to it, no ingress from the rotation
    // group), and a schedule without VpcSubnetIds on the same private database.
    id: 'NV-ROT-001',
    failing: 'rotation-no-database-path.yaml',
    resources: ['ApiUserRotation', 'OutsideVpcRotation'],
    passing: 'rotation-private-nat.yaml',
  },
  {
    id: 'NV-CMP-001',
    failing: 'compute-exposure.yaml',
    resources: ['Jenkins', 'OpenHost', 'PublicTaskService', 'WebGroup'],
    passing: 'compute-exposure-near-miss.yaml',
  },
  {
    id: 'NV-CMP-002',
    failing: 'compute-exposure.yaml',
    resources: ['Bastion', 'DualStackBastion', 'OpenHost', 'WindowsHost'],
    passing: 'compute-exposure-near-miss.yaml',
  },
  {
    // Groups, subnet and public IP set by the instances' launch templates, not the instances.
    id: 'NV-CMP-002',
    failing: 'instance-launch-template.yaml',
    resources: ['GroupsHost', 'NamedHost', 'NicHost'],
    passing: 'instance-launch-template-near-miss.yaml',
  },
  {
    // Seed 004's "SSH (22): Your IP Address" on both public instances.
    id: 'NV-CMP-003',
    failing: 'seed-004-ec2-alb.yaml',
    resources: ['BackendInstance', 'FrontendInstance'],
    passing: 'seed-004-ec2-alb-fixed.yaml',
  },
  {
    id: 'NV-CMP-003',
    failing: 'compute-exposure.yaml',
    resources: ['OfficeHost'],
    passing: 'compute-exposure-near-miss.yaml',
  },
];

describe('rules: one failing and one passing fixture each', () => {
  it('covers every registered rule', () => {
    const covered = [...new Set(CASES.map((testCase) => testCase.id))];
    expect(covered.sort()).toEqual(ALL_RULES.map((rule) => rule.id).sort());
  });

  for (const testCase of CASES) {
    it(`${testCase.id} fires on ${testCase.failing} for ${testCase.resources.join(', ')}`, async () => {
      const { findings } = await checkFixture(testCase.failing, testCase.params);
      const matching = findings.filter((finding) => finding.id === testCase.id);
      expect(matching.map((finding) => finding.resource).sort()).toEqual([...testCase.resources].sort());
      const rule = ALL_RULES.find((candidate) => candidate.id === testCase.id);
      for (const finding of matching) {
        expect(finding.severity).toBe(rule?.severity);
        expect(finding.message.length).toBeGreaterThan(40);
      }
    });

    it(`${testCase.id} is silent on ${testCase.passing}`, async () => {
      const { findings } = await checkFixture(testCase.passing);
      expect(findings.filter((finding) => finding.id === testCase.id)).toEqual([]);
    });
  }
});

describe('exact findings of the golden networks', () => {
  const EXPECTED: Record<string, string[]> = {
    'baseline-two-az.yaml': [],
    'seed-000-nest-vpc.yaml': [
      'NV-LMB-001 BackendFunction',
      'NV-LMB-001 MigrationFunction',
      'NV-RT-001 PrivateNatRoute',
      'NV-SG-001 RdsSg',
    ],
    'seed-000-nest-vpc-fixed.yaml': [],
    'nat-without-eip.yaml': [
      'NV-LMB-001 MobileAuthHandler',
      'NV-LMB-002 MobileAuthHandler',
      'NV-NAT-001 NatGateway',
    ],
    'nat-route-loop.yaml': [
      'NV-LMB-001 MobileAuthHandler',
      'NV-LMB-002 MobileAuthHandler',
      'NV-NAT-003 NatGateway',
    ],
    'nat-subnet-local-only.yaml': [
      'NV-LMB-001 MobileAuthHandler',
      'NV-LMB-002 MobileAuthHandler',
      'NV-NAT-002 NatGateway',
    ],
    'db-sg-open-private-db.yaml': ['NV-SG-001 DbSg'],
    'db-sg-open-all-protocols.yaml': ['NV-SG-001 DbSg', 'NV-SG-001 DbSg'],
    'vgw-route-propagation.yaml': [],
    'db-public.yaml': ['NV-RDS-001 Database', 'NV-SG-001 DbSg'],
    'lambda-isolated-needs-ses.yaml': ['NV-LMB-001 Mailer', 'NV-LMB-002 Mailer'],
    'lambda-public-subnet.yaml': ['NV-LMB-001 PublicFunction', 'NV-LMB-003 PublicFunction'],
    'cdk-placeholder-egress.json': ['NV-SG-003 AppSecurityGroup6A8DA2C1'],
    'nacl-no-ephemeral.yaml': ['NV-NACL-001 WebAcl', 'NV-NACL-001 WebAcl'],
    'nacl-with-ephemeral.yaml': [],
    'nacl-outbound-all-no-ephemeral.yaml': ['NV-NACL-002 NatAcl', 'NV-NACL-002 WebAcl'],
    'nacl-replies-only-database.yaml': [],
    'nacl-allow-all-both-ways.yaml': [],
    'igw-route-no-attachment.yaml': ['NV-RT-002 PublicRoute'],
    'main-table-subnet.yaml': ['NV-LMB-001 Worker'],
    's3-gateway-endpoint.yaml': ['NV-LMB-001 Reader'],
    'alb-missing-target-egress.yaml': ['NV-ALB-001 Alb', 'NV-ALB-001 PrivateAlb', 'NV-SG-003 AlbSg'],
    'nlb-client-ip-vpc-cidr.yaml': ['NV-ALB-001 IpNlb', 'NV-ALB-001 PublicNlb'],
    'nlb-client-ip-open.yaml': [],
    'nlb-database-port.yaml': ['NV-ALB-003 IpNlb', 'NV-ALB-003 Nlb'],
    'nlb-database-port-near-miss.yaml': [],
    'nlb-database-port-scheme-unresolved.yaml': ['NV-ALB-003 IpNlb', 'NV-UNK-001 Nlb'],
    'nlb-database-custom-port.yaml': ['NV-ALB-003 IpNlb', 'NV-ALB-003 Nlb'],
    // A Gateway Load Balancer: no Scheme, a listener without Port or Protocol, no client connections.
    'gateway-load-balancer.yaml': [],
    'lb-listener-port-unresolved.yaml': ['NV-SG-001 AlbSg', 'NV-UNK-001 Alb'],
    'split-default-route.yaml': ['NV-LMB-001 ApiFunction', 'NV-LMB-002 ApiFunction', 'NV-RT-001 SplitRoute'],
    'import-value-unknown.yaml': ['NV-UNK-001 Api', 'NV-UNK-001 Database', 'NV-UNK-001 DbSg'],
    'short-form-intrinsics.yaml': [],
    'inline-sg-rule-conditional.yaml': ['NV-UNK-001 Db', 'NV-UNK-001 DbSg'],
    'ses-smtp-endpoint-only.yaml': ['NV-LMB-001 Mailer', 'NV-LMB-002 Mailer'],
    'sg-pairing-port-range.yaml': ['NV-SG-003 CacheClientSg', 'NV-SG-003 CacheSg'],
    'split-default-halves.yaml': [],
    'nat-eip-ref.yaml': ['NV-NAT-001 Nat'],
    'db-cluster-not-public.yaml': ['NV-SG-001 DbSg'],
    'alb-lambda-target.yaml': ['NV-LMB-001 Fn'],
    'sg-prefix-list-other-service.yaml': ['NV-LMB-001 Reader', 'NV-UNK-001 Reader'],
    'nacl-linux-ephemeral.yaml': ['NV-NACL-001 Nacl', 'NV-RDS-001 Db', 'NV-SG-001 DbSg'],
    'endpoint-without-dns-hostnames.yaml': ['NV-LMB-001 Mailer', 'NV-LMB-002 Mailer', 'NV-LMB-002 Mailer'],
    'prefix-list-open-db.yaml': ['NV-SG-001 DbSg', 'NV-UNK-001 ReportingDbSg'],
    // A security group reference, even an imported one, is never the internet.
    'db-sg-imported-source-group.yaml': [],
    'instance-secondary-interface-eip.yaml': ['NV-CMP-002 Eni2'],
    'instance-primary-interface-eip.yaml': ['NV-CMP-002 Inst'],
    'lambda-delivery-targets.yaml': ['NV-LMB-001 Worker'],
    'lambda-grant-beside-destination.yaml': ['NV-LMB-001 Worker', 'NV-LMB-002 Worker', 'NV-LMB-002 Worker'],
    'private-nat-without-eip.yaml': [],
    'seed-002-autonote-fargate.yaml': ['NV-CMP-001 ServerService'],
    'seed-002-autonote-fargate-fixed.yaml': [],
    'seed-004-ec2-alb.yaml': [
      'NV-ALB-002 Alb',
      'NV-CMP-003 BackendInstance',
      'NV-CMP-003 FrontendInstance',
      'NV-RDS-002 Database',
    ],
    'seed-004-ec2-alb-fixed.yaml': [],
    'seed-003-lambda-vpc-nat.yaml': [
      'NV-LMB-001 MobileAuthHandler',
      'NV-LMB-002 MobileAuthHandler',
      'NV-LMB-002 MobileAuthHandler',
      'NV-NAT-001 NatGateway',
      'NV-NAT-003 NatGateway',
      'NV-NAT-003 NewNatGateway',
    ],
    'seed-003-lambda-vpc-nat-fixed.yaml': [],
    'compute-exposure.yaml': [
      'NV-CMP-001 Jenkins',
      'NV-CMP-001 OpenHost',
      'NV-CMP-001 PublicTaskService',
      'NV-CMP-001 WebGroup',
      'NV-CMP-002 Bastion',
      'NV-CMP-002 DualStackBastion',
      'NV-CMP-002 OpenHost',
      'NV-CMP-002 WindowsHost',
      'NV-CMP-003 OfficeHost',
    ],
    'compute-exposure-near-miss.yaml': [],
    'compute-open-group-behind-nacl.yaml': ['NV-CMP-001 WebHost', 'NV-CMP-002 WebHost', 'NV-SG-001 OpenSg'],
    'instance-launch-template.yaml': [
      'NV-CMP-002 GroupsHost',
      'NV-CMP-002 NamedHost',
      'NV-CMP-002 NicHost',
      'NV-MODEL-001 NamedHost',
    ],
    'instance-launch-template-near-miss.yaml': [],
    'instance-two-interfaces.yaml': ['NV-CMP-002 OneNicBox'],
    // Web's SSH passes a firewall appliance netcheck does not follow: undecided, not an error.
    'igw-ingress-routing.yaml': ['NV-CMP-002 Direct', 'NV-UNK-001 Web'],
    'alb-single-az.yaml': [
      'NV-ALB-002 SameZoneAlb',
      'NV-UNK-001 FloatingAlb',
      'NV-UNK-001 MixedAlb',
      'NV-UNK-001 ParamAlb',
    ],
    'alb-two-zones.yaml': [],
    'db-public-subnet-private-address.yaml': [],
    'sqs-event-source-isolated.yaml': ['NV-LMB-001 Fn'],
    'sqs-event-source-isolated-oldcdk.yaml': ['NV-LMB-001 Fn'],
    'isolated-lambda-nonapi-actions.yaml': ['NV-LMB-001 Fn'],
    'lambda-kinesis-producer-isolated.yaml': ['NV-LMB-001 Fn', 'NV-LMB-002 Fn'],
    'lambda-sagemaker-runtime-endpoint.json': ['NV-LMB-001 Fn'],
    'lambda-appconfigdata-endpoint.json': ['NV-LMB-001 Fn'],
    'lambda-kms-grants.yaml': [
      'NV-LMB-001 DecryptorFn',
      'NV-LMB-001 EnvKeyFn',
      'NV-LMB-001 QueueConsumerFn',
      'NV-LMB-001 SecretReaderFn',
      'NV-LMB-001 SignerFn',
      'NV-LMB-002 DecryptorFn',
      'NV-LMB-002 SignerFn',
    ],
    'route-gatewayid-nat.yaml': [],
    'private-nat-to-onprem.yaml': ['NV-LMB-001 Fn'],
    'alb-internet-facing-hairpin.yaml': [],
    'alb-internet-facing-hairpin-nat.yaml': [],
    'endpoint-private-dns-sg-blocks.yaml': ['NV-LMB-002 Fn'],
    'endpoint-private-dns-sg-admits.yaml': [],
    'ecs-private-no-nat.yaml': [
      'NV-ECS-001 ServerService',
      'NV-ECS-001 ServerService',
      'NV-ECS-001 ServerService',
    ],
    'ecs-private-nat.yaml': [],
    'ecs-private-endpoints.yaml': [],
    'ecs-private-endpoints-sg-blocks.yaml': [
      'NV-ECS-001 ServerService',
      'NV-ECS-001 ServerService',
      'NV-ECS-001 ServerService',
      'NV-SG-003 AlbSg',
    ],
    'ecs-task-start-needs.yaml': [
      'NV-ECS-001 CdkRepoService',
      'NV-ECS-001 CdkRepoService',
      'NV-ECS-001 PublicImageService',
      'NV-ECS-001 RepoUriService',
      'NV-ECS-001 SpotSsmService',
      'NV-ECS-001 SpotSsmService',
      'NV-UNK-001 UnknownImageService',
      'NV-UNK-001 UnknownImageService',
    ],
    'ecs-private-env-files.yaml': [],
    'ecs-private-env-files-no-s3.yaml': ['NV-ECS-001 ServerService', 'NV-ECS-001 ServerService'],
    'ecs-private-registry-credentials.yaml': ['NV-ECS-001 ServerService', 'NV-ECS-001 ServerService'],
    'ecs-private-registry-credentials-nat.yaml': [],
    'ecs-task-start-credentials-env-files.yaml': [
      'NV-ECS-001 EnvFilesService',
      'NV-ECS-001 EnvFilesService',
      'NV-ECS-001 OptionalCredentialsService',
      'NV-ECS-001 OptionalEnvFilesService',
      'NV-ECS-001 ParamCredentialsService',
      'NV-ECS-001 ParamCredentialsService',
      'NV-ECS-001 UnresolvedCredentialsService',
      'NV-UNK-001 OptionalCredentialsService',
      'NV-UNK-001 OptionalEnvFilesService',
      'NV-UNK-001 UnresolvedCredentialsService',
    ],
  };
  for (const [fixture, expected] of Object.entries(EXPECTED)) {
    it(fixture, async () => {
      expect(findingKeys((await checkFixture(fixture)).findings)).toEqual(expected);
    });
  }

  it('explains the messages with what is wrong and how to fix it', async () => {
    const { findings } = await checkFixture('seed-000-nest-vpc.yaml');
    const route = findings.find((finding) => finding.id === 'NV-RT-001');
    expect(route?.message).toContain('0.0.0.0/16');
    expect(route?.message).toContain('Use 0.0.0.0/0');
    const sg = findings.find((finding) => finding.id === 'NV-SG-001');
    expect(sg?.message).toContain('tcp/5432');
    expect(sg?.message).toContain('SourceSecurityGroupId');
  });

  it('NV-NAT-001: AllocationId: !Ref Eip is the address, not the allocation id', async () => {
    const { findings, model } = await checkFixture('nat-eip-ref.yaml');
    expect(findings.find((finding) => finding.id === 'NV-NAT-001')?.message).toContain(
      '!GetAtt Eip.AllocationId',
    );
    const result = findPath(model, { from: 'App', to: 'internet', port: 443 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({ code: 'NAT_GATEWAY_NO_ELASTIC_IP', resource: 'Nat' });
  });

  it('NV-NAT-004 accepts a private NAT gateway without an AllocationId', async () => {
    const { findings, model } = await checkFixture('private-nat-without-eip.yaml');
    // Pins the fixture's shape, so the passing case cannot become vacuous again if it is edited.
    expect(model.natGateways.get('PartnerNat')).toMatchObject({
      connectivity: 'private',
      hasElasticIp: false,
    });
    expect(model.natGateways.get('PartnerNat')?.elasticIpProblem).toBeUndefined();
    expect(model.natGateways.get('PublicNat')).toMatchObject({ connectivity: 'public', hasElasticIp: true });
    expect(findings.filter((finding) => finding.id === 'NV-NAT-004')).toEqual([]);
    // The partner route really goes through the private NAT, so the fixture models one in use.
    // A private NAT forwards private destinations through its subnet's route table, which here
    // (the main table) has no route to the partner network.
    const partner = findPath(model, { from: 'App', to: '192.168.1.1', port: 443 });
    expect(partner.path.map((hop) => hop.resource)).toContain('PartnerNat');
    expect(partner.blockedAt).toMatchObject({
      code: 'NO_ROUTE_TO_DESTINATION',
      resource: 'Vpc.MainRouteTable',
    });
    expect(findPath(model, { from: 'App', to: 'internet', port: 443 }).reachable).toBe(true);
  });

  it('NV-SG-001 gives one finding per rule, naming the database ports it opens', async () => {
    const { findings } = await checkFixture('db-sg-open-all-protocols.yaml');
    const messages = findings.filter((finding) => finding.id === 'NV-SG-001').map((f) => f.message);
    expect(messages).toHaveLength(2);
    const all = messages.find((message) => message.includes('AdminAnything')) ?? '';
    expect(all).toContain('1433, 1521');
    expect(all).toContain('5432');
    expect(all).not.toContain('SecurityGroupIngress[0]');
    expect(messages.find((message) => message.includes('DbSg.SecurityGroupIngress[0]'))).toContain(
      'tcp/5432 from',
    );
  });

  it('NV-SG-001 reads the entries of a prefix list declared in the template', async () => {
    const { findings, model } = await checkFixture('prefix-list-open-db.yaml');
    const open = findings.find((finding) => finding.id === 'NV-SG-001');
    expect(open?.message).toContain('Anywhere (0.0.0.0/0)');
    const unknown = findings.find((finding) => finding.id === 'NV-UNK-001');
    expect(unknown?.message).toContain('pl-0123456789abcdef0');
    expect(findPath(model, { from: 'App', to: 'Db', port: 5432 }).reachable).toBe(true);
    expect(findPath(model, { from: 'App', to: 'ReportingDb', port: 5432 }).reachable).toBe('unknown');
  });

  it('NV-SG-003 compares port ranges, not only the lowest port of a rule', async () => {
    const { findings } = await checkFixture('sg-pairing-port-range.yaml');
    const messages = findings.map((finding) => finding.message).join('\n');
    expect(messages).not.toContain('DbSg');
    expect(messages).toContain('tcp/7000-7100 to CacheSg');
    expect(messages).toContain('FromPort: 7000, ToPort: 7100');
  });

  it('NV-LMB-002 on seed 003 as written: SES and Secrets Manager, the KMS endpoint serving neither', async () => {
    const { findings } = await checkFixture('seed-003-lambda-vpc-nat.yaml');
    const messages = findings
      .filter((finding) => finding.id === 'NV-LMB-002')
      .map((finding) => finding.message)
      .sort();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('may call secretsmanager');
    expect(messages[0]).toContain('com.amazonaws.<region>.secretsmanager');
    expect(messages[1]).toContain('may call ses');
    expect(messages[1]).toContain('com.amazonaws.<region>.email');
  });

  it('NV-LMB-002 names only the service without a path (SES), not the one with an endpoint', async () => {
    const { findings } = await checkFixture('lambda-isolated-needs-ses.yaml');
    const messages = findings
      .filter((finding) => finding.id === 'NV-LMB-002')
      .map((finding) => finding.message);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('may call ses');
    expect(messages.join(' ')).not.toContain('may call secretsmanager');
  });

  it('NV-LMB-002 names the interface endpoint that private DNS sends the calls to, not the NAT', async () => {
    const { findings } = await checkFixture('endpoint-private-dns-sg-blocks.yaml');
    const message = findings.find((finding) => finding.id === 'NV-LMB-002')?.message ?? '';
    expect(message).toContain('private DNS');
    expect(message).toContain('SecretsEndpoint');
    expect(message).toContain('ENI_SG_RULES_MISMATCH');
    expect(message).toContain('EndpointSg');
    expect(message).not.toContain('no NAT path');
  });

  it('NV-LMB-002 ignores grants on what the Lambda service delivers for the function', async () => {
    const { findings, model } = await checkFixture('lambda-delivery-targets.yaml');
    expect(findings.filter((finding) => finding.id === 'NV-LMB-002')).toEqual([]);
    expect([...(model.workloads.get('Worker')?.awsApiPermissions?.keys() ?? [])]).toEqual([]);
  });

  it('NV-LMB-002 ignores what needs no path: event source polling, IAM auth, EFS mounts, PassRole', async () => {
    const apis = async (fixture: string, fn = 'Fn'): Promise<string[]> => {
      const { model } = await checkFixture(fixture);
      return [...(model.workloads.get(fn)?.awsApiPermissions?.keys() ?? [])].sort();
    };
    expect(await apis('sqs-event-source-isolated.yaml')).toEqual([]);
    expect(await apis('sqs-event-source-isolated-oldcdk.yaml')).toEqual([]);
    expect(await apis('isolated-lambda-nonapi-actions.yaml')).toEqual([]);
    // Writing to a stream is the function's own call, not the poller's.
    expect(await apis('lambda-kinesis-producer-isolated.yaml')).toEqual(['kinesis']);
  });

  it('NV-LMB-002 counts KMS only where the function’s code must be the caller', async () => {
    const { model, findings } = await checkFixture('lambda-kms-grants.yaml');
    const apis = (fn: string): string[] => [...(model.workloads.get(fn)?.awsApiPermissions?.keys() ?? [])];
    expect(apis('SignerFn')).toEqual(['kms']);
    expect(apis('DecryptorFn')).toEqual(['kms']);
    // Secrets Manager decrypts for SecretReaderFn; Lambda for the poller and for KmsKeyArn.
    expect(apis('SecretReaderFn')).toEqual(['secretsmanager']);
    expect(apis('QueueConsumerFn')).toEqual([]);
    expect(apis('EnvKeyFn')).toEqual([]);
    const signer = findings.find((finding) => finding.id === 'NV-LMB-002' && finding.resource === 'SignerFn');
    expect(signer?.message).toContain('may call kms (granted by SignerRole policy sign (kms:Sign))');
  });

  it("NV-LMB-002 counts grants on a queue beside the destination and on another function's DLQ", async () => {
    const { findings } = await checkFixture('lambda-grant-beside-destination.yaml');
    const messages = findings
      .filter((finding) => finding.id === 'NV-LMB-002')
      .map((finding) => finding.message)
      .sort();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('may call sns (granted by WorkerRoleDefaultPolicy (sns:Publish))');
    expect(messages[1]).toContain('may call sqs (granted by WorkerJobsPolicy (sqs:SendMessage))');
  });

  it("NV-CMP-001 explains seed 002's exposure: tcp/3000, the 0.0.0.0/0 rule, no load balancer", async () => {
    const { findings } = await checkFixture('seed-002-autonote-fargate.yaml');
    const message = findings.find((finding) => finding.id === 'NV-CMP-001')?.message ?? '';
    expect(message).toContain('tcp/3000');
    expect(message).toContain('ServerSg.SecurityGroupIngress[0]: tcp/3000 from 0.0.0.0/0');
    expect(message).toContain('AssignPublicIp is ENABLED');
    expect(message).toContain('not 443/80');
  });

  it('NV-CMP-001 names the reason per workload: bypassed load balancer, task IPs, application port', async () => {
    const { findings } = await checkFixture('compute-exposure.yaml');
    const message = (resource: string): string =>
      findings.find((finding) => finding.id === 'NV-CMP-001' && finding.resource === resource)?.message ?? '';
    expect(message('WebGroup')).toContain('tcp/443');
    expect(message('WebGroup')).toContain('target of Alb');
    expect(message('PublicTaskService')).toContain('public IPs');
    expect(message('PublicTaskService')).not.toContain('not 443/80');
    expect(message('Jenkins')).toContain('tcp/8080');
    // One finding per workload, every exposed port in it; a range is asked about at its first port.
    expect(message('OpenHost')).toContain('tcp/20 (first port of tcp/20-25');
    expect(message('OpenHost')).toContain('tcp/8000 (first port of tcp/8000-8100');
  });

  it('NV-ECS-001 names each start dependency of the private task and where it is blocked', async () => {
    const { findings } = await checkFixture('ecs-private-no-nat.yaml');
    const messages = findings
      .filter((finding) => finding.id === 'NV-ECS-001')
      .map((finding) => finding.message)
      .sort();
    expect(messages).toHaveLength(3);
    const [image, logs, secrets] = [
      messages.find((message) => message.includes('ecr.dkr')) ?? '',
      messages.find((message) => message.includes('CloudWatch Logs')) ?? '',
      messages.find((message) => message.includes('Secrets Manager')) ?? '',
    ];
    expect(image).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the template's Fn::Sub text, as written.
      'image !Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/autonote/server:latest (container server)',
    );
    // One route table blocks all three for the same reason: explained once.
    expect(image).toContain('ecr.api, ecr.dkr, s3 (NO_ROUTE_TO_DESTINATION at PrivateRouteTable');
    expect(image).toContain('CannotPullContainerError');
    expect(logs).toContain('awslogs log driver (container server)');
    expect(logs).toContain('com.amazonaws.<region>.logs');
    expect(secrets).toContain('secret X_API_KEY (container server)');
    expect(secrets).toContain('com.amazonaws.<region>.secretsmanager');
    for (const message of messages) {
      expect(message).toContain('ServerService');
      expect(message).toContain('cannot start');
    }
  });

  it('NV-ECS-001 names the endpoint group that drops the calls private DNS sends to the endpoints', async () => {
    const { findings, model } = await checkFixture('ecs-private-endpoints-sg-blocks.yaml');
    const messages = findings
      .filter((finding) => finding.id === 'NV-ECS-001')
      .map((finding) => finding.message);
    expect(messages).toHaveLength(3);
    for (const message of messages) {
      expect(message).toContain('EndpointSg');
      expect(message).toContain('private DNS');
      expect(message).not.toContain('no NAT path');
    }
    const image = messages.find((message) => message.includes('ecr.dkr')) ?? '';
    expect(image).toContain('EcrApiEndpoint');
    expect(image).toContain('EcrDkrEndpoint');
    // The layers still come through the S3 gateway endpoint: only the ECR APIs are named.
    expect(image).not.toContain('s3 (');
    expect(findPath(model, { from: 'ServerService', to: 'aws:s3', port: 443 }).reachable).toBe(true);
  });

  it('the NV-ECS-001 near misses are near: private task, no public IP, paths through the NAT or endpoints', async () => {
    const withEndpoints = await checkFixture('ecs-private-endpoints.yaml');
    const task = withEndpoints.model.workloads.get('ServerService');
    expect(task?.publicIp).toBe(false);
    // No way out of the VPC: every start dependency goes through an endpoint.
    expect(
      findPath(withEndpoints.model, { from: 'ServerService', to: 'internet', port: 443 }).reachable,
    ).toBe(false);
    for (const service of ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager']) {
      const path = findPath(withEndpoints.model, { from: 'ServerService', to: `aws:${service}`, port: 443 });
      expect(path.reachable).toBe(true);
      expect(path.path.map((hop) => hop.kind)).toContain('vpc-endpoint');
    }
    const withNat = await checkFixture('ecs-private-nat.yaml');
    expect(withNat.model.workloads.get('ServerService')?.publicIp).toBe(false);
    const viaNat = findPath(withNat.model, { from: 'ServerService', to: 'aws:ecr.dkr', port: 443 });
    expect(viaNat.reachable).toBe(true);
    expect(viaNat.path.map((hop) => hop.kind)).toContain('nat-gateway');
    // Seed 002 as written: no NAT, but the task's public IP reaches ECR through the IGW.
    const seed = await checkFixture('seed-002-autonote-fargate.yaml');
    const direct = findPath(seed.model, { from: 'ServerService', to: 'aws:ecr.dkr', port: 443 });
    expect(direct.reachable).toBe(true);
    expect(direct.path.map((hop) => hop.kind)).not.toContain('nat-gateway');
  });

  it('NV-ECS-001 reads registries and secret stores from the task definition', async () => {
    const { findings, model } = await checkFixture('ecs-task-start-needs.yaml');
    const messages = (resource: string): string =>
      findings
        .filter((finding) => finding.resource === resource)
        .map((finding) => finding.message)
        .join('\n');
    expect(messages('PublicImageService')).toContain('image nginx:1.27 (container web)');
    expect(messages('PublicImageService')).toContain('the internet');
    expect(messages('PublicImageService')).not.toContain('ecr.dkr');
    expect(messages('SpotSsmService')).toContain('public.ecr.aws/docker/library/node:22');
    expect(messages('SpotSsmService')).toContain('secret DATABASE_URL, secret CONFIG (container worker)');
    expect(messages('SpotSsmService')).toContain('com.amazonaws.<region>.ssm');
    expect(messages('CdkRepoService')).toContain('ecr.dkr');
    expect(messages('CdkRepoService')).toContain('secret DB_PASSWORD (container api)');
    expect(messages('CdkRepoService')).toContain('com.amazonaws.<region>.secretsmanager');
    expect(messages('RepoUriService')).toContain('ecr.dkr');
    expect(messages('CdkRepoService')).toContain('image *.dkr.ecr.*.amazonaws.com/*:abc123 (container api)');
    expect(messages('RepoUriService')).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the template's Fn::Sub text, as written.
      'image !Sub ${Repo.RepositoryUri}:1.0 (container api)',
    );
    // Undecided: either registry may be the deployed one, and neither is reachable.
    expect(messages('UnknownImageService')).toContain('parameter ImageUri has no value');
    expect(messages('UnknownImageService')).toContain('ecr.api, ecr.dkr, s3');
    expect(messages('UnknownImageService')).toContain('the internet');
    // Out of scope: the EC2 launch type, and what ECS runs on EC2 by default.
    expect(model.workloads.get('Ec2LaunchService')?.taskStartNeeds).toBeUndefined();
    expect(model.workloads.get('DefaultLaunchService')?.taskStartNeeds).toBeUndefined();
    expect(messages('Ec2LaunchService')).toBe('');
    expect(messages('DefaultLaunchService')).toBe('');
  });

  it('NV-ECS-001 leaves an image from a registry host that is not a known public one undecided', async () => {
    // registry.corp.internal:5000 may sit in the VPC or behind a transit gateway: not "the internet".
    const { findings } = await checkFixture('ecs-private-endpoints-corp-registry.yaml');
    expect(findingKeys(findings)).toEqual(['NV-UNK-001 ServerService']);
    const message = findings[0]?.message ?? '';
    expect(message).toContain('NV-ECS-001 could not be verified');
    expect(message).toContain('image registry.corp.internal:5000/autonote/server:1 (container server)');
    expect(message).toContain('not a known public registry');
  });

  it('NV-ECS-001: an ECR image in another Region needs the internet; the endpoints serve their own Region', async () => {
    const fixture = 'ecs-private-endpoints-cross-region.yaml';
    const elsewhere = await checkFixture(fixture, { 'AWS::Region': 'us-east-1' });
    expect(findingKeys(elsewhere.findings)).toEqual(['NV-ECS-001 ServerService']);
    const message = elsewhere.findings[0]?.message ?? '';
    expect(message).toContain('the internet');
    expect(message).toContain(
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/autonote/proxy:2 (container proxy',
    );
    expect(message).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the template's Fn::Sub text, as written.
      '!Sub ${AWS::AccountId}.dkr.ecr.eu-west-1.amazonaws.com/autonote/server:latest',
    );
    expect(message).toContain('us-east-1');
    expect(message).not.toContain('ecr.dkr (');
    // Deployed to eu-west-1: the local endpoints serve the pulls.
    expect(findingKeys((await checkFixture(fixture, { 'AWS::Region': 'eu-west-1' })).findings)).toEqual([]);
    // Region unknown: whether the endpoints serve the pulls cannot be decided.
    const unknown = await checkFixture(fixture);
    expect(findingKeys(unknown.findings)).toEqual(['NV-UNK-001 ServerService']);
    expect(unknown.findings[0]?.message).toContain('AWS::Region');
  });

  it('NV-ECS-001 says a path is missing from some subnets, not "from every subnet"', async () => {
    const { findings } = await checkFixture('ecs-private-nat-one-subnet.yaml');
    const messages = findings.filter((finding) => finding.id === 'NV-ECS-001').map((f) => f.message);
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(message).toContain('no network path from some of their subnets to');
      expect(message).toContain('blocked from PrivateSubnetB');
      expect(message).not.toContain('from every subnet');
    }
  });

  it('NV-ECS-001 names the environment files that S3 must serve, apart from the image layers', async () => {
    const { findings } = await checkFixture('ecs-private-env-files-no-s3.yaml');
    const messages = findings.filter((finding) => finding.id === 'NV-ECS-001').map((f) => f.message);
    expect(messages).toHaveLength(2);
    const envFiles = messages.find((message) => message.includes('environment file')) ?? '';
    expect(envFiles).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the template's Fn::Sub text, as written.
      "ServerService's tasks cannot start: environment file !Sub arn:${AWS::Partition}:s3:::${ConfigBucket}/server/prod.env (container server) needs S3 (s3)",
    );
    expect(envFiles).toContain('no network path to s3 (NO_ROUTE_TO_DESTINATION at PrivateRouteTable');
    expect(envFiles).toContain('ResourceInitializationError: failed to download env files');
    expect(envFiles).toContain(
      "S3 gateway endpoint com.amazonaws.<region>.s3 on the task subnets' route tables",
    );
    expect(envFiles).not.toContain('ecr.dkr');
    // The image layers are blocked at the same place: the ECR finding names s3 alone.
    const image = messages.find((message) => message.includes('ECR: ecr.api')) ?? '';
    expect(image).toContain('no network path to s3 (');
    expect(image).not.toContain('environment file');
  });

  it('the NV-ECS-001 environment-file near miss is near: the S3 gateway endpoint serves the file', async () => {
    const { findings, model } = await checkFixture('ecs-private-env-files.yaml');
    expect(findings).toEqual([]);
    const needs = model.workloads.get('ServerService')?.taskStartNeeds;
    expect(needs).toContainEqual({
      requirement: 's3',
      purpose:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the template's Fn::Sub text, as written.
        'environment file !Sub arn:${AWS::Partition}:s3:::${ConfigBucket}/server/prod.env (container server)',
    });
    const s3 = findPath(model, { from: 'ServerService', to: 'aws:s3', port: 443 });
    expect(s3.reachable).toBe(true);
    expect(s3.path.map((hop) => hop.kind)).toContain('vpc-endpoint');
    expect(findPath(model, { from: 'ServerService', to: 'internet', port: 443 }).reachable).toBe(false);
  });

  it('NV-ECS-001 names the private registry credentials that Secrets Manager must serve', async () => {
    const { findings } = await checkFixture('ecs-private-registry-credentials.yaml');
    const messages = findings.filter((finding) => finding.id === 'NV-ECS-001').map((f) => f.message);
    expect(messages).toHaveLength(2);
    const credentials = messages.find((message) => message.includes('Secrets Manager')) ?? '';
    expect(credentials).toContain(
      "ServerService's tasks cannot start: registry credentials !Ref RegistryCredentials (container server) needs Secrets Manager (secretsmanager)",
    );
    expect(credentials).toContain('no VPC endpoint com.amazonaws.<region>.secretsmanager');
    expect(credentials).toContain('ResourceInitializationError: unable to pull secrets or registry auth');
    const image = messages.find((message) => message.includes('the internet')) ?? '';
    expect(image).toContain('image ghcr.io/acme/app:1 (container server)');
    expect(image).not.toContain('registry credentials');
  });

  it('the NV-ECS-001 registry-credentials near miss is near: the endpoint serves them, the NAT the pull', async () => {
    const { findings, model } = await checkFixture('ecs-private-registry-credentials-nat.yaml');
    expect(findings).toEqual([]);
    expect(model.workloads.get('ServerService')?.publicIp).toBe(false);
    expect(model.workloads.get('ServerService')?.taskStartNeeds).toContainEqual({
      requirement: 'secretsmanager',
      purpose: 'registry credentials !Ref RegistryCredentials (container server)',
    });
    const secrets = findPath(model, { from: 'ServerService', to: 'aws:secretsmanager', port: 443 });
    expect(secrets.reachable).toBe(true);
    expect(secrets.path.map((hop) => hop.kind)).toContain('vpc-endpoint');
    const pull = findPath(model, { from: 'ServerService', to: 'internet', port: 443 });
    expect(pull.path.map((hop) => hop.kind)).toContain('nat-gateway');
  });

  it('NV-ECS-001 reads registry credentials and environment files; one that may be absent is undecided', async () => {
    const { findings, model } = await checkFixture('ecs-task-start-credentials-env-files.yaml');
    const messages = (id: string, resource: string): string =>
      findings
        .filter((finding) => finding.id === id && finding.resource === resource)
        .map((finding) => finding.message)
        .join('\n');
    const needs = (resource: string, requirement: string) => {
      const all = model.workloads.get(resource)?.taskStartNeeds;
      return Array.isArray(all) ? all.filter((need) => need.requirement === requirement) : [];
    };
    // Only a Secrets Manager secret is accepted: an unknown value still needs Secrets Manager.
    expect(needs('ParamCredentialsService', 'secretsmanager')).toEqual([
      {
        requirement: 'secretsmanager',
        purpose:
          'registry credentials (parameter RegistryCredentialsArn has no value (pass --param RegistryCredentialsArn=…)) (container app)',
      },
    ]);
    expect(messages('NV-ECS-001', 'ParamCredentialsService')).toContain('needs Secrets Manager');
    // Credentials that may be absent: undecided, not a violation and not a silent pass.
    const [optional] = needs('OptionalCredentialsService', 'secretsmanager');
    expect(optional?.uncertain).toContain('its CredentialsParameter may be absent');
    expect(optional?.purpose).toBe(
      'registry credentials arn:aws:secretsmanager:eu-west-1:123456789012:secret:ghcr-AbCdEf (container app)',
    );
    expect(messages('NV-ECS-001', 'OptionalCredentialsService')).not.toContain('Secrets Manager');
    const optionalUnk = messages('NV-UNK-001', 'OptionalCredentialsService');
    expect(optionalUnk).toContain('NV-ECS-001 could not be verified');
    expect(optionalUnk).toContain('may need Secrets Manager (secretsmanager)');
    expect(optionalUnk).toContain('RegistryMode');
    expect(needs('UnresolvedCredentialsService', 'secretsmanager')[0]?.uncertain).toContain(
      'its RepositoryCredentials are unresolved',
    );
    expect(messages('NV-ECS-001', 'UnresolvedCredentialsService')).not.toContain('Secrets Manager');
    expect(messages('NV-UNK-001', 'UnresolvedCredentialsService')).toContain(
      'registry credentials (container app)',
    );
    // The files certainly there are named; the one that may be absent is left out of the violation.
    const envFiles = messages('NV-ECS-001', 'EnvFilesService');
    expect(envFiles).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the template's Fn::Sub text, as written.
      'environment files arn:aws:s3:::acme-shared-config/common.env, !Sub arn:${AWS::Partition}:s3:::${ConfigBucket}/api.env (container api) needs S3 (s3)',
    );
    expect(envFiles).not.toContain('overrides.env');
    expect(needs('EnvFilesService', 's3').map((need) => Boolean(need.uncertain))).toEqual([false, true]);
    // A list that may be absent: undecided.
    expect(needs('OptionalEnvFilesService', 's3')[0]?.uncertain).toContain(
      'its EnvironmentFiles are unresolved',
    );
    expect(messages('NV-ECS-001', 'OptionalEnvFilesService')).not.toContain('environment file');
    expect(messages('NV-UNK-001', 'OptionalEnvFilesService')).toContain(
      'environment files (container api) may need S3 (s3)',
    );
    // Decided conditions: present credentials and files are violations, absent ones need nothing.
    const decided = await checkFixture('ecs-task-start-credentials-env-files.yaml', {
      RegistryMode: 'private',
      ConfigMode: 'overrides',
    });
    expect(decided.findings.filter((finding) => finding.id === 'NV-UNK-001')).toEqual([]);
    const decidedMessages = decided.findings.map((finding) => finding.message).join('\n');
    expect(decidedMessages).toContain(
      'registry credentials arn:aws:secretsmanager:eu-west-1:123456789012:secret:ghcr-AbCdEf (container app) needs Secrets Manager',
    );
    expect(decidedMessages).toContain(
      'arn:aws:s3:::acme-shared-config/overrides.env (container api) needs S3',
    );
    const absent = await checkFixture('ecs-task-start-credentials-env-files.yaml', {
      RegistryMode: 'public',
      ConfigMode: 'plain',
    });
    expect(findingKeys(absent.findings)).toEqual([
      'NV-ECS-001 EnvFilesService',
      'NV-ECS-001 EnvFilesService',
      'NV-ECS-001 OptionalCredentialsService',
      'NV-ECS-001 OptionalEnvFilesService',
      'NV-ECS-001 ParamCredentialsService',
      'NV-ECS-001 ParamCredentialsService',
      'NV-ECS-001 UnresolvedCredentialsService',
    ]);
  });

  it('NV-LMB-001/002 say a path is missing from some subnets, not "from every subnet"', async () => {
    const { findings } = await checkFixture('lambda-nat-one-subnet.yaml');
    expect(findingKeys(findings)).toEqual(['NV-LMB-001 MobileAuthHandler', 'NV-LMB-002 MobileAuthHandler']);
    const internet = findings.find((finding) => finding.id === 'NV-LMB-001')?.message ?? '';
    expect(internet).toContain('cannot reach the internet on tcp/443 from some of its subnets:');
    const ses = findings.find((finding) => finding.id === 'NV-LMB-002')?.message ?? '';
    expect(ses).toContain('may call ses');
    expect(ses).toContain('has no network path to it from some of its subnets:');
    for (const message of [internet, ses]) {
      expect(message).toContain('PARTIALLY_REACHABLE');
      expect(message).toContain('PrivateSubnetB');
      expect(message).not.toContain('from every subnet');
    }
  });

  it('NV-CMP-002 counts address sets and ::/0; NV-CMP-003 keeps the allowlisted ports apart', async () => {
    const { findings } = await checkFixture('compute-exposure.yaml');
    const message = (id: string, resource: string): string =>
      findings.find((finding) => finding.id === id && finding.resource === resource)?.message ?? '';
    expect(message('NV-CMP-002', 'WindowsHost')).toContain(
      'RDP (tcp/3389) from the internet (all public addresses)',
    );
    expect(message('NV-CMP-002', 'WindowsHost')).toContain('Elastic IP');
    expect(message('NV-CMP-002', 'DualStackBastion')).toContain('::/0');
    expect(message('NV-CMP-002', 'OpenHost')).toContain('SSH (tcp/22)');
    expect(message('NV-CMP-002', 'OpenHost')).toContain('Telnet (tcp/23)');
    expect(message('NV-CMP-003', 'OfficeHost')).toContain('RDP (tcp/3389) from 198.51.100.0/24');
    const seed = await checkFixture('seed-004-ec2-alb.yaml');
    const ssh = seed.findings.find((finding) => finding.resource === 'FrontendInstance');
    expect(ssh).toMatchObject({ id: 'NV-CMP-003', severity: 'warning' });
    expect(ssh?.message).toContain('SSH (tcp/22) from 203.0.113.10/32');
    expect(ssh?.message).toContain('Session Manager');
  });

  it('the NV-CMP near misses are near: public IPs, open-looking rules, and the engine blocks', async () => {
    const { model } = await checkFixture('compute-exposure-near-miss.yaml');
    // Pins the fixture's shape, so the passing case cannot become vacuous if it is edited.
    expect(findPath(model, { from: 'internet', to: 'WebServer', port: 443 }).reachable).toBe(true);
    expect(findPath(model, { from: 'internet', to: 'WebServer', port: 80 }).reachable).toBe(true);
    expect(model.workloads.get('AppInstance')?.publicIp).toBe(true);
    expect(findPath(model, { from: 'Alb', to: 'AppInstance', port: 8080 }).reachable).toBe(true);
    expect(findPath(model, { from: 'internet', to: 'AppInstance', port: 8080 }).reachable).toBe(false);
    expect(model.workloads.get('WorkerService')?.publicIp).toBe(true);
    expect(findPath(model, { from: 'internet', to: 'PrivateBastion', port: 22 }).blockedAt?.code).toBe(
      'RESOURCE_NOT_PUBLICLY_ACCESSIBLE',
    );
    expect(findPath(model, { from: 'AppInstance', to: 'VpcAdminHost', port: 22 }).reachable).toBe(true);
    expect(findPath(model, { from: 'internet', to: 'GuardedHost', port: 8080 }).blockedAt).toMatchObject({
      code: 'SUBNET_ACL_RESTRICTION',
      resource: 'GuardedAcl',
    });
  });

  it("an instance takes its launch template's network settings where it sets none itself", async () => {
    const { findings, model } = await checkFixture('instance-launch-template.yaml');
    expect(model.workloads.get('GroupsHost')?.securityGroupIds).toEqual(['SshSg']);
    expect(model.workloads.get('NicHost')).toMatchObject({
      subnetIds: ['UnmappedSubnet'],
      securityGroupIds: ['SshSg'],
      publicIp: true,
    });
    expect(model.workloads.get('NamedHost')?.securityGroupIds).toEqual(['SshSg']);
    expect(findings.find((finding) => finding.id === 'NV-MODEL-001')?.message).toContain('Version 3');
    const nearMiss = await checkFixture('instance-launch-template-near-miss.yaml');
    // The instance's own properties win over the template's.
    expect(nearMiss.model.workloads.get('OverrideHost')?.securityGroupIds).toEqual(['HttpsSg']);
    expect(nearMiss.model.workloads.get('PrivateIpHost')).toMatchObject({
      subnetIds: ['MappedSubnet'],
      securityGroupIds: ['SshSg'],
      publicIp: false,
    });
  });

  it('an instance launched with two network interfaces gets no public IP from its subnet', async () => {
    const { model } = await checkFixture('instance-two-interfaces.yaml');
    expect(model.workloads.get('TwoNicBox')?.publicIp).toBe(false);
    expect(model.workloads.get('TemplateTwoNicBox')?.publicIp).toBe(false);
    expect(model.workloads.get('OneNicBox')?.publicIp).toBe(true);
    expect(findPath(model, { from: 'internet', to: 'TwoNicBox', port: 22 }).blockedAt?.code).toBe(
      'RESOURCE_NOT_PUBLICLY_ACCESSIBLE',
    );
  });

  it('NV-NACL-002 warns of an outbound allow-all entry whose internet replies are dropped', async () => {
    const { findings, model } = await checkFixture('nacl-outbound-all-no-ephemeral.yaml');
    expect(findings.filter((finding) => finding.id === 'NV-NACL-002').map((f) => f.severity)).toEqual([
      'warning',
      'warning',
    ]);
    const messages = findings.filter((finding) => finding.id === 'NV-NACL-002').map((f) => f.message);
    expect(messages.find((message) => message.startsWith('WebAcl'))).toContain(
      'outbound all traffic to 0.0.0.0/0',
    );
    expect(messages.find((message) => message.startsWith('NatAcl'))).toContain('inbound from');
    // Pins the fixture: the engine drops the replies the rule is about.
    expect(findPath(model, { from: 'Web', to: 'internet', port: 443 }).blockedAt).toMatchObject({
      resource: 'WebAcl',
    });
    expect(findPath(model, { from: 'App', to: 'internet', port: 443 }).blockedAt).toMatchObject({
      resource: 'NatAcl',
    });
    const nearMiss = await checkFixture('nacl-allow-all-both-ways.yaml');
    expect(findPath(nearMiss.model, { from: 'Web', to: 'internet', port: 443 }).reachable).toBe(true);
  });

  it('NV-ALB-001 judges NLB targets that keep the client address from the clients, not the NLB', async () => {
    const { findings, model } = await checkFixture('nlb-client-ip-vpc-cidr.yaml');
    const message = findings.find((finding) => finding.resource === 'PublicNlb')?.message ?? '';
    expect(message).toContain('preserves the client IP');
    expect(message).toContain('AppInstance');
    expect(message).toContain('tcp/8080');
    expect(message).toContain('AppSg');
    expect(findings.find((finding) => finding.resource === 'IpNlb')?.message).toContain(
      'preserve_client_ip.enabled is true',
    );
    // The NLB's own addresses get through: only the clients' are dropped.
    expect(findPath(model, { from: 'PublicNlb', to: 'AppInstance', port: 8080 }).reachable).toBe(true);
    const open = await checkFixture('nlb-client-ip-open.yaml');
    expect(open.model.targetGroups.get('AppTargetGroup')?.preserveClientIp).toBe(true);
    expect(open.model.targetGroups.get('IpTargetGroup')?.preserveClientIp).toBe(false);
  });

  it("NV-ALB-002 on seed 004's one-subnet ALB, and on two subnets in one zone", async () => {
    const seed = await checkFixture('seed-004-ec2-alb.yaml');
    expect(seed.findings.find((finding) => finding.id === 'NV-ALB-002')?.message).toContain(
      'one subnet (PublicSubnetC)',
    );
    const { findings } = await checkFixture('alb-single-az.yaml');
    expect(findings.find((finding) => finding.id === 'NV-ALB-002')?.message).toContain(
      'ZoneASubnet1 in eu-west-1a, ZoneASubnet2 in eu-west-1a',
    );
    const mixed = findings.find((finding) => finding.resource === 'MixedAlb');
    expect(mixed?.message).toContain('zone id euw1-az2');
    expect(mixed?.message).toContain('cannot be compared');
    expect(findings.find((finding) => finding.resource === 'FloatingAlb')?.message).toContain(
      'AWS picks the zone',
    );
  });

  it('NV-RDS-002 on seed 004 as drawn: public by default, in public subnets, one rule from exposure', async () => {
    const { findings } = await checkFixture('seed-004-ec2-alb.yaml');
    const database = findings.find((finding) => finding.id === 'NV-RDS-002');
    expect(database).toMatchObject({ resource: 'Database', severity: 'warning' });
    expect(database?.message).toContain('AWS defaults it to true');
    expect(database?.message).toContain('PublicSubnetA, PublicSubnetC');
    // A reachable database is NV-RDS-001's alone.
    const reachable = await checkFixture('db-public.yaml');
    expect(reachable.findings.filter((finding) => finding.id === 'NV-RDS-002')).toEqual([]);
    const nearMiss = await checkFixture('db-public-subnet-private-address.yaml');
    expect(nearMiss.model.workloads.get('DefaultPublicDb')?.publiclyAccessible).toBe(true);
  });

  it('marks unresolved checks as NV-UNK-001 warnings naming the import', async () => {
    const { findings } = await checkFixture('import-value-unknown.yaml');
    const unknown = findings.filter((finding) => finding.id === 'NV-UNK-001');
    expect(unknown.every((finding) => finding.severity === 'warning')).toBe(true);
    expect(unknown.find((finding) => finding.resource === 'DbSg')?.message).toContain('AdminCidr');
    expect(unknown.find((finding) => finding.resource === 'Api')?.message).toContain('PrivateSubnetIds');
  });

  it('evaluates conditions from --param: EnvType=dev removes the NAT gateway the route names', async () => {
    const { findings } = await checkFixture('short-form-intrinsics.yaml', { EnvType: 'dev' });
    expect(findingKeys(findings)).toEqual(['NV-LMB-001 Worker', 'NV-RT-002 PrivateRoute']);
    expect(findings.find((finding) => finding.id === 'NV-RT-002')?.message).toContain(
      'Condition HasNat is false',
    );
  });
});

describe('NV-ROT-001: what a hosted rotation function cannot reach', () => {
  const messages = async (fixture: string): Promise<Record<string, string>> => {
    const { findings } = await checkFixture(fixture);
    return Object.fromEntries(
      findings.filter((finding) => finding.id === 'NV-ROT-001').map((f) => [f.resource, f.message]),
    );
  };

  it('names Secrets Manager and the route table when there is no NAT or endpoint', async () => {
    const message = (await messages('rotation-private-no-nat.yaml')).ApiUserRotation ?? '';
    expect(message).toContain('Secrets Manager');
    expect(message).toContain('PrivateRouteTable');
    expect(message).toContain('Secrets Manager on tcp/443');
    expect(message).not.toContain('Database on tcp/5432');
  });

  it('names the database, its port and the blocking group when the group pair is missing', async () => {
    const found = await messages('rotation-no-database-path.yaml');
    expect(found.ApiUserRotation).toContain('Database on tcp/5432');
    expect(found.ApiUserRotation).toContain('RotationSg');
    expect(found.ApiUserRotation).not.toContain('Secrets Manager on tcp/443');
    expect(found.OutsideVpcRotation).toContain('outside any VPC');
    expect(found.OutsideVpcRotation).toContain('not publicly accessible');
  });

  it('finds nothing at all on the working rotation', async () => {
    const { findings } = await checkFixture('rotation-private-nat.yaml');
    expect(findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
  });
});
