import { describe, expect, it } from 'vitest';
import { check } from '../src/check.js';
import { findPath } from '../src/engine/find-path.js';
import type { PathQuery, PathResult } from '../src/engine/path-types.js';
import { Unresolved } from '../src/template/template-values.js';
import { checkFixture, findingKeys, fixturePath } from './fixture-helpers.js';

/**
 * Never a silent pass: inputs netcheck cannot resolve must give "unknown" (a path answer and/or an
 * NV-UNK-001 finding), never a definite "not reachable" or zero findings. Each case also checks the
 * definite answers once the missing value is given with --param.
 */
async function path(fixture: string, query: PathQuery, params?: Record<string, string>): Promise<PathResult> {
  const { model } = await checkFixture(fixture, params);
  return findPath(model, query);
}

describe('conditional inline security group rules', () => {
  const fixture = 'inline-sg-rule-conditional.yaml';

  it('an `!If` ingress element with an unresolved condition makes internet → database unknown', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Db', port: 5432 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('AllowAdmin');
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toContain('NV-UNK-001 DbSg');
  });

  it('a lone conditional egress rule is not deny-all', async () => {
    const result = await path(fixture, { from: 'Web', to: 'internet', port: 443 });
    expect(result.reachable).toBe('unknown');
  });

  it('with the condition given, the answers are definite', async () => {
    const admin = { AllowAdmin: 'true' };
    expect((await path(fixture, { from: 'internet', to: 'Db', port: 5432 }, admin)).reachable).toBe(true);
    expect((await path(fixture, { from: 'Web', to: 'internet', port: 443 }, admin)).reachable).toBe(false);
    const none = { AllowAdmin: 'false' };
    expect((await path(fixture, { from: 'internet', to: 'Db', port: 5432 }, none)).reachable).toBe(false);
    expect((await path(fixture, { from: 'Web', to: 'internet', port: 443 }, none)).reachable).toBe(true);
  });
});

describe('the VPC default security group and network ACL', () => {
  const fixture = 'vpc-default-sg-nacl.yaml';

  it('a standalone rule on Fn::GetAtt [Vpc, DefaultSecurityGroup] applies to the default group', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Db', port: 5432 });
    expect(result.reachable).toBe(true);
    expect(result.path.find((hop) => hop.kind === 'security-group-ingress')?.detail).toContain(
      'OpenDefaultSg',
    );
  });

  it('an entry on Fn::GetAtt [Vpc, DefaultNetworkAcl] is evaluated before its built-in #100 allow-all', async () => {
    const https = await path(fixture, { from: 'Fn', to: 'internet', port: 443 });
    expect(https.blockedAt).toMatchObject({
      code: 'SUBNET_ACL_RESTRICTION',
      resource: 'Vpc.DefaultNetworkAcl',
    });
    expect(https.blockedAt?.reason).toContain('DenyHttpsOut');
    expect((await path(fixture, { from: 'Fn', to: 'internet', port: 80 })).reachable).toBe(true);
  });

  it('reports the exposure', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual([
      'NV-LMB-001 Fn',
      'NV-RDS-001 Db',
      'NV-SG-001 Vpc.DefaultSecurityGroup',
    ]);
  });
});

describe('standalone rules whose group or ACL cannot be resolved', () => {
  it('an SG rule with an imported GroupId may belong to any group: its flow is unknown', async () => {
    const fixture = 'unresolved-sg-rule-target.yaml';
    const ssh = await path(fixture, { from: 'internet', to: 'Web', port: 22 });
    expect(ssh.reachable).toBe('unknown');
    expect(ssh.blockedAt?.reason).toContain('SharedSgId');
    // Flows its rule does not match stay definite.
    expect((await path(fixture, { from: 'internet', to: 'Web', port: 443 })).reachable).toBe(true);
    const { findings } = await checkFixture(fixture);
    expect(findings.find((finding) => finding.resource === 'SshFromAnywhere')?.message).not.toContain(
      'outside the loaded templates',
    );
  });

  it('NV-SG-002 cannot decide for a standalone egress rule that may belong to another group', async () => {
    const { findings } = await checkFixture('unresolved-sg-rule-target.yaml');
    expect(findingKeys(findings)).toEqual([
      'NV-MODEL-001 HttpsOutOnly',
      'NV-MODEL-001 SshFromAnywhere',
      'NV-UNK-001 Vpc.DefaultSecurityGroup',
      // SshFromAnywhere (tcp/22 from 0.0.0.0/0) may belong to WebSg: NV-CMP-002 cannot decide.
      'NV-UNK-001 Web',
      'NV-UNK-001 WebSg',
    ]);
  });

  it('a NACL entry with an imported NetworkAclId makes answers through the ACLs here unknown', async () => {
    const result = await path('unresolved-nacl-entry-target.yaml', {
      from: 'internet',
      to: 'Web',
      port: 443,
    });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('SharedAclId');
  });
});

describe('subnet associations and routes that cannot be resolved', () => {
  const fixture = 'subnet-association-unresolved.yaml';

  it('a route table chosen by an unresolved !If makes the subnet’s answers unknown', async () => {
    for (const query of [
      { from: 'IfInstance', to: 'internet', port: 443 },
      { from: 'internet', to: 'IfInstance', port: 22 },
    ]) {
      const result = await path(fixture, query);
      expect(result.reachable).toBe('unknown');
      expect(result.blockedAt?.reason).toContain('Exposure');
    }
  });

  it('an association under an unresolved Condition is not taken as certain', async () => {
    expect((await path(fixture, { from: 'internet', to: 'CondInstance', port: 22 })).reachable).toBe(
      'unknown',
    );
    expect((await path(fixture, { from: 'CondInstance', to: 'internet', port: 443 })).reachable).toBe(
      'unknown',
    );
  });

  it('a network ACL chosen by an unresolved !If makes the subnet’s answers unknown', async () => {
    const result = await path(fixture, { from: 'AclInstance', to: 'internet', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.resource).toBe('AclSubnet.UnresolvedNetworkAcl');
  });

  it('NAT rules do not judge a NAT gateway’s subnet whose route table is unknown', async () => {
    const { findings } = await checkFixture(fixture);
    // The instances' SSH (open to 0.0.0.0/0) is reachable or not depending on the same unknown
    // tables / ACL: NV-CMP-002 says so rather than passing.
    expect(findingKeys(findings)).toEqual([
      'NV-UNK-001 AclInstance',
      'NV-UNK-001 CondInstance',
      'NV-UNK-001 CondNat',
      'NV-UNK-001 CondNat',
      'NV-UNK-001 IfInstance',
    ]);
  });

  it('with the condition given, the answers are definite', async () => {
    const pub = { Exposure: 'public' };
    expect((await path(fixture, { from: 'internet', to: 'IfInstance', port: 22 }, pub)).reachable).toBe(true);
    expect((await path(fixture, { from: 'internet', to: 'CondInstance', port: 22 }, pub)).reachable).toBe(
      true,
    );
    expect((await path(fixture, { from: 'AclInstance', to: 'internet', port: 443 }, pub)).reachable).toBe(
      true,
    );
    const priv = { Exposure: 'private' };
    expect((await path(fixture, { from: 'internet', to: 'IfInstance', port: 22 }, priv)).reachable).toBe(
      false,
    );
    expect((await path(fixture, { from: 'internet', to: 'CondInstance', port: 22 }, priv)).reachable).toBe(
      false,
    );
    expect((await path(fixture, { from: 'AclInstance', to: 'internet', port: 443 }, priv)).reachable).toBe(
      false,
    );
  });

  it('a route with an unresolved table is judged once, and only in its gateway’s VPC', async () => {
    const { model, findings } = await checkFixture('route-table-unresolved.yaml');
    expect(findingKeys(findings)).toEqual(['NV-MODEL-001 DefaultRoute']);
    expect(model.routeTables.get('OtherVpcRouteTable')?.routes).toEqual([]);
  });

  it('a route whose route table is an unresolved !If makes the tables it may be in unknown', async () => {
    const route = 'route-table-unresolved.yaml';
    const result = await path(route, { from: 'internet', to: 'Web', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('DefaultRoute');
    expect(
      (await path(route, { from: 'internet', to: 'Web', port: 443 }, { Exposure: 'public' })).reachable,
    ).toBe(true);
    expect(
      (await path(route, { from: 'internet', to: 'Web', port: 443 }, { Exposure: 'private' })).reachable,
    ).toBe(false);
  });
});

describe('NV-SG-001 on rules it cannot fully resolve', () => {
  const fixture = 'db-sg-unresolved-and-ipv6.yaml';

  it('counts ::/0 as the internet and reports unresolved rules as NV-UNK-001', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual(['NV-SG-001 DbSg', 'NV-UNK-001 DbSg', 'NV-UNK-001 OtherSg']);
    const messages = findings.map((finding) => finding.message).join('\n');
    expect(messages).toContain('IPv6 internet (::/0)');
    expect(messages).toContain('AdminIngress may allow database port(s) 5432');
    expect(messages).toContain('AdminPort');
  });

  it('with the parameters given, the answers are definite', async () => {
    const open = await checkFixture(fixture, { AllowAdmin: 'true', AdminPort: '3306' });
    expect(findingKeys(open.findings)).toEqual(['NV-SG-001 DbSg', 'NV-SG-001 OtherSg']);
    const closed = await checkFixture(fixture, { AllowAdmin: 'false', AdminPort: '80' });
    expect(findingKeys(closed.findings)).toEqual(['NV-SG-001 DbSg']);
  });
});

describe('routes to a customer-managed prefix list', () => {
  const fixture = 'customer-prefix-list-route.yaml';

  it('make the table’s answers unknown', async () => {
    for (const query of [
      { from: 'Bastion', to: 'internet', port: 443 },
      { from: 'internet', to: 'Bastion', port: 22 },
    ]) {
      const result = await path(fixture, query);
      expect(result.reachable).toBe('unknown');
      expect(result.blockedAt?.reason).toContain('pl-0a1b2c3d4e5f67890');
    }
  });

  it('NV-NAT-002 cannot decide for a NAT gateway in that subnet', async () => {
    // Whether Bastion's SSH (open to 0.0.0.0/0) is reachable depends on that list: NV-CMP-002 says so.
    expect(findingKeys((await checkFixture(fixture)).findings)).toEqual([
      'NV-UNK-001 Bastion',
      'NV-UNK-001 Nat',
    ]);
  });
});

describe('a prefix list declared in the template', () => {
  it('routes like one route per entry: the answers are definite', async () => {
    const out = await path('template-prefix-list-route.yaml', { from: 'Bastion', to: 'internet', port: 443 });
    expect(out.reachable).toBe(true);
    const inbound = await path('template-prefix-list-route.yaml', {
      from: 'internet',
      to: 'Bastion',
      port: 22,
    });
    expect(inbound.reachable).toBe(true);
  });
});

describe('security group egress to a prefix list by id', () => {
  it('is not assumed to be the gateway endpoint’s list: the flow is unknown', async () => {
    const result = await path('sg-prefix-list-other-service.yaml', {
      from: 'Reader',
      to: 'aws:s3',
      port: 443,
    });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('pl-02cd2c6b');
  });
});

describe('internet gateways declared outside the templates', () => {
  const fixture = 'external-igw-attachment.yaml';

  it('an attachment of a literal/parameter IGW id counts, and routes to that id reach it', async () => {
    expect((await path(fixture, { from: 'WebA', to: 'internet', port: 443 })).reachable).toBe(true);
    expect((await path(fixture, { from: 'internet', to: 'WebA', port: 443 })).reachable).toBe(true);
    const { model } = await checkFixture(fixture);
    // AWS's default for PubliclyAccessible: public when the VPC has an IGW attached.
    expect(model.workloads.get('DbA')?.publiclyAccessible).toBe(true);
  });

  it('an attachment whose IGW id is unresolved makes "is an IGW attached" unknown', async () => {
    const result = await path(fixture, { from: 'internet', to: 'WebB', port: 443 });
    expect(result.reachable).toBe('unknown');
    const { model, findings } = await checkFixture(fixture);
    expect(model.workloads.get('DbB')?.publiclyAccessible).toBe('unknown');
    // DbA: public by AWS's default, in public subnets, kept off the internet by its group alone.
    expect(findingKeys(findings)).toEqual(['NV-RDS-002 DbA', 'NV-UNK-001 DbB']);
  });
});

describe('routes to an internet gateway outside the templates (review, 2026-12-08)', () => {
  // EC2 accepts a route to an IGW only when it is attached to the VPC: the route is evidence of one.
  for (const fixture of ['igw-route-imported.yaml', 'igw-route-literal.yaml']) {
    it(`${fixture}: internet answers are unknown, not IGW_NOT_ATTACHED`, async () => {
      const ssh = await path(fixture, { from: 'internet', to: 'Bastion', port: 22 });
      expect(ssh.reachable).toBe('unknown');
      expect(ssh.blockedAt?.reason).toContain('PublicRoute');
      expect((await path(fixture, { from: 'internet', to: 'Db', port: 5432 })).reachable).toBe('unknown');
      // What the security groups block stays a definite block.
      expect((await path(fixture, { from: 'internet', to: 'Bastion', port: 23 })).reachable).toBe(false);
    });

    it(`${fixture}: the database's unset PubliclyAccessible is unknown, and the rules say so`, async () => {
      const { model, findings } = await checkFixture(fixture);
      expect(model.workloads.get('Db')?.publiclyAccessible).toBe('unknown');
      expect(findingKeys(findings)).toEqual(['NV-SG-001 DbSg', 'NV-UNK-001 Bastion', 'NV-UNK-001 Db']);
    });
  }
});

describe('load balancer listeners netcheck cannot read (review, 2026-12-08)', () => {
  const fixture = 'lb-listener-port-unresolved.yaml';

  it('a port only an unresolved listener may have is unknown, not DESTINATION_PORT_NOT_LISTENING', async () => {
    const admin = await path(fixture, { from: 'internet', to: 'Alb', port: 9000 });
    expect(admin.reachable).toBe('unknown');
    expect(admin.blockedAt?.reason).toContain('AdminListener');
    expect((await path(fixture, { from: 'internet', to: 'Alb', port: 443 })).reachable).toBe(true);
  });

  it('with the values given, the answers are definite; an undecided Fn::If keeps both ports', async () => {
    const admin = { AdminPort: '9000' };
    expect((await path(fixture, { from: 'internet', to: 'Alb', port: 9000 }, admin)).reachable).toBe(true);
    expect((await path(fixture, { from: 'internet', to: 'Alb', port: 8080 }, admin)).reachable).toBe(
      'unknown',
    );
    const east = await path(
      fixture,
      { from: 'internet', to: 'Alb', port: 8080 },
      { ...admin, 'AWS::Region': 'us-east-1' },
    );
    expect(east.reachable).toBe(false);
    expect(east.blockedAt?.code).toBe('DESTINATION_PORT_NOT_LISTENING');
    expect((await path(fixture, { from: 'internet', to: 'Alb', port: 22 }, admin)).reachable).toBe(false);
  });

  it('a TCP_UDP listener listens on udp too', async () => {
    const dns = await path(fixture, { from: 'internet', to: 'Nlb', port: 53, protocol: 'udp' });
    expect(dns.reachable).toBe(true);
  });
});

describe('Fn::ForEach loops', () => {
  const fixture = 'foreach-loop.yaml';

  it('make every path answer unknown', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Db', port: 5432 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt).toMatchObject({ code: 'UNRESOLVED_VALUE', resource: 'Fn::ForEach::AdminRules' });
  });

  it('are reported as NV-UNK-001', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual(['NV-UNK-001 Db', 'NV-UNK-001 Fn::ForEach::AdminRules']);
  });
});

describe('IPv6 routes to the internet', () => {
  const fixture = 'ipv6-internet-route.yaml';

  it('turn IPv4-only "not reachable" answers about the internet into unknown', async () => {
    const inbound = await path(fixture, { from: 'internet', to: 'Host', port: 22 });
    expect(inbound.reachable).toBe('unknown');
    expect(inbound.blockedAt?.reason).toContain('::/0 → Igw');
    expect((await path(fixture, { from: 'Host', to: 'internet', port: 443 })).reachable).toBe('unknown');
  });

  it('an egress-only IGW qualifies outbound answers only', async () => {
    expect((await path(fixture, { from: 'Host2', to: 'internet', port: 443 })).reachable).toBe('unknown');
    expect((await path(fixture, { from: 'internet', to: 'Host2', port: 22 })).reachable).toBe(false);
  });

  it('questions about one IPv4 address stay definite', async () => {
    expect((await path(fixture, { from: '8.8.8.8', to: 'Host', port: 22 })).reachable).toBe(false);
  });
});

describe('IPv6 routes to a gateway that may be the IGW (review, 2026-12-08)', () => {
  for (const fixture of ['ipv6-internet-route-conditional.yaml', 'ipv6-internet-route-imported.yaml']) {
    it(`${fixture}: internet answers are unknown, and NV-CMP-002 cannot decide`, async () => {
      const inbound = await path(fixture, { from: 'internet', to: 'Host', port: 22 });
      expect(inbound.reachable).toBe('unknown');
      expect(inbound.blockedAt?.reason).toContain('::/0 → GatewayId');
      expect((await path(fixture, { from: 'Host', to: 'internet', port: 443 })).reachable).toBe('unknown');
      const { findings } = await checkFixture(fixture);
      expect(findingKeys(findings)).toEqual(['NV-UNK-001 Host']);
    });
  }
});

describe('administrative ports over IPv6', () => {
  it('SSH open to ::/0 in a subnet routing IPv6 to the IGW is NV-UNK-001, not a pass', async () => {
    const { findings } = await checkFixture('ipv6-internet-route.yaml');
    expect(findingKeys(findings)).toEqual(['NV-UNK-001 Host']);
    const message = findings[0]?.message ?? '';
    expect(message).toContain('NV-CMP-002');
    expect(message).toContain('::/0 → Igw');
  });
});

describe('Availability Zones of load balancer subnets', () => {
  const fixture = 'alb-single-az.yaml';

  it('a zone given by a parameter without a value is unknown, never a guess', async () => {
    const { findings } = await checkFixture(fixture);
    const param = findings.find((finding) => finding.resource === 'ParamAlb');
    expect(param).toMatchObject({ id: 'NV-UNK-001', severity: 'warning' });
    expect(param?.message).toContain('NV-ALB-002');
    expect(param?.message).toContain('SecondAz');
  });

  it('with the zone given, the answer is definite', async () => {
    const same = await checkFixture(fixture, { SecondAz: 'eu-west-1a' });
    expect(findingKeys(same.findings)).toContain('NV-ALB-002 ParamAlb');
    const other = await checkFixture(fixture, { SecondAz: 'eu-west-1b' });
    expect(other.findings.filter((finding) => finding.resource === 'ParamAlb')).toEqual([]);
  });

  it('Fn::GetAZs entries are positional: different entries differ, but no entry equals a literal name', async () => {
    const { model } = await checkFixture('alb-two-zones.yaml');
    expect(model.subnets.get('Position0Subnet')?.zone.kind).toBe('position');
    // Even with the region known, which name entry 0 is depends on the account.
    const withRegion = await checkFixture('alb-two-zones.yaml', { 'AWS::Region': 'eu-west-1' });
    expect(withRegion.model.subnets.get('Position0Subnet')?.zone).toMatchObject({ kind: 'position' });
    expect(withRegion.findings).toEqual([]);
  });
});

describe('associations whose SubnetId cannot be resolved (review 2026-12-07)', () => {
  const fixture = 'assoc-unresolved-subnet.yaml';

  it('every subnet an Fn::If association may name has an unknown route table', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Db', port: 5432 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt).toMatchObject({
      code: 'UNRESOLVED_VALUE',
      resource: 'DbSubnetA.UnresolvedRouteTable',
    });
    expect(result.blockedAt?.reason).toContain('PublicAssoc may associate it with PublicRt');
    const { model } = await checkFixture(fixture);
    expect(model.subnets.get('DbSubnetA')?.routeTableId).toBe('DbSubnetA.UnresolvedRouteTable');
    expect(model.subnets.get('OtherSubnet')?.routeTableId).toBe('OtherSubnet.UnresolvedRouteTable');
    // Named by neither branch: the main table, for certain.
    expect(model.subnets.get('DbSubnetB')?.routeTableId).toBe('Vpc.MainRouteTable');
  });

  it('an imported SubnetId may name any subnet of the table’s VPC that has no association of its own', async () => {
    const a = await path(fixture, { from: 'internet', to: 'HostA', port: 443 });
    expect(a.reachable).toBe('unknown');
    expect(a.blockedAt?.reason).toContain('edge-subnet-id');
    // EdgeB's own association stays: EC2 rejects a second one for a subnet.
    const b = await path(fixture, { from: 'internet', to: 'HostB', port: 443 });
    expect(b.reachable).toBe(false);
    expect(b.blockedAt).toMatchObject({ code: 'NO_ROUTE_TO_DESTINATION', resource: 'EdgePrivateRt' });
  });

  it('a network ACL association that may name a subnet makes its ACL unknown, even beside an explicit one', async () => {
    const c = await path(fixture, { from: 'internet', to: 'HostC', port: 443 });
    expect(c.reachable).toBe('unknown');
    expect(c.blockedAt?.resource).toBe('EdgeC.UnresolvedNetworkAcl');
  });

  it('reports the database as undecided (NV-UNK-001), not as safe', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual(['NV-SG-001 DbSg', 'NV-UNK-001 Db']);
  });

  it('with the condition given, the answers are definite', async () => {
    const a = { Layout: 'a' };
    expect((await path(fixture, { from: 'internet', to: 'Db', port: 5432 }, a)).reachable).toBe(true);
    expect((await path(fixture, { from: 'internet', to: 'HostC', port: 443 }, a)).blockedAt).toMatchObject({
      code: 'SUBNET_ACL_RESTRICTION',
      resource: 'BlockAcl',
    });
    expect(findingKeys((await checkFixture(fixture, a)).findings)).toEqual([
      'NV-RDS-001 Db',
      'NV-SG-001 DbSg',
    ]);
    const b = { Layout: 'b' };
    expect((await path(fixture, { from: 'internet', to: 'Db', port: 5432 }, b)).reachable).toBe(false);
    expect((await path(fixture, { from: 'internet', to: 'HostC', port: 443 }, b)).reachable).toBe(true);
  });
});

describe('VPC endpoint lists with members that cannot be resolved (review 2026-12-07)', () => {
  const fixture = 'endpoint-unresolved-lists.yaml';

  it('a gateway endpoint whose RouteTableIds are unresolved may route any table of its VPC', async () => {
    const result = await path(fixture, { from: 'Fn', to: 'aws:s3', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('S3Endpoint may route this table');
    expect(result.blockedAt?.reason).toContain('ExtraRouteTables');
  });

  it('keeps the members that resolve: RtB is routed for certain, Rt may be', async () => {
    const routed = await path(fixture, { from: 'FnB', to: 'aws:dynamodb', port: 443 });
    expect(routed.reachable).toBe(true);
    expect(routed.path.find((hop) => hop.kind === 'vpc-endpoint')?.resource).toBe('DynamoEndpoint');
    const maybe = await path(fixture, { from: 'Fn', to: 'aws:dynamodb', port: 443 });
    expect(maybe.reachable).toBe('unknown');
    expect(maybe.blockedAt?.reason).toContain('shared-route-table');
    const { model } = await checkFixture(fixture);
    expect(model.vpcEndpoints.get('DynamoEndpoint')?.routeTableIds).toEqual(['RtB']);
  });

  it('an interface endpoint whose SecurityGroupIds are unresolved has unknown groups, not the default group', async () => {
    const result = await path(fixture, { from: 'Fn', to: 'aws:secretsmanager', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('shared-endpoint-sg');
    const { model } = await checkFixture(fixture);
    expect(model.vpcEndpoints.get('SecretsEndpoint')?.securityGroupIds).toBeInstanceOf(Unresolved);
  });

  it('an interface endpoint with a subnet that cannot be resolved may have interfaces Fn’s path to is unknown', async () => {
    const result = await path(fixture, { from: 'Fn', to: 'aws:sqs', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('shared-endpoint-subnet');
    const { model } = await checkFixture(fixture);
    expect(model.vpcEndpoints.get('SqsEndpoint')?.subnetIds).toEqual(['SubnetA']);
  });

  it('an interface endpoint under an unresolved Condition may not exist: the call it serves is unknown', async () => {
    const result = await path(fixture, { from: 'Fn', to: 'aws:ssm', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt).toMatchObject({ code: 'UNRESOLVED_VALUE', resource: 'SsmEndpoint' });
    expect(result.blockedAt?.reason).toContain('SsmEndpoint may not exist (Condition SsmEnabled');
    const given = { WithSsm: 'true' };
    expect((await path(fixture, { from: 'Fn', to: 'aws:ssm', port: 443 }, given)).reachable).toBe(true);
  });

  it('an interface endpoint whose PrivateDnsEnabled is unresolved may not serve SDK calls: unknown', async () => {
    const result = await path(fixture, { from: 'Fn', to: 'aws:sns', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('whether SnsEndpoint has private DNS is unknown');
    const on = await path(fixture, { from: 'Fn', to: 'aws:sns', port: 443 }, { SnsPrivateDns: 'true' });
    expect(on.reachable).toBe(true);
    const off = await path(fixture, { from: 'Fn', to: 'aws:sns', port: 443 }, { SnsPrivateDns: 'false' });
    expect(off.reachable).toBe(false);
  });

  it('NV-LMB-002 cannot decide (NV-UNK-001) rather than report errors', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual([
      'NV-LMB-001 Fn',
      'NV-LMB-001 FnB',
      'NV-UNK-001 Fn',
      'NV-UNK-001 Fn',
      'NV-UNK-001 Fn',
      'NV-UNK-001 Fn',
      'NV-UNK-001 Fn',
      'NV-UNK-001 Fn',
    ]);
    const messages = findings.map((finding) => finding.message).join('\n');
    for (const service of ['s3', 'secretsmanager', 'dynamodb', 'sqs', 'ssm', 'sns'])
      expect(messages).toContain(`NV-LMB-002 could not be verified: path to ${service}:`);
  });
});

describe('NV-SG-001 on database ports opened to CIDRs that cannot be resolved (review 2026-12-07)', () => {
  const fixture = 'sg-db-port-unresolved-cidr.yaml';

  it('reports NV-UNK-001 on groups protecting no modelled database; a group reference is never the internet', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual(['NV-UNK-001 PgSg', 'NV-UNK-001 RedisSg']);
    const message = (resource: string): string =>
      findings.find((finding) => finding.resource === resource)?.message ?? '';
    expect(message('PgSg')).toContain('may allow database port(s) 5432 from the internet');
    expect(message('PgSg')).toContain('AllowedCidr');
    expect(message('RedisSg')).toContain('may allow database port(s) 6379');
    expect(message('RedisSg')).toContain('office-cidr');
  });

  it('with the CIDR given, the answers are definite', async () => {
    const open = await checkFixture(fixture, { AllowedCidr: '0.0.0.0/0' });
    expect(findingKeys(open.findings)).toEqual(['NV-SG-001 PgSg', 'NV-UNK-001 RedisSg']);
    const closed = await checkFixture(fixture, { AllowedCidr: '10.0.0.0/16' });
    expect(findingKeys(closed.findings)).toEqual(['NV-UNK-001 RedisSg']);
  });
});

describe('routes that may not exist decide only the addresses they cover (review 2026-12-07)', () => {
  const fixture = 'alb-private-subnets-conditional-route.yaml';

  it('a conditional on-premises route leaves the answers about the internet and the VPC definite', async () => {
    expect((await path(fixture, { from: 'Fn', to: 'internet', port: 443 })).reachable).toBe(true);
    // Alb is internet-facing: its name resolves to public addresses, so Fn goes out through the NAT
    // and cannot come back in, since Alb's subnets are not public (this used to be "reachable"
    // over the local route, review 2026-12 E1).
    const toAlb = await path(fixture, { from: 'Fn', to: 'Alb', port: 443 });
    expect(toAlb.reachable).toBe(false);
    expect(toAlb.blockedAt).toMatchObject({ code: 'NO_ROUTE_TO_DESTINATION', resource: 'PrivateRt' });
    const inbound = await path(fixture, { from: 'internet', to: 'Alb', port: 443 });
    expect(inbound.reachable).toBe(false);
    expect(inbound.blockedAt).toMatchObject({ code: 'NO_ROUTE_TO_DESTINATION', resource: 'PrivateRt' });
  });

  it('conditional routes to the internet gateway make only their addresses unknown', async () => {
    const inbound = await path(fixture, { from: 'internet', to: 'MaybeAlb', port: 443 });
    expect(inbound.reachable).toBe('unknown');
    expect(inbound.blockedAt?.reason).toContain('MaybeLowHalf may not exist');
    // Whatever those routes do on MaybeFn's way out, the way into Alb (private subnets) is closed:
    // a definite "no" (it used to be "reachable" over the local route, review 2026-12 E1).
    expect((await path(fixture, { from: 'MaybeFn', to: 'Alb', port: 443 })).reachable).toBe(false);
  });

  it('NV-ALB-001 fires on the private subnets; undecided subnets are NV-UNK-001 for NV-ALB-001 and NV-LMB-003', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual([
      'NV-ALB-001 Alb',
      'NV-UNK-001 MaybeAlb',
      'NV-UNK-001 MaybeDefault',
      'NV-UNK-001 MaybeFn',
      'NV-UNK-001 MaybeFn',
    ]);
    const messages = findings.map((finding) => finding.message).join('\n');
    expect(messages).toContain('NV-ALB-001 could not be verified');
    expect(messages).toContain('NV-LMB-003 could not be verified');
    // The split routes may shadow MaybeDefault: undecided too (NV-RT-003).
    expect(messages).toContain('NV-RT-003 could not be verified: MaybeDefault (0.0.0.0/0)');
  });

  it('with the conditions given, the answers are definite', async () => {
    const exposed = await checkFixture(fixture, { Exposure: 'public', HasVpn: 'true' });
    expect(findingKeys(exposed.findings)).toEqual([
      'NV-ALB-001 Alb',
      'NV-LMB-001 MaybeFn',
      'NV-LMB-003 MaybeFn',
      'NV-RT-003 MaybeDefault',
    ]);
    const hidden = await checkFixture(fixture, { Exposure: 'private', HasVpn: 'false' });
    expect(findingKeys(hidden.findings)).toEqual(['NV-ALB-001 Alb', 'NV-ALB-001 MaybeAlb']);
  });
});

describe('a database port that cannot be resolved (review 2026-12-07)', () => {
  const fixture = 'db-port-unresolved.yaml';

  it('is not the engine default: what the network lets through is unknown, never reachable', async () => {
    const result = await path(fixture, { from: 'Fn', to: 'Db', port: 5432 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt).toMatchObject({ code: 'UNRESOLVED_VALUE', resource: 'Db' });
    expect(result.blockedAt?.reason).toContain('DbPort');
    const { model, matrix } = await checkFixture(fixture);
    expect(model.workloads.get('Db')?.listeningPorts).toEqual([]);
    // The matrix still lists the flow, on the engine's default port, as unknown.
    expect(matrix.find((entry) => entry.from === 'Fn' && entry.to === 'Db')).toMatchObject({
      port: 5432,
      reachable: 'unknown',
    });
  });

  it('NV-SG-001 cannot decide for internet rules of its groups; no port of PublicDb is reachable', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual(['NV-LMB-001 Fn', 'NV-UNK-001 OpsSg']);
    expect(findings.find((finding) => finding.resource === 'OpsSg')?.message).toContain(
      'Db listens on an unknown port',
    );
  });

  it('with the port given, the answers are definite', async () => {
    const pg = { DbPort: '5432' };
    expect((await path(fixture, { from: 'Fn', to: 'Db', port: 5432 }, pg)).reachable).toBe(true);
    expect(findingKeys((await checkFixture(fixture, pg)).findings)).toEqual(['NV-LMB-001 Fn']);
    const other = await path(fixture, { from: 'Fn', to: 'Db', port: 5432 }, { DbPort: '3306' });
    expect(other.blockedAt?.code).toBe('DESTINATION_PORT_NOT_LISTENING');
    expect(findingKeys((await checkFixture(fixture, { DbPort: '8443' })).findings)).toEqual([
      'NV-LMB-001 Fn',
      'NV-SG-001 OpsSg',
    ]);
  });
});

describe('mutually exclusive conditional routes (review 2026-12-07)', () => {
  const fixture = 'conditional-exclusive-routes.yaml';

  it('are not a definite duplicate: NV-RT-003 is undecided (NV-UNK-001)', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual(['NV-UNK-001 Fn', 'NV-UNK-001 PrivateDefaultDev']);
    expect(findings.find((finding) => finding.resource === 'PrivateDefaultDev')?.message).toContain(
      'NV-RT-003 could not be verified: PrivateDefaultDev in PrivateRt has the same destination 0.0.0.0/0 as PrivateDefault if both exist',
    );
  });

  it('with the condition given, only one route exists', async () => {
    expect(findingKeys((await checkFixture(fixture, { Env: 'prod' })).findings)).toEqual([]);
    // The transit gateway is not followed: NV-LMB-001 cannot decide.
    expect(findingKeys((await checkFixture(fixture, { Env: 'dev' })).findings)).toEqual(['NV-UNK-001 Fn']);
  });
});

describe('return traffic allowed on part of the ephemeral range (review 2026-12-07)', () => {
  const fixture = 'nacl-partial-return-range.yaml';

  it('to a workload, depends on its operating system’s range: unknown, not a definite block', async () => {
    const result = await path(fixture, { from: 'FnA', to: 'internet', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt).toMatchObject({ code: 'UNRESOLVED_VALUE', resource: 'LinuxAcl' });
    expect(result.blockedAt?.reason).toContain('client’s ephemeral port range');
  });

  it('to a NAT gateway, which uses all of 1024-65535, is a definite block', async () => {
    const result = await path(fixture, { from: 'FnB', to: 'internet', port: 443 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({ code: 'SUBNET_ACL_RESTRICTION', resource: 'NatAcl' });
  });

  it('NV-NACL-001 still reports both ACLs', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual([
      'NV-LMB-001 FnB',
      'NV-NACL-001 LinuxAcl',
      'NV-NACL-001 NatAcl',
      'NV-UNK-001 FnA',
    ]);
  });
});

describe('interface endpoints whose private DNS may apply, beside a NAT path (review 2026-12, E2)', () => {
  const fixture = 'endpoint-private-dns-uncertain.yaml';

  it('an endpoint under an unresolved Condition may capture the calls: the NAT path is not a proof', async () => {
    const result = await path(fixture, { from: 'Fn', to: 'aws:secretsmanager', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('SecretsEndpoint may not exist');
  });

  it('so does one whose PrivateDnsEnabled is unresolved, or whose VPC’s DNS attributes are', async () => {
    const sns = await path(fixture, { from: 'Fn', to: 'aws:sns', port: 443 });
    expect(sns.reachable).toBe('unknown');
    expect(sns.blockedAt?.reason).toContain('whether SnsEndpoint has private DNS is unknown');
    const sqs = await path(fixture, { from: 'OtherFn', to: 'aws:sqs', port: 443 });
    expect(sqs.reachable).toBe('unknown');
    expect(sqs.blockedAt?.reason).toContain('OtherVpc');
  });

  it('NV-LMB-002 cannot decide (NV-UNK-001) rather than pass', async () => {
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual(['NV-UNK-001 Fn', 'NV-UNK-001 Fn', 'NV-UNK-001 OtherFn']);
  });

  it('with the values given, the answers are definite', async () => {
    const captured = { WithSecretsEndpoint: 'true', SnsPrivateDns: 'true', OtherDnsHostnames: 'true' };
    const free = { WithSecretsEndpoint: 'false', SnsPrivateDns: 'false', OtherDnsHostnames: 'false' };
    const queries: PathQuery[] = [
      { from: 'Fn', to: 'aws:secretsmanager', port: 443 },
      { from: 'Fn', to: 'aws:sns', port: 443 },
      { from: 'OtherFn', to: 'aws:sqs', port: 443 },
    ];
    for (const query of queries) {
      expect((await path(fixture, query, captured)).reachable, query.to).toBe(false);
      expect((await path(fixture, query, free)).reachable, query.to).toBe(true);
    }
  });
});

describe('Elastic IPs that may or may not be associated (review 2026-12-07)', () => {
  const fixture = 'instance-elastic-ip-conditional.yaml';

  it('an EIP whose InstanceId is an undecided Fn::If, or under an undecided Condition, makes the public address unknown', async () => {
    for (const to of ['Inst', 'Other']) {
      const result = await path(fixture, { from: 'internet', to, port: 22 });
      expect(result.reachable, to).toBe('unknown');
      expect(result.blockedAt?.reason, to).toContain('Elastic IP');
    }
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toEqual(expect.arrayContaining(['NV-UNK-001 Inst', 'NV-UNK-001 Other']));
  });

  it('an EIP under the Condition of the instance it names (or an Fn::If on it) is certain for it: an error', async () => {
    const keys = findingKeys((await checkFixture(fixture)).findings);
    expect(keys).toEqual(expect.arrayContaining(['NV-CMP-002 Bastion', 'NV-CMP-002 Guarded']));
    expect(keys).not.toContain('NV-UNK-001 Bastion');
    expect(keys).not.toContain('NV-UNK-001 Guarded');
  });

  it('with the parameter given, the answers are definite', async () => {
    for (const to of ['Inst', 'Other']) {
      expect((await path(fixture, { from: 'internet', to, port: 22 }, { Pub: 'yes' })).reachable, to).toBe(
        true,
      );
      expect((await path(fixture, { from: 'internet', to, port: 22 }, { Pub: 'no' })).reachable, to).toBe(
        false,
      );
    }
  });
});

describe('a load balancer whose Type cannot be resolved (review 2026-12-07)', () => {
  const fixture = 'load-balancer-type-conditional.yaml';

  it('without SecurityGroups, whether the default group filters it is unknown', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Lb', port: 5432 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('Type is unresolved');
  });

  it('with the type given, the answers are definite: an NLB filters nothing, an ALB gets the default group', async () => {
    expect((await path(fixture, { from: 'internet', to: 'Lb', port: 5432 }, { Kind: 'nlb' })).reachable).toBe(
      true,
    );
    const alb = await path(fixture, { from: 'internet', to: 'Lb', port: 5432 }, { Kind: 'alb' });
    expect(alb.reachable).toBe(false);
    expect(alb.blockedAt?.resource).toBe('Vpc.DefaultSecurityGroup');
  });
});

describe('a database whose PubliclyAccessible cannot be resolved (review 2026-12-07)', () => {
  const fixture = 'db-publicly-accessible-conditional.yaml';

  it('is unknown, not AWS default for an unset value', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Database', port: 5432 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('PubliclyAccessible is unresolved');
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toContain('NV-UNK-001 Database');
    expect(findingKeys(findings)).not.toContain('NV-RDS-001 Database');
  });

  it('with the parameter given, the answers are definite', async () => {
    const reach = async (Env: string) =>
      (await path(fixture, { from: 'internet', to: 'Database', port: 5432 }, { Env })).reachable;
    expect(await reach('prod')).toBe(false);
    expect(await reach('dev')).toBe(true);
    const { findings } = await checkFixture(fixture, { Env: 'dev' });
    expect(findingKeys(findings)).toContain('NV-RDS-001 Database');
  });
});

describe('NV-ALB-002 on a load balancer whose Type cannot be resolved (review 2026-12-07)', () => {
  const fixture = 'load-balancer-type-conditional.yaml';

  it('one subnet is undecided, not an error: a Network Load Balancer may use one zone', async () => {
    const keys = findingKeys((await checkFixture(fixture)).findings);
    expect(keys).toContain('NV-UNK-001 OneZoneLb');
    expect(keys).not.toContain('NV-ALB-002 OneZoneLb');
  });

  it('with the type given, the answers are definite', async () => {
    expect(findingKeys((await checkFixture(fixture, { Kind: 'alb' })).findings)).toContain(
      'NV-ALB-002 OneZoneLb',
    );
    // As an NLB, Lb answers tcp/5432 from the whole internet: NV-ALB-003 (review, 2026-12-08).
    expect(findingKeys((await checkFixture(fixture, { Kind: 'nlb' })).findings)).toEqual(['NV-ALB-003 Lb']);
  });
});

describe('standalone network interfaces of instances (review 2026-12-07)', () => {
  it('a secondary interface with an Elastic IP is reachable on its own subnet and groups; the primary is not', async () => {
    const fixture = 'instance-secondary-interface-eip.yaml';
    const secondary = await path(fixture, { from: 'internet', to: 'Eni2', port: 22 });
    expect(secondary.reachable).toBe(true);
    expect(secondary.path.at(-1)?.detail).toContain('PubB');
    expect((await path(fixture, { from: 'internet', to: 'Inst', port: 22 })).reachable).toBe(false);
  });

  it('an instance whose primary interface is a standalone one takes its subnet, groups and Elastic IP', async () => {
    const result = await path('instance-primary-interface-eip.yaml', {
      from: 'internet',
      to: 'Inst',
      port: 22,
    });
    expect(result.reachable).toBe(true);
    expect(result.path.at(-1)?.detail).toContain('PubA');
  });
});

describe('one export name from two loaded stacks (review 2026-12-07)', () => {
  const files = (...names: string[]) => names.map((name) => fixturePath(`${name}.yaml`));

  it('is either stack’s value: what depends on it is unknown, never silently the last stack’s', async () => {
    const { findings } = await check(files('dup-export-app', 'dup-export-network-a', 'dup-export-network-b'));
    const unknown = findings.filter((finding) => finding.id === 'NV-UNK-001');
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.map((finding) => finding.message).join('\n')).toContain(
      'Fn::ImportValue "prod-SubnetA" is exported by',
    );
  });

  it('with one exporter loaded, the import resolves', async () => {
    const { findings } = await check(files('dup-export-app', 'dup-export-network-a'));
    expect(findings.map((finding) => finding.message).join('\n')).not.toContain('is exported by');
    expect(findings.map((finding) => finding.message).join('\n')).not.toContain('prod-SubnetA');
  });
});

describe("an administrative port open to a parameter's CIDR", () => {
  const fixture = 'admin-port-cidr-parameter.yaml';

  // The parameter may be 0.0.0.0/0: undecided, never silence (the branch that says so could be
  // removed with every other test passing).
  it('is NV-UNK-001 until the CIDR is known, then NV-CMP-002 for everyone and nothing for an office', async () => {
    const undecided = (await checkFixture(fixture)).findings.filter((finding) => finding.resource === 'Host');
    expect(undecided.map((finding) => `${finding.id} ${finding.message}`).join('\n')).toMatch(
      /NV-UNK-001 .*SSH tcp\/22 is open to everyone/,
    );
    expect(findingKeys((await checkFixture(fixture, { AdminCidr: '0.0.0.0/0' })).findings)).toContain(
      'NV-CMP-002 Host',
    );
    const office = findingKeys((await checkFixture(fixture, { AdminCidr: '198.51.100.0/24' })).findings);
    expect(office.filter((key) => key.endsWith(' Host') && /NV-(CMP-002|UNK-001)/.test(key))).toEqual([]);
  });
});
