import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { layoutProblems, Network, type NetworkLayout, validateLayout } from '../lib/constructs/network.js';
import { PRESET_NAMES, resolvePreset } from '../lib/presets.js';
import { routeTableOf, subnetIds } from './support.js';

const az = (letter: string) => `ap-southeast-2${letter}`;

function synthNetwork(layout: NetworkLayout): Template {
  const stack = new Stack(new App(), 'Net', { env: { region: 'ap-southeast-2' } });
  new Network(stack, 'Network', { layout });
  return Template.fromStack(stack);
}

describe('Network built from the nest-vpc preset (seed 000)', () => {
  let template: Template;
  const preset = resolvePreset('nest-vpc');
  beforeAll(() => {
    template = synthNetwork(preset.network);
  });

  it('creates the seed’s exact VPC and subnets, pinned to their AZs, without public IPs on launch', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/24', EnableDnsHostnames: true });
    const expected: [string, string][] = [
      ['10.0.0.0/28', az('a')],
      ['10.0.0.16/28', az('a')],
      ['10.0.0.32/28', az('b')],
      ['10.0.0.48/28', az('c')],
      ['10.0.0.64/28', az('a')],
      ['10.0.0.80/28', az('b')],
      ['10.0.0.96/28', az('c')],
    ];
    for (const [cidr, zone] of expected) {
      template.hasResourceProperties('AWS::EC2::Subnet', {
        CidrBlock: cidr,
        AvailabilityZone: zone,
        MapPublicIpOnLaunch: false,
      });
    }
    template.resourceCountIs('AWS::EC2::Subnet', expected.length);
  });

  it('routes 0.0.0.0/0 of the public subnet to the internet gateway', () => {
    const [publicSubnet] = subnetIds(template, ['10.0.0.0/28']);
    const routeTable = routeTableOf(template, publicSubnet as string);
    template.hasResourceProperties('AWS::EC2::Route', {
      RouteTableId: routeTable,
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: { Ref: Match.stringLikeRegexp('InternetGateway') },
    });
    template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 1);
  });

  it('gives the NAT gateway an Elastic IP (seed 003’s NAT had none) and places it in the public subnet', () => {
    const [publicSubnet] = subnetIds(template, ['10.0.0.0/28']);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::NatGateway', {
      SubnetId: { Ref: publicSubnet },
      AllocationId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EIP'), 'AllocationId'] },
    });
    template.hasResourceProperties('AWS::EC2::EIP', { Domain: 'vpc' });
  });

  it('routes 0.0.0.0/0 (not seed 000’s 0.0.0.0/16) of every private subnet to the NAT', () => {
    const routes = template.findResources('AWS::EC2::Route', {
      Properties: { NatGatewayId: Match.anyValue() },
    });
    expect(Object.keys(routes)).toHaveLength(3);
    for (const route of Object.values(routes)) {
      expect(route.Properties.DestinationCidrBlock).toBe('0.0.0.0/0');
    }
    template.resourcePropertiesCountIs('AWS::EC2::Route', { DestinationCidrBlock: '0.0.0.0/16' }, 0);
  });

  it('leaves the isolated database subnets without any route out of the VPC', () => {
    const isolated = subnetIds(template, ['10.0.0.64/28', '10.0.0.80/28', '10.0.0.96/28']);
    for (const table of isolated.map((id) => routeTableOf(template, id))) {
      template.resourcePropertiesCountIs('AWS::EC2::Route', { RouteTableId: table }, 0);
    }
  });

  it('gives the private subnets (only) an S3 gateway endpoint', () => {
    const tables = subnetIds(template, ['10.0.0.16/28', '10.0.0.32/28', '10.0.0.48/28']).map((id) =>
      routeTableOf(template, id),
    );
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])] },
      RouteTableIds: tables,
    });
  });

  it('writes VPC flow logs of all traffic to a log group kept 30 days', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('the VPC’s default security group', () => {
  let template: Template;
  beforeAll(() => {
    template = synthNetwork(resolvePreset('nest-vpc').network);
  });

  /** A custom resource's SDK call, with the VPC's default group written as `<default group>`. */
  const callOf = (rule: string, phase: 'Create' | 'Update' | 'Delete'): Record<string, unknown> => {
    const [resource] = Object.values(
      template.findResources('Custom::VpcDefaultSecurityGroupRule', {
        Properties: {
          Create: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`SecurityGroup${rule}`)])] },
        },
      }),
    ) as { Properties: Record<string, { 'Fn::Join': [string, unknown[]] }> }[];
    const parts = resource?.Properties[phase]?.['Fn::Join'][1] ?? [];
    const text = parts
      .map((part) =>
        JSON.stringify(part) === JSON.stringify({ 'Fn::GetAtt': [vpcId(), 'DefaultSecurityGroup'] })
          ? '<default group>'
          : part,
      )
      .join('');
    return JSON.parse(text) as Record<string, unknown>;
  };
  const vpcId = () => Object.keys(template.findResources('AWS::EC2::VPC'))[0] as string;

  // Security Hub EC2.2 / CIS 5.4: AWS's rules (all traffic between its members, all egress) stay
  // on a CfnVPC's default group unless removed; anything later created without a group gets them.
  it('has AWS’s ingress and egress rules revoked at deploy (a replaced VPC’s too), and put back on delete', () => {
    expect(template.findResources('Custom::VpcDefaultSecurityGroupRule')).toSatisfy(
      (found: object) => Object.keys(found).length === 2,
    );
    expect(callOf('Ingress', 'Create')).toMatchObject({
      service: 'EC2',
      action: 'revokeSecurityGroupIngress',
      parameters: {
        GroupId: '<default group>',
        IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: '<default group>' }] }],
      },
      ignoreErrorCodesMatching: 'InvalidPermission\\.NotFound',
    });
    expect(callOf('Egress', 'Create')).toMatchObject({
      action: 'revokeSecurityGroupEgress',
      parameters: {
        GroupId: '<default group>',
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
    });
    expect(callOf('Ingress', 'Update')).toEqual(callOf('Ingress', 'Create'));
    expect(callOf('Egress', 'Update')).toEqual(callOf('Egress', 'Create'));
    expect(callOf('Ingress', 'Delete')).toMatchObject({ action: 'authorizeSecurityGroupIngress' });
    expect(callOf('Egress', 'Delete')).toMatchObject({
      action: 'authorizeSecurityGroupEgress',
      ignoreErrorCodesMatching: 'InvalidPermission\\.Duplicate',
    });
  });

  it('lets the deploy-time function edit that one group and nothing else', () => {
    const groupArn = {
      'Fn::Join': [
        '',
        Match.arrayWith([':security-group/', { 'Fn::GetAtt': [vpcId(), 'DefaultSecurityGroup'] }]),
      ],
    };
    for (const direction of ['Ingress', 'Egress']) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: [`ec2:RevokeSecurityGroup${direction}`, `ec2:AuthorizeSecurityGroup${direction}`],
              Resource: groupArn,
            },
          ],
        },
      });
    }
  });
});

describe('Network with a NAT per AZ (prod preset)', () => {
  it('puts one NAT in each AZ and routes each private subnet to the NAT of its own AZ', () => {
    const preset = resolvePreset('prod');
    const template = synthNetwork(preset.network);
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    template.resourceCountIs('AWS::EC2::EIP', 3);
    const publicIds = subnetIds(template, ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24']);
    const privateIds = subnetIds(template, ['10.20.16.0/20', '10.20.32.0/20', '10.20.48.0/20']);
    privateIds.forEach((privateId, i) => {
      const nat = Object.keys(
        template.findResources('AWS::EC2::NatGateway', { Properties: { SubnetId: { Ref: publicIds[i] } } }),
      )[0];
      const table = routeTableOf(template, privateId);
      template.hasResourceProperties('AWS::EC2::Route', {
        RouteTableId: table,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: { Ref: nat },
      });
    });
  });
});

describe('network layout validation', () => {
  const valid: NetworkLayout = {
    vpcCidr: '10.0.0.0/24',
    publicSubnets: [{ cidr: '10.0.0.0/28', availabilityZone: az('a') }],
    privateSubnets: [{ cidr: '10.0.0.16/28', availabilityZone: az('a') }],
    natGateways: 1,
  };

  it('accepts every built-in preset', () => {
    for (const name of PRESET_NAMES) expect(layoutProblems(resolvePreset(name).network)).toEqual([]);
  });

  it('fails when a subnet does not fit in the VPC CIDR', () => {
    const layout = { ...valid, privateSubnets: [{ cidr: '10.0.1.0/28', availabilityZone: az('a') }] };
    expect(() => validateLayout(layout)).toThrow(
      /10\.0\.1\.0\/28 does not fit in the VPC CIDR 10\.0\.0\.0\/24/,
    );
    expect(() => synthNetwork(layout)).toThrow(/does not fit/);
  });

  it('fails when subnets overlap', () => {
    const layout = { ...valid, privateSubnets: [{ cidr: '10.0.0.0/27', availabilityZone: az('b') }] };
    expect(() => validateLayout(layout)).toThrow(/10\.0\.0\.0\/27 overlaps public subnet 10\.0\.0\.0\/28/);
  });

  it('fails when a CIDR has host bits set or is not a CIDR', () => {
    expect(() => validateLayout({ ...valid, vpcCidr: '10.0.0.1/24' })).toThrow(/host bits set/);
    expect(() => validateLayout({ ...valid, vpcCidr: '10.0.0.0' })).toThrow(/not an IPv4 CIDR/);
    expect(() => validateLayout({ ...valid, vpcCidr: '10.0.0.0/8' })).toThrow(/between \/16 and \/28/);
  });

  it('fails when private subnets have no NAT gateway, or NATs outnumber public AZs', () => {
    expect(() => validateLayout({ ...valid, natGateways: 0 })).toThrow(/need at least one NAT gateway/);
    expect(() => validateLayout({ ...valid, natGateways: 2 })).toThrow(/cover only 1 AZ/);
  });

  it('lists every problem at once', () => {
    const problems = layoutProblems({
      vpcCidr: '10.0.0.0/24',
      publicSubnets: [{ cidr: '10.9.0.0/28', availabilityZone: az('a') }],
      privateSubnets: [{ cidr: '10.0.0.0/28', availabilityZone: az('a') }],
      natGateways: 0,
    });
    expect(problems).toHaveLength(2);
  });

  it('fails when a preset moved to a region is named wrongly', () => {
    expect(() => resolvePreset('dev', { region: 'moon-1' })).toThrow(/not an AWS region/);
    expect(() => resolvePreset('staging')).toThrow(/Unknown preset "staging"/);
  });

  it('moves a preset to another region keeping the AZ letters', () => {
    const moved = resolvePreset('nest-vpc', { region: 'eu-west-1' });
    expect(moved.network.privateSubnets.map((s) => s.availabilityZone)).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
    ]);
  });
});

describe('Network.fromExisting (import mode)', () => {
  it('references the given ids without creating a VPC', () => {
    const stack = new Stack(new App(), 'Imported', { env: { region: 'ap-southeast-2' } });
    const network = Network.fromExisting(stack, 'Network', {
      vpcId: 'vpc-00b91951c36f803c6',
      availabilityZones: [az('a'), az('b')],
      privateSubnetIds: ['subnet-0252fa717f4638268', 'subnet-05b32a038870ee48f'],
    });
    expect(network.vpc.vpcId).toBe('vpc-00b91951c36f803c6');
    expect(network.privateSubnets.map((s) => s.subnetId)).toEqual([
      'subnet-0252fa717f4638268',
      'subnet-05b32a038870ee48f',
    ]);
    expect(network.dataSubnets).toBe(network.privateSubnets);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 0);
  });

  it('fails when ids are malformed or no private subnet is given', () => {
    const stack = new Stack(new App(), 'Bad');
    expect(() =>
      Network.fromExisting(stack, 'Network', {
        vpcId: 'vpc-123',
        availabilityZones: [az('a')],
        privateSubnetIds: [],
      }),
    ).toThrow(/"vpc-123" is not a VPC id[\s\S]*at least one private subnet/);
  });
});
