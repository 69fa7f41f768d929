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
