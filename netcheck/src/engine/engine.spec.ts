import { describe, expect, it } from 'vitest';
import { buildNetworkModel } from '../model/build-network-model.js';
import type { NetworkModel } from '../model/network-model.js';
import { EPHEMERAL_PORTS, INTERNET } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { parseCidr, parseIpv4 } from '../net/ipv4.js';
import { parseTemplate } from '../template/parse-template.js';
import { evaluateNetworkAcl } from './evaluate-network-acl.js';
import { evaluateSecurityGroups } from './evaluate-security-groups.js';
import { lookupRoutes } from './route-lookup.js';

function model(resources: string): NetworkModel {
  return buildNetworkModel([parseTemplate(`Resources:\n${resources}`)]);
}

const addresses = (text: string): IntervalSet => parseCidr(text)?.addresses ?? IntervalSet.empty();

const network = `
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Igw: { Type: AWS::EC2::InternetGateway }
  Att: { Type: AWS::EC2::VPCGatewayAttachment, Properties: { VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw } }
  Sub: { Type: AWS::EC2::Subnet, Properties: { VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24 } }
  Nat: { Type: AWS::EC2::NatGateway, Properties: { SubnetId: !Ref Sub, AllocationId: eipalloc-1 } }
  Rt: { Type: AWS::EC2::RouteTable, Properties: { VpcId: !Ref Vpc } }
  Default: { Type: AWS::EC2::Route, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref Nat } }
  Half: { Type: AWS::EC2::Route, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/1, GatewayId: !Ref Igw } }
  Host: { Type: AWS::EC2::Route, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 8.8.8.8/32, GatewayId: !Ref Igw } }
`;

describe('lookupRoutes (longest prefix match over address sets)', () => {
  const m = model(network);
  const table = m.routeTables.get('Rt');
  if (!table) throw new Error('no table');

  it('lets the local route win for VPC addresses', () => {
    const [match, extra] = lookupRoutes(m, table, addresses('10.0.5.0/24'));
    expect(extra).toBeUndefined();
    expect(match?.route?.target.kind).toBe('local');
  });

  it('partitions the internet between 0.0.0.0/1 → IGW and the rest of 0.0.0.0/0 → NAT', () => {
    const matches = lookupRoutes(m, table, INTERNET);
    const byRoute = new Map(matches.map((match) => [match.route?.id, match.addresses]));
    expect(byRoute.get('Half')?.has(parseIpv4('1.1.1.1') as number)).toBe(true);
    expect(byRoute.get('Half')?.has(parseIpv4('8.8.8.8') as number)).toBe(false);
    expect(byRoute.get('Host')?.size()).toBe(1);
    expect(byRoute.get('Default')?.has(parseIpv4('200.1.1.1') as number)).toBe(true);
    const union = matches.reduce((set, match) => set.union(match.addresses), IntervalSet.empty());
    expect(union.equals(INTERNET)).toBe(true);
  });

  it('reports addresses no route covers', () => {
    const isolated = model(`
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Rt: { Type: AWS::EC2::RouteTable, Properties: { VpcId: !Ref Vpc } }
`);
    const [match] = lookupRoutes(isolated, isolated.routeTables.get('Rt') as never, addresses('8.8.8.0/24'));
    expect(match?.route).toBeUndefined();
    expect(match?.addresses.size()).toBe(256);
  });
});

describe('lookupRoutes with routes that may not exist (review 2026-12-07)', () => {
  const m = buildNetworkModel([
    parseTemplate(`
Parameters:
  Flag: { Type: String }
Conditions:
  On: !Equals [!Ref Flag, 'on']
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Sub: { Type: AWS::EC2::Subnet, Properties: { VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24 } }
  Nat: { Type: AWS::EC2::NatGateway, Properties: { SubnetId: !Ref Sub, AllocationId: eipalloc-1 } }
  Rt: { Type: AWS::EC2::RouteTable, Properties: { VpcId: !Ref Vpc } }
  MaybeDefault: { Type: AWS::EC2::Route, Condition: On, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0, TransitGatewayId: tgw-1 } }
  Default: { Type: AWS::EC2::Route, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref Nat } }
  OnPrem: { Type: AWS::EC2::Route, Condition: On, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 172.16.0.0/12, TransitGatewayId: tgw-1 } }
  Wide: { Type: AWS::EC2::Route, Condition: On, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 10.1.0.0/16, TransitGatewayId: tgw-1 } }
  Narrow: { Type: AWS::EC2::Route, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 10.1.2.0/24, VpcPeeringConnectionId: pcx-1 } }
`),
  ]);
  const table = m.routeTables.get('Rt');
  if (!table) throw new Error('no table');

  it('leaves addresses the uncertain route does not cover definite', () => {
    const matches = lookupRoutes(m, table, INTERNET);
    expect(matches.map((match) => [match.route?.id, match.unknownReason])).toEqual([['Default', undefined]]);
  });

  it('gives the addresses it would win both answers, each marked unknown', () => {
    const matches = lookupRoutes(m, table, addresses('172.16.1.0/24'));
    expect(matches.map((match) => match.route?.id)).toEqual(['OnPrem', 'Default']);
    for (const match of matches) expect(match.unknownReason).toContain('OnPrem may not exist (Condition On');
  });

  it('respects longest prefix: a more specific certain route decides alone', () => {
    const [match, extra] = lookupRoutes(m, table, addresses('10.1.2.5/32'));
    expect(extra).toBeUndefined();
    expect(match?.route?.id).toBe('Narrow');
    expect(match?.unknownReason).toBeUndefined();
    const wide = lookupRoutes(m, table, addresses('10.1.3.0/24'));
    expect(wide.map((each) => each.route?.id)).toEqual(['Wide', 'Default']);
  });

  it('on equal prefixes, a route that certainly exists wins over one that may not', () => {
    const [match] = lookupRoutes(m, table, addresses('8.8.8.0/24'));
    expect(match?.route?.id).toBe('Default');
    expect(match?.unknownReason).toBeUndefined();
  });
});

const groups = `
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  App: { Type: AWS::EC2::SecurityGroup, Properties: { GroupDescription: app, VpcId: !Ref Vpc } }
  Closed:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: cdk
      VpcId: !Ref Vpc
      SecurityGroupEgress: [{ CidrIp: 255.255.255.255/32, IpProtocol: icmp, FromPort: 252, ToPort: 86, Description: Disallow all traffic }]
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref App }
        - { IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.0.1.0/24 }
        - { IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: !ImportValue AdminCidr }
  Standalone: { Type: AWS::EC2::SecurityGroupIngress, Properties: { GroupId: !GetAtt Db.GroupId, IpProtocol: tcp, FromPort: 6000, ToPort: 6010, CidrIp: 0.0.0.0/0 } }
`;

describe('evaluateSecurityGroups', () => {
  const m = model(groups);

  it('allows by security group reference regardless of address', () => {
    const decision = evaluateSecurityGroups(m, ['Db'], 'ingress', 'tcp', 5432, {
      groups: ['App'],
      addresses: addresses('10.0.9.0/24'),
    });
    expect(decision.denied.isEmpty()).toBe(true);
    expect(decision.unknown.isEmpty()).toBe(true);
    expect(decision.matchedRules.map((rule) => rule.id)).toContain('Db.SecurityGroupIngress[0]');
  });

  it('splits a peer subnet into allowed / unknown parts by CIDR rules', () => {
    const decision = evaluateSecurityGroups(m, ['Db'], 'ingress', 'tcp', 5432, {
      groups: ['Other'],
      addresses: addresses('10.0.0.0/23'),
    });
    expect(decision.allowed.equals(addresses('10.0.1.0/24'))).toBe(true);
    // The imported CIDR could match the rest: unknown, not denied.
    expect(decision.unknown.equals(addresses('10.0.0.0/24'))).toBe(true);
  });

  it('applies standalone ingress rules and port ranges', () => {
    const inRange = evaluateSecurityGroups(m, ['Db'], 'ingress', 'tcp', 6005, {
      groups: 'none',
      addresses: INTERNET,
    });
    expect(inRange.allowed.equals(INTERNET)).toBe(true);
    const udp = evaluateSecurityGroups(m, ['Db'], 'ingress', 'udp', 6005, {
      groups: 'none',
      addresses: INTERNET,
    });
    expect(udp.allowed.isEmpty()).toBe(true);
  });

  it('gives groups without inline egress the CloudFormation default allow-all egress', () => {
    const decision = evaluateSecurityGroups(m, ['App'], 'egress', 'tcp', 443, {
      groups: 'none',
      addresses: INTERNET,
    });
    expect(decision.allowed.equals(INTERNET)).toBe(true);
    expect(decision.matchedRules[0]?.origin).toBe('cloudformation-default-egress');
  });

  it('treats the CDK placeholder egress as deny-all', () => {
    expect(m.securityGroups.get('Closed')?.cdkDenyAllEgress).toBe(true);
    const decision = evaluateSecurityGroups(m, ['Closed'], 'egress', 'tcp', 443, {
      groups: 'none',
      addresses: INTERNET,
    });
    expect(decision.allowed.isEmpty()).toBe(true);
    expect(decision.denied.equals(INTERNET)).toBe(true);
  });

  it('is unknown for a group that is not in the template', () => {
    const decision = evaluateSecurityGroups(m, ['external:sg-123'], 'egress', 'tcp', 443, {
      groups: 'none',
      addresses: INTERNET,
    });
    expect(decision.unknown.equals(INTERNET)).toBe(true);
  });
});

const acl = `
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Acl: { Type: AWS::EC2::NetworkAcl, Properties: { VpcId: !Ref Vpc } }
  DenyBad: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 90, Protocol: -1, RuleAction: deny, CidrBlock: 203.0.113.0/24 } }
  AllowHttps: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: { From: 443, To: 443 } } }
  LateDeny: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 200, Protocol: 6, RuleAction: deny, CidrBlock: 0.0.0.0/0, PortRange: { From: 443, To: 443 } } }
  OutHigh: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: true, CidrBlock: 0.0.0.0/0, PortRange: { From: 32768, To: 65535 } } }
`;

describe('evaluateNetworkAcl', () => {
  const m = model(acl);
  const table = m.networkAcls.get('Acl');
  if (!table) throw new Error('no acl');

  it('evaluates entries in rule-number order: the first match decides', () => {
    const decision = evaluateNetworkAcl(table, false, 'tcp', IntervalSet.single(443), INTERNET);
    expect(decision.denied.equals(addresses('203.0.113.0/24'))).toBe(true);
    expect(decision.deniedBy?.id).toBe('DenyBad');
    expect(decision.allowed.equals(INTERNET.subtract(addresses('203.0.113.0/24')))).toBe(true);
    expect(decision.allowedBy?.id).toBe('AllowHttps');
    // Rule 200 never decides anything because rule 100 matched first.
    expect(decision.implicitlyDenied.isEmpty()).toBe(true);
  });

  it('denies anything no entry matches (implicit *)', () => {
    const decision = evaluateNetworkAcl(table, false, 'tcp', IntervalSet.single(22), INTERNET);
    expect(decision.allowed.isEmpty()).toBe(true);
    expect(decision.deniedBy?.id).toBe('DenyBad');
    expect(decision.implicitlyDenied.equals(INTERNET.subtract(addresses('203.0.113.0/24')))).toBe(true);
  });

  it('requires the whole ephemeral range for return traffic', () => {
    const decision = evaluateNetworkAcl(table, true, 'tcp', EPHEMERAL_PORTS, INTERNET);
    // 32768-65535 is allowed, 1024-32767 is not: every address has a denied port.
    expect(decision.allowed.isEmpty()).toBe(true);
    expect(decision.implicitlyDenied.equals(INTERNET)).toBe(true);
  });

  it('an entry whose Egress is unresolved makes both directions unknown', () => {
    const m = buildNetworkModel([
      parseTemplate(`Parameters:
  Outbound: { Type: String }
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Acl: { Type: AWS::EC2::NetworkAcl, Properties: { VpcId: !Ref Vpc } }
  AllowAll: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 200, Protocol: -1, RuleAction: allow, CidrBlock: 0.0.0.0/0 } }
  AllowAllOut: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 200, Protocol: -1, RuleAction: allow, Egress: true, CidrBlock: 0.0.0.0/0 } }
  MaybeDeny: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: -1, RuleAction: deny, Egress: !Ref Outbound, CidrBlock: 0.0.0.0/0 } }
`),
    ]);
    const unresolved = m.networkAcls.get('Acl');
    if (!unresolved) throw new Error('no acl');
    for (const egress of [false, true]) {
      const decision = evaluateNetworkAcl(unresolved, egress, 'tcp', IntervalSet.single(443), INTERNET);
      expect(decision.unknown.equals(INTERNET)).toBe(true);
    }
  });

  it('allows everything in a default network ACL', () => {
    const defaultAcl = m.networkAcls.get('Vpc.DefaultNetworkAcl');
    if (!defaultAcl) throw new Error('no default acl');
    expect(
      evaluateNetworkAcl(defaultAcl, false, 'udp', EPHEMERAL_PORTS, INTERNET).allowed.equals(INTERNET),
    ).toBe(true);
  });
});

// An entry for another protocol is skipped, not matched: every other test's entries are -1 or tcp.
describe('evaluateNetworkAcl protocol matching', () => {
  const protocols = buildNetworkModel([
    parseTemplate(`Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Acl: { Type: AWS::EC2::NetworkAcl, Properties: { VpcId: !Ref Vpc } }
  DenyUdp: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 17, RuleAction: deny, CidrBlock: 0.0.0.0/0, PortRange: { From: 0, To: 65535 } } }
  AllowTcp: { Type: AWS::EC2::NetworkAclEntry, Properties: { NetworkAclId: !Ref Acl, RuleNumber: 200, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: { From: 443, To: 443 } } }
`),
  ]);
  const acl = protocols.networkAcls.get('Acl');
  if (!acl) throw new Error('no acl');

  it('lets a UDP entry decide nothing for TCP, and a TCP entry nothing for UDP', () => {
    const tcp = evaluateNetworkAcl(acl, false, 'tcp', IntervalSet.single(443), INTERNET);
    expect(tcp.allowed.equals(INTERNET)).toBe(true);
    expect(tcp.allowedBy?.id).toBe('AllowTcp');
    expect(tcp.deniedBy).toBeUndefined();
    const udp = evaluateNetworkAcl(acl, false, 'udp', IntervalSet.single(443), INTERNET);
    expect(udp.allowed.isEmpty()).toBe(true);
    expect(udp.deniedBy?.id).toBe('DenyUdp');
  });
});
