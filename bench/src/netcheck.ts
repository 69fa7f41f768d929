/**
 * netcheck benchmark: `check` over a generated 2,000-resource CloudFormation template, against a
 * peer measured in the same run — just parsing the same template text (JSON.parse), the floor any
 * template tool pays. Run: `npm run bench -- netcheck`. Writes bench/results/netcheck.json and
 * prints a table.
 */
import { buildNetworkModel, parseTemplate, runRules, trafficMatrix } from 'netcheck';
import { describeMachine, median, printTable, round, writeResult } from './support/report.js';

/** What the benchmark records. */
export interface NetcheckBenchResult {
  readonly name: 'netcheck';
  /** When it ran (ISO 8601), as every other result records. */
  readonly date: string;
  readonly resources: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly parseOnlyMedianMs: number;
  readonly ratioToParse: number;
  readonly targetMs: 2000;
  readonly pass: boolean;
  readonly findings: number;
  readonly matrixEntries: number;
  /** CPU time (user + system) of check(), median: what netcheck itself costs, independent of contention. */
  readonly cpuMedianMs: number;
  /** Where it ran, including the load average at the start (the machine is shared). */
  readonly machine: ReturnType<typeof describeMachine>;
}

const TARGET_RESOURCES = 2000;
const RUNS = 7;

type Resource = { Type: string; Properties?: Record<string, unknown>; Condition?: string };

/**
 * A realistic large network: 1 VPC in 4 AZs with NAT gateways, 100 private subnets each with its
 * own route table, 120 security groups cross-referencing each other, NACLs, 10 databases, 120 VPC
 * Lambdas, 120 instances, an ALB in front of 20 ECS services, VPC endpoints, and enough standalone
 * security group rules to reach exactly 2,000 resources.
 */
export function generateTemplate(total = TARGET_RESOURCES): Record<string, unknown> {
  const resources: Record<string, Resource> = {};
  const ref = (id: string) => ({ Ref: id });
  const add = (id: string, resource: Resource): void => {
    resources[id] = resource;
  };
  add('Vpc', { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } });
  add('Igw', { Type: 'AWS::EC2::InternetGateway' });
  add('IgwAttachment', {
    Type: 'AWS::EC2::VPCGatewayAttachment',
    Properties: { VpcId: ref('Vpc'), InternetGatewayId: ref('Igw') },
  });
  add('PublicRt', { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref('Vpc') } });
  add('PublicRoute', {
    Type: 'AWS::EC2::Route',
    Properties: { RouteTableId: ref('PublicRt'), DestinationCidrBlock: '0.0.0.0/0', GatewayId: ref('Igw') },
  });
  for (let az = 0; az < 4; az += 1) {
    add(`Public${az}`, {
      Type: 'AWS::EC2::Subnet',
      Properties: { VpcId: ref('Vpc'), CidrBlock: `10.0.${az}.0/24`, MapPublicIpOnLaunch: true },
    });
    add(`Public${az}Assoc`, {
      Type: 'AWS::EC2::SubnetRouteTableAssociation',
      Properties: { SubnetId: ref(`Public${az}`), RouteTableId: ref('PublicRt') },
    });
    add(`NatEip${az}`, { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } });
    add(`Nat${az}`, {
      Type: 'AWS::EC2::NatGateway',
      Properties: {
        SubnetId: ref(`Public${az}`),
        AllocationId: { 'Fn::GetAtt': [`NatEip${az}`, 'AllocationId'] },
      },
    });
  }
  const privateSubnets = 100;
  for (let index = 0; index < privateSubnets; index += 1) {
    add(`Private${index}`, {
      Type: 'AWS::EC2::Subnet',
      Properties: { VpcId: ref('Vpc'), CidrBlock: `10.0.${10 + index}.0/24` },
    });
    add(`Private${index}Rt`, { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref('Vpc') } });
    add(`Private${index}Assoc`, {
      Type: 'AWS::EC2::SubnetRouteTableAssociation',
      Properties: { SubnetId: ref(`Private${index}`), RouteTableId: ref(`Private${index}Rt`) },
    });
    add(`Private${index}Route`, {
      Type: 'AWS::EC2::Route',
      Properties: {
        RouteTableId: ref(`Private${index}Rt`),
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: ref(`Nat${index % 4}`),
      },
    });
  }
  add('AppAcl', { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: ref('Vpc') } });
  for (let index = 0; index < 20; index += 1) {
    add(`AppAclIn${index}`, {
      Type: 'AWS::EC2::NetworkAclEntry',
      Properties: {
        NetworkAclId: ref('AppAcl'),
        RuleNumber: 100 + index,
        Protocol: 6,
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: `10.${index}.0.0/16`,
        PortRange: { From: 0, To: 65535 },
      },
    });
    add(`AppAclOut${index}`, {
      Type: 'AWS::EC2::NetworkAclEntry',
      Properties: {
        NetworkAclId: ref('AppAcl'),
        RuleNumber: 100 + index,
        Protocol: -1,
        RuleAction: 'allow',
        Egress: true,
        CidrBlock: '0.0.0.0/0',
      },
    });
  }
  add('AppAclInReturn', {
    Type: 'AWS::EC2::NetworkAclEntry',
    Properties: {
      NetworkAclId: ref('AppAcl'),
      RuleNumber: 500,
      Protocol: 6,
      RuleAction: 'allow',
      Egress: false,
      CidrBlock: '0.0.0.0/0',
      PortRange: { From: 1024, To: 65535 },
    },
  });
  for (let index = 0; index < 10; index += 1) {
    add(`Private${index}AclAssoc`, {
      Type: 'AWS::EC2::SubnetNetworkAclAssociation',
      Properties: { SubnetId: ref(`Private${index}`), NetworkAclId: ref('AppAcl') },
    });
  }
  const groups = 120;
  for (let index = 0; index < groups; index += 1) {
    add(`Sg${index}`, {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: `group ${index}`,
        VpcId: ref('Vpc'),
        SecurityGroupIngress: [
          {
            IpProtocol: 'tcp',
            FromPort: 8080,
            ToPort: 8080,
            SourceSecurityGroupId: ref(`Sg${(index + 1) % groups}`),
          },
        ],
        SecurityGroupEgress: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' },
          {
            IpProtocol: 'tcp',
            FromPort: 8080,
            ToPort: 8080,
            DestinationSecurityGroupId: ref(`Sg${(index + groups - 1) % groups}`),
          },
        ],
      },
    });
  }
  for (let index = 0; index < 10; index += 1) {
    add(`DbSg${index}`, {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: `db ${index}`,
        VpcId: ref('Vpc'),
        SecurityGroupEgress: [
          { CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 },
        ],
      },
    });
    add(`DbSubnets${index}`, {
      Type: 'AWS::RDS::DBSubnetGroup',
      Properties: {
        DBSubnetGroupDescription: 'db',
        SubnetIds: [ref(`Private${90 + (index % 10)}`), ref(`Private${80 + (index % 10)}`)],
      },
    });
    add(`Db${index}`, {
      Type: 'AWS::RDS::DBInstance',
      Properties: {
        Engine: index % 2 === 0 ? 'postgres' : 'mysql',
        DBInstanceClass: 'db.t4g.micro',
        PubliclyAccessible: false,
        DBSubnetGroupName: ref(`DbSubnets${index}`),
        VPCSecurityGroups: [ref(`DbSg${index}`)],
      },
    });
  }
  for (let index = 0; index < 20; index += 1) {
    add(`Role${index}`, {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {},
        ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
      },
    });
    add(`Policy${index}`, {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: `p${index}`,
        Roles: [ref(`Role${index}`)],
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: ['s3:GetObject', 'ses:SendEmail', 'sqs:SendMessage'], Resource: '*' },
          ],
        },
      },
    });
  }
  for (let index = 0; index < 120; index += 1) {
    add(`Fn${index}`, {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: 'exports.handler = async () => ({})' },
        Role: { 'Fn::GetAtt': [`Role${index % 20}`, 'Arn'] },
        VpcConfig: {
          SubnetIds: [ref(`Private${index % privateSubnets}`), ref(`Private${(index + 1) % privateSubnets}`)],
          SecurityGroupIds: [ref(`Sg${index % groups}`)],
        },
      },
    });
    add(`Instance${index}`, {
      Type: 'AWS::EC2::Instance',
      Properties: {
        ImageId: 'ami-1',
        InstanceType: 't3.micro',
        SubnetId: ref(`Private${(index * 7) % privateSubnets}`),
        SecurityGroupIds: [ref(`Sg${(index * 3) % groups}`)],
      },
    });
  }
  add('AlbSg', {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      GroupDescription: 'alb',
      VpcId: ref('Vpc'),
      SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }],
    },
  });
  add('Alb', {
    Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    Properties: { Subnets: [ref('Public0'), ref('Public1')], SecurityGroups: [ref('AlbSg')] },
  });
  add('Tg', {
    Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
    Properties: { Port: 8080, Protocol: 'HTTP', TargetType: 'ip', VpcId: ref('Vpc') },
  });
  add('Listener', {
    Type: 'AWS::ElasticLoadBalancingV2::Listener',
    Properties: {
      LoadBalancerArn: ref('Alb'),
      Port: 443,
      Protocol: 'HTTPS',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: ref('Tg') }],
    },
  });
  for (let index = 0; index < 20; index += 1) {
    add(`Task${index}`, {
      Type: 'AWS::ECS::TaskDefinition',
      Properties: {
        NetworkMode: 'awsvpc',
        ContainerDefinitions: [{ Name: 'app', PortMappings: [{ ContainerPort: 8080 }] }],
      },
    });
    add(`Service${index}`, {
      Type: 'AWS::ECS::Service',
      Properties: {
        TaskDefinition: ref(`Task${index}`),
        LoadBalancers: [{ ContainerName: 'app', ContainerPort: 8080, TargetGroupArn: ref('Tg') }],
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            Subnets: [ref(`Private${index}`), ref(`Private${index + 20}`)],
            SecurityGroups: [ref(`Sg${index}`)],
          },
        },
      },
    });
  }
  add('S3Endpoint', {
    Type: 'AWS::EC2::VPCEndpoint',
    Properties: {
      VpcId: ref('Vpc'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a JS template.
      ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.s3' },
      RouteTableIds: Array.from({ length: 50 }, (_, index) => ref(`Private${index}Rt`)),
    },
  });
  // Fill to the exact total with standalone rules, the most numerous resource in real CDK output.
  let rule = 0;
  while (Object.keys(resources).length < total) {
    const group = rule % groups;
    add(`Rule${rule}`, {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: { 'Fn::GetAtt': [`Sg${group}`, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 9000 + (rule % 50),
        ToPort: 9000 + (rule % 50),
        SourceSecurityGroupId: ref(`Sg${(group + 7) % groups}`),
      },
    });
    add(`DbRule${rule}`, {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: ref(`DbSg${rule % 10}`),
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        SourceSecurityGroupId: ref(`Sg${group}`),
      },
    });
    rule += 1;
  }
  while (Object.keys(resources).length > total) delete resources[`DbRule${rule - 1}`];
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
}

function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Runs the benchmark, writes bench/results/netcheck.json, prints a table and returns the result. */
export async function run(): Promise<NetcheckBenchResult> {
  const template = generateTemplate();
  const text = JSON.stringify(template);
  const resources = Object.keys(template.Resources as object).length;
  const checkOnce = () => {
    const model = buildNetworkModel([parseTemplate(text, { name: 'bench' })]);
    return { findings: runRules(model), matrix: trafficMatrix(model) };
  };
  // One warm-up of each so JIT compilation is not measured.
  const warm = checkOnce();
  JSON.parse(text);
  const checkTimes: number[] = [];
  const cpuTimes: number[] = [];
  const parseTimes: number[] = [];
  const machine = describeMachine();
  for (let index = 0; index < RUNS; index += 1) {
    let start = performance.now();
    JSON.parse(text);
    parseTimes.push(performance.now() - start);
    const cpuStart = process.cpuUsage();
    start = performance.now();
    checkOnce();
    checkTimes.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  const sorted = [...checkTimes].sort((a, b) => a - b);
  const medianMs = median(checkTimes);
  const parseOnlyMedianMs = median(parseTimes);
  const result: NetcheckBenchResult = {
    name: 'netcheck',
    date: new Date().toISOString(),
    resources,
    runs: RUNS,
    medianMs: round(medianMs),
    p95Ms: round(percentile(sorted, 0.95)),
    parseOnlyMedianMs: round(parseOnlyMedianMs, 2),
    ratioToParse: round(medianMs / parseOnlyMedianMs),
    targetMs: 2000,
    pass: medianMs < 2000,
    findings: warm.findings.length,
    matrixEntries: warm.matrix.length,
    cpuMedianMs: round(median(cpuTimes)),
    machine,
  };
  await writeResult('netcheck', result);
  printTable([
    ['measure', 'median ms', 'p95 ms', 'CPU ms (median)', 'ratio', 'target', 'pass'],
    [
      `check() on ${resources} resources (${result.matrixEntries} matrix entries, ${result.findings} findings)`,
      result.medianMs,
      result.p95Ms,
      result.cpuMedianMs,
      `${result.ratioToParse}x JSON.parse`,
      `< ${result.targetMs} ms`,
      result.pass ? 'yes' : 'NO',
    ],
    ['JSON.parse of the same text (floor)', result.parseOnlyMedianMs, '', '', '', '', ''],
  ]);
  return result;
}
