import { describe, expect, it } from 'vitest';
import { findPath } from '../src/engine/find-path.js';
import type { PathQuery, PathResult } from '../src/engine/path-types.js';
import { checkFixture, findingKeys } from './fixture-helpers.js';

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
