import { describe, expect, it } from 'vitest';
import { findPath, PathQueryError } from '../src/engine/find-path.js';
import type { PathQuery, PathResult } from '../src/engine/path-types.js';
import { buildNetworkModel } from '../src/model/build-network-model.js';
import { loadTemplateFile } from '../src/template/parse-template.js';
import { checkFixture, fixturePath } from './fixture-helpers.js';

async function path(fixture: string, query: PathQuery, params?: Record<string, string>): Promise<PathResult> {
  const { model } = await checkFixture(fixture, params);
  return findPath(model, query);
}

const kinds = (result: PathResult): string[] => result.path.map((hop) => hop.kind);

describe('seed 000 (nest-vpc) as written and corrected', () => {
  it('as written: the Lambda has no route to the internet because 0.0.0.0/16 is not 0.0.0.0/0', async () => {
    const result = await path('seed-000-nest-vpc.yaml', {
      from: 'BackendFunction',
      to: 'internet',
      port: 443,
    });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt?.code).toBe('NO_ROUTE_TO_DESTINATION');
    expect(result.blockedAt?.resource).toBe('PrivateRouteTable');
  });

  it('corrected: Lambda → NAT gateway → IGW → internet', async () => {
    const result = await path('seed-000-nest-vpc-fixed.yaml', {
      from: 'BackendFunction',
      to: 'internet',
      port: 443,
    });
    expect(result.reachable).toBe(true);
    expect(kinds(result)).toEqual([
      'source',
      'security-group-egress',
      'network-acl-outbound',
      'route-table',
      'nat-gateway',
      'network-acl-inbound',
      'network-acl-outbound',
      'route-table',
      'internet-gateway',
      'destination',
    ]);
    expect(result.path.map((hop) => hop.resource)).toContain('NatGateway');
  });

  it('Lambda → RDS on 5432 is allowed by lambda-sg → rds-sg (SAM Globals VpcConfig applies)', async () => {
    const result = await path('seed-000-nest-vpc.yaml', {
      from: 'BackendFunction',
      to: 'DatabaseNest',
      port: 5432,
    });
    expect(result.reachable).toBe(true);
    expect(result.path.find((hop) => hop.kind === 'security-group-ingress')?.detail).toContain(
      'RdsSg.SecurityGroupIngress[0]',
    );
  });

  it('the internet reaches the Lambda only through the HTTP API on 443', async () => {
    const https = await path('seed-000-nest-vpc.yaml', {
      from: 'internet',
      to: 'BackendFunction',
      port: 443,
    });
    expect(https.reachable).toBe(true);
    expect(kinds(https)).toContain('api-gateway');
    const other = await path('seed-000-nest-vpc.yaml', {
      from: 'internet',
      to: 'BackendFunction',
      port: 8080,
    });
    expect(other.reachable).toBe(false);
    expect(other.blockedAt?.code).toBe('RESOURCE_NOT_PUBLICLY_ACCESSIBLE');
    const migration = await path('seed-000-nest-vpc.yaml', {
      from: 'internet',
      to: 'MigrationFunction',
      port: 443,
    });
    expect(migration.reachable).toBe(false);
  });

  it('the open rds-sg does not expose the database: private subnets have no IGW return route', async () => {
    const result = await path('seed-000-nest-vpc.yaml', { from: 'internet', to: 'DatabaseNest', port: 5432 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt?.code).toBe('NO_ROUTE_TO_DESTINATION');
  });
});

describe('seed 002 (AutoNote on Fargate) as written and corrected', () => {
  it('as written: the internet reaches the task on tcp/3000 through the IGW, straight to its public IP', async () => {
    const result = await path('seed-002-autonote-fargate.yaml', {
      from: 'internet',
      to: 'ServerService',
      port: 3000,
    });
    expect(result.reachable).toBe(true);
    expect(kinds(result)).toEqual([
      'source',
      'internet-gateway',
      'route-table',
      'network-acl-inbound',
      'security-group-ingress',
      'destination',
    ]);
    expect(result.path.find((hop) => hop.kind === 'security-group-ingress')?.detail).toContain(
      'tcp/3000 from 0.0.0.0/0',
    );
  });

  it('corrected: only the ALB reaches the task, which keeps its public IP for egress', async () => {
    const fixture = 'seed-002-autonote-fargate-fixed.yaml';
    const direct = await path(fixture, { from: 'internet', to: 'ServerService', port: 3000 });
    expect(direct.reachable).toBe(false);
    expect(direct.blockedAt).toMatchObject({ code: 'ENI_SG_RULES_MISMATCH', resource: 'ServerSg' });
    expect((await path(fixture, { from: 'internet', to: 'Alb', port: 443 })).reachable).toBe(true);
    expect((await path(fixture, { from: 'Alb', to: 'ServerService', port: 3000 })).reachable).toBe(true);
    const egress = await path(fixture, { from: 'ServerService', to: 'aws:secretsmanager', port: 443 });
    expect(egress.reachable).toBe(true);
    expect(kinds(egress)).toContain('internet-gateway');
  });
});

describe('seed 004 (EC2 + ALB + RDS MySQL) as written and corrected', () => {
  it('as written: SSH reaches the public instances from "Your IP" (203.0.113.10) only', async () => {
    const fixture = 'seed-004-ec2-alb.yaml';
    for (const instance of ['FrontendInstance', 'BackendInstance']) {
      expect((await path(fixture, { from: '203.0.113.10', to: instance, port: 22 })).reachable).toBe(true);
      const other = await path(fixture, { from: '8.8.8.8', to: instance, port: 22 });
      expect(other.reachable).toBe(false);
      expect(other.blockedAt?.code).toBe('ENI_SG_RULES_MISMATCH');
    }
  });

  it('as written: the database in the public subnets is shielded by rds-sg alone', async () => {
    const fixture = 'seed-004-ec2-alb.yaml';
    const { model } = await checkFixture(fixture);
    expect(model.workloads.get('Database')?.publiclyAccessible).toBe(true);
    const result = await path(fixture, { from: 'internet', to: 'Database', port: 3306 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({ code: 'ENI_SG_RULES_MISMATCH', resource: 'RdsSg' });
    expect((await path(fixture, { from: 'BackendInstance', to: 'Database', port: 3306 })).reachable).toBe(
      true,
    );
  });

  it('corrected: instances in private subnets behind the two-zone ALB, egress through the NAT', async () => {
    const fixture = 'seed-004-ec2-alb-fixed.yaml';
    const ssh = await path(fixture, { from: 'internet', to: 'FrontendInstance', port: 22 });
    expect(ssh.reachable).toBe(false);
    expect(ssh.blockedAt?.code).toBe('RESOURCE_NOT_PUBLICLY_ACCESSIBLE');
    expect((await path(fixture, { from: 'Alb', to: 'FrontendInstance', port: 3000 })).reachable).toBe(true);
    expect((await path(fixture, { from: 'Alb', to: 'BackendInstance', port: 9999 })).reachable).toBe(true);
    expect((await path(fixture, { from: 'BackendInstance', to: 'Database', port: 3306 })).reachable).toBe(
      true,
    );
    expect((await path(fixture, { from: 'FrontendInstance', to: 'Database', port: 3306 })).reachable).toBe(
      false,
    );
    const ssm = await path(fixture, { from: 'BackendInstance', to: 'aws:ssm', port: 443 });
    expect(ssm.reachable).toBe(true);
    expect(kinds(ssm)).toContain('nat-gateway');
  });
});

describe('seed 003 (Lambda VPC networking) as written and corrected', () => {
  const fixture = 'seed-003-lambda-vpc-nat.yaml';

  it('as written: from either subnet the Lambda meets the NAT without an Elastic IP', async () => {
    const result = await path(fixture, { from: 'MobileAuthHandler', to: 'internet', port: 443 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({ code: 'NAT_GATEWAY_NO_ELASTIC_IP', resource: 'NatGateway' });
    for (const to of ['aws:ses', 'aws:secretsmanager']) {
      expect((await path(fixture, { from: 'MobileAuthHandler', to, port: 443 })).reachable, to).toBe(false);
    }
    // The KMS endpoint does serve KMS.
    expect((await path(fixture, { from: 'MobileAuthHandler', to: 'aws:kms', port: 443 })).reachable).toBe(
      true,
    );
  });

  it('as written: the NAT gateway’s own subnet routes the internet back to a NAT', async () => {
    const { model } = await checkFixture(fixture);
    const tableA = model.routeTables.get(model.subnets.get('PublicSubnetA')?.routeTableId ?? '');
    expect(tableA?.routes.map((route) => route.target)).toEqual([{ kind: 'nat-gateway', id: 'NatGateway' }]);
    // The mobile app still reaches the function through API Gateway.
    const api = await path(fixture, { from: 'internet', to: 'MobileAuthHandler', port: 443 });
    expect(api.reachable).toBe(true);
    expect(kinds(api)).toContain('api-gateway');
  });

  it('corrected: SES through the NAT gateway, Secrets Manager through its interface endpoint', async () => {
    const fixed = 'seed-003-lambda-vpc-nat-fixed.yaml';
    const ses = await path(fixed, { from: 'MobileAuthHandler', to: 'aws:ses', port: 443 });
    expect(ses.reachable).toBe(true);
    expect(kinds(ses)).toEqual(expect.arrayContaining(['nat-gateway', 'internet-gateway']));
    const secrets = await path(fixed, { from: 'MobileAuthHandler', to: 'aws:secretsmanager', port: 443 });
    expect(secrets.reachable).toBe(true);
    expect(secrets.path.at(-2)?.resource).toBe('SecretsManagerEndpoint');
  });
});

describe('NAT gateway failures (seed 003)', () => {
  it('NAT without an Elastic IP', async () => {
    const result = await path('nat-without-eip.yaml', {
      from: 'MobileAuthHandler',
      to: 'internet',
      port: 443,
    });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({ code: 'NAT_GATEWAY_NO_ELASTIC_IP', resource: 'NatGateway' });
    const ses = await path('nat-without-eip.yaml', { from: 'MobileAuthHandler', to: 'aws:ses', port: 443 });
    expect(ses.reachable).toBe(false);
  });

  it('NAT whose subnet routes back to the NAT', async () => {
    const result = await path('nat-route-loop.yaml', {
      from: 'MobileAuthHandler',
      to: 'internet',
      port: 443,
    });
    expect(result.blockedAt?.code).toBe('NAT_GATEWAY_ROUTE_LOOP');
  });

  it('NAT in a subnet with only the local route', async () => {
    const result = await path('nat-subnet-local-only.yaml', {
      from: 'MobileAuthHandler',
      to: 'internet',
      port: 443,
    });
    expect(result.blockedAt).toMatchObject({ code: 'NO_ROUTE_TO_DESTINATION', resource: 'PublicRouteTable' });
  });
});

describe('routing', () => {
  it('a subnet without an association uses the main route table (local route only)', async () => {
    const result = await path('main-table-subnet.yaml', { from: 'Worker', to: 'internet', port: 443 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt?.resource).toBe('Vpc.MainRouteTable');
    expect(result.blockedAt?.reason).toContain('no SubnetRouteTableAssociation');
  });

  it('an IGW route without attachment blocks both directions', async () => {
    const inbound = await path('igw-route-no-attachment.yaml', { from: 'internet', to: 'Web', port: 443 });
    expect(inbound.blockedAt?.code).toBe('IGW_NOT_ATTACHED');
    const outbound = await path('igw-route-no-attachment.yaml', { from: 'Web', to: 'internet', port: 443 });
    expect(outbound.blockedAt).toMatchObject({ code: 'IGW_NOT_ATTACHED', resource: 'Igw' });
  });

  it('0/0 → NAT plus 0.0.0.0/1 → IGW: partly reachable is "unknown", exact addresses are exact', async () => {
    const all = await path('split-default-route.yaml', { from: 'ApiFunction', to: 'internet', port: 443 });
    expect(all.reachable).toBe('unknown');
    expect(all.blockedAt?.code).toBe('PARTIALLY_REACHABLE');
    expect(all.blockedAt?.reason).toContain('without a public IP');
    const upperHalf = await path('split-default-route.yaml', {
      from: 'ApiFunction',
      to: '200.1.1.1',
      port: 443,
    });
    expect(upperHalf.reachable).toBe(true);
    const lowerHalf = await path('split-default-route.yaml', {
      from: 'ApiFunction',
      to: '8.8.8.8',
      port: 443,
    });
    // From subnet A it hits the IGW without a public IP; from subnet B it goes through NAT B.
    expect(lowerHalf.reachable).toBe('unknown');
    expect(lowerHalf.blockedAt?.reason).toContain('PrivateSubnetA');
  });

  it('a gateway endpoint reaches S3 without a NAT, but not other services', async () => {
    const s3 = await path('s3-gateway-endpoint.yaml', { from: 'Reader', to: 'aws:s3', port: 443 });
    expect(s3.reachable).toBe(true);
    expect(s3.path.find((hop) => hop.kind === 'vpc-endpoint')?.resource).toBe('S3Endpoint');
    const ses = await path('s3-gateway-endpoint.yaml', { from: 'Reader', to: 'aws:ses', port: 443 });
    expect(ses.reachable).toBe(false);
  });

  it('an interface endpoint with private DNS serves its service', async () => {
    const secrets = await path('lambda-isolated-needs-ses.yaml', {
      from: 'Mailer',
      to: 'aws:secretsmanager',
      port: 443,
    });
    expect(secrets.reachable).toBe(true);
    expect(secrets.path.at(-2)?.resource).toBe('SecretsManagerEndpoint');
  });
});

describe('interface endpoint private DNS', () => {
  it('needs EnableDnsHostnames (default false) and EnableDnsSupport on the VPC', async () => {
    const result = await path('endpoint-without-dns-hostnames.yaml', {
      from: 'Mailer',
      to: 'aws:secretsmanager',
      port: 443,
    });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({
      code: 'ENDPOINT_PRIVATE_DNS_UNAVAILABLE',
      resource: 'SecretsManagerEndpoint',
    });
    expect(result.blockedAt?.reason).toContain('EnableDnsHostnames');
  });
});

describe('SES endpoints (seed 003)', () => {
  it('an email-smtp interface endpoint does not serve the SES API (email.<region>.amazonaws.com)', async () => {
    const result = await path('ses-smtp-endpoint-only.yaml', { from: 'Mailer', to: 'aws:ses', port: 443 });
    expect(result.reachable).toBe(false);
    expect(result.path.some((hop) => hop.resource === 'SmtpEndpoint')).toBe(false);
  });
});

describe('security groups and NACLs', () => {
  it('CDK placeholder egress blocks the app → database flow at the app group', async () => {
    const result = await path('cdk-placeholder-egress.json', {
      from: 'AppInstance1E2B3C4D',
      to: 'Database',
      port: 5432,
    });
    expect(result.blockedAt).toMatchObject({
      code: 'ENI_SG_RULES_MISMATCH',
      resource: 'AppSecurityGroup6A8DA2C1',
    });
  });

  it('an internet client whose ephemeral port some return entry allows gets through', async () => {
    const result = await path('nacl-linux-ephemeral.yaml', { from: 'internet', to: 'Db', port: 5432 });
    expect(result.reachable).toBe(true);
    expect(result.path.find((hop) => hop.kind === 'network-acl-outbound')?.detail).toContain('32768-65535');
  });

  it('a NACL without ephemeral return ports still lets in a client connecting from port 443', async () => {
    // Its outbound tcp/443 entry carries the replies to a client whose source port is 443: any
    // internet client may pick that port (review, 2026-12-08; it used to be a definite block).
    // NV-NACL-001 still reports the missing ephemeral return entry (rules.spec.ts).
    const partly = await path('nacl-no-ephemeral.yaml', { from: 'internet', to: 'Web', port: 443 });
    expect(partly.reachable).toBe(true);
    expect(partly.path.find((hop) => hop.kind === 'network-acl-outbound')?.detail).toContain(
      'not the whole ephemeral range',
    );
    const open = await path('nacl-with-ephemeral.yaml', { from: 'internet', to: 'Web', port: 443 });
    expect(open.reachable).toBe(true);
  });

  it('NACL rule order: rule 90 denies one range before rule 100 allows everyone', async () => {
    const denied = await path('nacl-with-ephemeral.yaml', { from: '198.51.100.7', to: 'Web', port: 443 });
    expect(denied.blockedAt?.code).toBe('SUBNET_ACL_RESTRICTION');
    expect(denied.blockedAt?.reason).toContain('BlockBadRange');
    expect(
      (await path('nacl-with-ephemeral.yaml', { from: '8.8.8.8', to: 'Web', port: 443 })).reachable,
    ).toBe(true);
  });

  it('the ALB cannot reach its targets when its egress lacks the target port', async () => {
    const result = await path('alb-missing-target-egress.yaml', {
      from: 'Alb',
      to: 'AppService',
      port: 8080,
    });
    expect(result.blockedAt).toMatchObject({ code: 'ENI_SG_RULES_MISMATCH', resource: 'AlbSg' });
  });
});

describe('databases', () => {
  it('0.0.0.0/1 + 128.0.0.0/1 is open, but a private database stays unreachable', async () => {
    const result = await path('db-sg-open-private-db.yaml', { from: 'internet', to: 'Database', port: 5432 });
    expect(result.blockedAt?.code).toBe('RESOURCE_NOT_PUBLICLY_ACCESSIBLE');
  });

  it('a publicly accessible database in public subnets is reachable', async () => {
    const result = await path('db-public.yaml', { from: 'internet', to: 'Database', port: 5432 });
    expect(result.reachable).toBe(true);
    expect(result.path.at(-2)?.detail).toContain('0.0.0.0/1');
  });

  it("a Multi-AZ DB cluster's own PubliclyAccessible: false keeps it off the internet", async () => {
    const result = await path('db-cluster-not-public.yaml', { from: 'internet', to: 'Db', port: 5432 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt?.code).toBe('RESOURCE_NOT_PUBLICLY_ACCESSIBLE');
    expect(result.blockedAt?.reason).toContain('PubliclyAccessible is false');
  });

  it('a database does not listen on other ports', async () => {
    const result = await path('db-public.yaml', { from: 'internet', to: 'Database', port: 22 });
    expect(result.blockedAt?.code).toBe('DESTINATION_PORT_NOT_LISTENING');
  });
});

describe('unknowns are never silent passes', () => {
  it('imported subnets make Lambda → database unknown', async () => {
    const result = await path('import-value-unknown.yaml', { from: 'Api', to: 'Database', port: 5432 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.code).toBe('UNRESOLVED_VALUE');
    expect(result.blockedAt?.reason).toContain('PrivateSubnetIds');
  });

  it('an unresolved VPC makes internet → database unknown', async () => {
    const result = await path('import-value-unknown.yaml', { from: 'internet', to: 'Database', port: 5432 });
    expect(result.reachable).toBe('unknown');
  });

  it('a private source address has unknown security groups', async () => {
    const result = await path('baseline-two-az.yaml', { from: '10.0.10.5', to: 'Database', port: 5432 });
    expect(result.reachable).toBe('unknown');
  });
});

describe('internet gateways carry public addresses only', () => {
  it('a private or special-purpose destination routed through NAT → IGW is not reachable', async () => {
    for (const to of ['192.168.10.5', '172.20.0.5', '100.64.1.1']) {
      const result = await path('seed-000-nest-vpc-fixed.yaml', { from: 'BackendFunction', to, port: 5432 });
      expect(result.reachable, to).toBe(false);
      expect(result.blockedAt?.code, to).toBe('NO_ROUTE_TO_DESTINATION');
      expect(result.blockedAt?.reason, to).toContain('an internet gateway does not route private addresses');
    }
  });

  it('so is one routed straight to the IGW from a public subnet', async () => {
    const result = await path('split-default-halves.yaml', { from: 'Web', to: '192.168.10.5', port: 443 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt?.code).toBe('NO_ROUTE_TO_DESTINATION');
  });
});

describe('VPCs with overlapping CIDRs', () => {
  it('a local route delivers only inside its own VPC', async () => {
    const result = await path('overlapping-vpcs.yaml', { from: 'App', to: 'Db', port: 5432 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt?.code).toBe('NO_ROUTE_TO_DESTINATION');
    expect(result.blockedAt?.reason).toContain('local route stays in VpcA');
  });

  it("an address as the destination is looked up in the source's VPC first", async () => {
    const result = await path('overlapping-vpcs.yaml', { from: 'App', to: '10.0.1.9', port: 22 });
    expect(result.path.at(-1)?.detail).toBe('address in SubnetA');
  });

  it('an address in subnets of several VPCs is ambiguous: unknown', async () => {
    const result = await path('overlapping-vpcs.yaml', { from: 'internet', to: '10.0.1.9', port: 22 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('SubnetB1 (VpcB), SubnetA (VpcA)');
  });

  it("an address as the source is looked up in the destination's VPC first", async () => {
    const result = await path('overlapping-vpcs.yaml', { from: '10.0.1.9', to: 'Db', port: 5432 });
    expect(result.path[0]?.detail).toBe('address in SubnetB1');
  });
});

describe('cdk.out with cross-stack exports', () => {
  it('answers the infra team questions', async () => {
    const { model } = await checkFixture('cdk-out');
    expect(findPath(model, { from: 'internet', to: 'DatabaseB269D8BB', port: 5432 }).reachable).toBe(false);
    expect(
      findPath(model, { from: 'ApiHandler5E7490E8', to: 'DatabaseB269D8BB', port: 5432 }).reachable,
    ).toBe(true);
    expect(findPath(model, { from: 'Api/ApiHandler5E7490E8', to: 'internet', port: 443 }).reachable).toBe(
      true,
    );
  });
});

describe('SAM Globals', () => {
  it('merge into a function like SAM: maps recursively, lists global then local', async () => {
    const { model } = await checkFixture('sam-globals-merge.yaml');
    const worker = model.workloads.get('Worker');
    expect(worker?.subnetIds).toEqual(['PrivateA', 'PrivateB']);
    expect(worker?.securityGroupIds).toEqual(['LambdaSg']);
  });
});

describe('queries', () => {
  it('rejects unknown endpoints with the list of workloads', async () => {
    const { model } = await checkFixture('baseline-two-az.yaml');
    expect(() => findPath(model, { from: 'Nope', to: 'internet', port: 443 })).toThrow(PathQueryError);
    expect(() => findPath(model, { from: 'Nope', to: 'internet', port: 443 })).toThrow(/ApiFunction/);
  });

  it('an internet-facing ALB with a TargetType: lambda target group invokes the function', async () => {
    const result = await path('alb-lambda-target.yaml', { from: 'internet', to: 'Fn', port: 443 });
    expect(result.reachable).toBe(true);
    expect(result.path.map((hop) => hop.resource)).toContain('Alb');
    expect(result.path.at(-2)?.kind).toBe('load-balancer');
    const other = await path('alb-lambda-target.yaml', { from: 'internet', to: 'Fn', port: 8443 });
    expect(other.reachable).toBe(false);
  });

  it('Lambda functions accept no network connections from other workloads', async () => {
    const result = await path('baseline-two-az.yaml', { from: 'AppService', to: 'ApiFunction', port: 443 });
    expect(result.blockedAt?.code).toBe('LAMBDA_NOT_NETWORK_REACHABLE');
  });
});

describe('split default route', () => {
  it('0.0.0.0/1 + 128.0.0.0/1 → IGW reaches the whole internet', async () => {
    const result = await path('split-default-halves.yaml', { from: 'Web', to: 'internet', port: 443 });
    expect(result.reachable).toBe(true);
  });
});

describe('route targets the review found mishandled (2026-12-07)', () => {
  it('a route with GatewayId naming a NAT gateway goes through that NAT gateway', async () => {
    const result = await path('route-gatewayid-nat.yaml', { from: 'Fn', to: 'internet', port: 443 });
    expect(result.reachable).toBe(true);
    expect(result.path.find((hop) => hop.kind === 'nat-gateway')?.resource).toBe('Nat');
    expect(kinds(result)).toContain('internet-gateway');
  });

  it('a private NAT gateway forwards private destinations through its subnet’s route table', async () => {
    const result = await path('private-nat-to-onprem.yaml', { from: 'Fn', to: '192.168.5.5', port: 443 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt).toMatchObject({ code: 'UNSUPPORTED_ROUTE_TARGET', resource: 'NatToTgw' });
    expect(result.path.map((hop) => hop.resource)).toEqual(expect.arrayContaining(['PrivateNat', 'NatRt']));
  });

  it('a private NAT gateway still blocks public destinations', async () => {
    for (const to of ['internet', '8.8.8.8']) {
      const result = await path('private-nat-to-onprem.yaml', { from: 'Fn', to, port: 443 });
      expect(result.reachable).toBe(false);
      expect(result.blockedAt).toMatchObject({
        code: 'NAT_GATEWAY_PRIVATE_CONNECTIVITY',
        resource: 'PrivateNat',
      });
    }
  });
});

describe('internet-facing load balancers called from inside the VPC (review 2026-12, E1)', () => {
  it('need an internet path: the private subnet without a NAT has none', async () => {
    const result = await path('alb-internet-facing-hairpin.yaml', { from: 'App', to: 'Alb', port: 443 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({ code: 'NO_ROUTE_TO_DESTINATION', resource: 'PrivRt' });
  });

  it('an internal load balancer is still reached over the local route', async () => {
    const result = await path('alb-internet-facing-hairpin.yaml', {
      from: 'App',
      to: 'InternalAlb',
      port: 443,
    });
    expect(result.reachable).toBe(true);
    expect(result.path.find((hop) => hop.kind === 'route-table')?.detail).toContain('local');
    expect(kinds(result)).not.toContain('internet-gateway');
  });

  it('near miss: through the NAT and back in through the IGW when the ALB admits the internet', async () => {
    const result = await path('alb-internet-facing-hairpin-nat.yaml', { from: 'App', to: 'Alb', port: 443 });
    expect(result.reachable).toBe(true);
    expect(kinds(result)).toEqual(expect.arrayContaining(['nat-gateway', 'internet-gateway']));
    expect(result.path.find((hop) => hop.kind === 'security-group-ingress')?.detail).toContain('0.0.0.0/0');
  });

  it('answers do not depend on asking about a workload in the same placement first', async () => {
    // A fresh model per order: check() would fill the path cache before the questions are asked.
    const answers = async (order: readonly string[]): Promise<Record<string, PathResult['reachable']>> => {
      const model = buildNetworkModel([
        await loadTemplateFile(fixturePath('nlb-shares-placement-with-instance.yaml')),
      ]);
      return Object.fromEntries(
        order.map((to) => [to, findPath(model, { from: 'App', to, port: 443 }).reachable] as const),
      );
    };
    const expected = { Web: true, Nlb: false };
    expect(await answers(['Web', 'Nlb'])).toEqual(expected);
    expect(await answers(['Nlb', 'Web'])).toEqual(expected);
  });

  it('a security group reference never matches the NAT’s public address', async () => {
    const result = await path('alb-internet-facing-hairpin-nat.yaml', {
      from: 'App',
      to: 'SgRefAlb',
      port: 443,
    });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({ code: 'ENI_SG_RULES_MISMATCH', resource: 'SgRefAlbSg' });
  });
});

describe('interface endpoints with private DNS beside a NAT path (review 2026-12, E2)', () => {
  it('capture the service’s calls: the NAT path is not an alternative', async () => {
    const result = await path('endpoint-private-dns-sg-blocks.yaml', {
      from: 'Fn',
      to: 'aws:secretsmanager',
      port: 443,
    });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({ code: 'ENI_SG_RULES_MISMATCH', resource: 'EndpointSg' });
    expect(kinds(result)).not.toContain('nat-gateway');
  });

  it('near miss: the endpoint admits the function, and serves the call', async () => {
    const result = await path('endpoint-private-dns-sg-admits.yaml', {
      from: 'Fn',
      to: 'aws:secretsmanager',
      port: 443,
    });
    expect(result.reachable).toBe(true);
    expect(result.path.at(-2)?.resource).toBe('SecretsEndpoint');
    expect(kinds(result)).not.toContain('nat-gateway');
  });

  it('other services still go through the NAT', async () => {
    const result = await path('endpoint-private-dns-sg-blocks.yaml', {
      from: 'Fn',
      to: 'aws:sqs',
      port: 443,
    });
    expect(result.reachable).toBe(true);
    expect(kinds(result)).toContain('nat-gateway');
  });
});

describe('ingress routing through an internet gateway edge route table (review 2026-12-07)', () => {
  const fixture = 'igw-ingress-routing.yaml';

  it('a route for the subnet to an appliance makes what enters through the IGW unknown', async () => {
    const inbound = await path(fixture, { from: 'internet', to: 'Web', port: 22 });
    expect(inbound.reachable).toBe('unknown');
    expect(inbound.blockedAt).toMatchObject({ code: 'UNSUPPORTED_ROUTE_TARGET', resource: 'EdgeRoute' });
    // The replies to Web's own calls enter through the same gateway.
    const replies = await path(fixture, { from: 'Web', to: 'internet', port: 443 });
    expect(replies.reachable).toBe('unknown');
    expect(replies.blockedAt).toMatchObject({ code: 'UNSUPPORTED_ROUTE_TARGET', resource: 'EdgeRoute' });
  });

  it('near miss: a subnet the edge table leaves to the local route is reached directly', async () => {
    expect((await path(fixture, { from: 'internet', to: 'Direct', port: 22 })).reachable).toBe(true);
    expect((await path(fixture, { from: 'Direct', to: 'internet', port: 443 })).reachable).toBe(true);
  });
});

describe('route propagation from a virtual private gateway (review 2026-12-07)', () => {
  const fixture = 'vgw-route-propagation.yaml';

  it('makes "no route" unknown: propagated routes (a default route too) are not in the template', async () => {
    for (const to of ['internet', '192.168.10.5']) {
      const result = await path(fixture, { from: 'HybridApp', to, port: 443 });
      expect(result.reachable).toBe('unknown');
      expect(result.blockedAt?.reason).toContain('Propagation');
    }
  });

  it('near miss: a table without propagation still has no route', async () => {
    const result = await path(fixture, { from: 'IsolatedApp', to: 'internet', port: 443 });
    expect(result.reachable).toBe(false);
    expect(result.blockedAt).toMatchObject({
      code: 'NO_ROUTE_TO_DESTINATION',
      resource: 'IsolatedRouteTable',
    });
  });
});

describe('return routes of flows inside a VPC (review 2026-12, E3)', () => {
  it('a more specific route in the destination’s table sends the replies to a middlebox: unknown', async () => {
    const result = await path('return-route-via-firewall.yaml', { from: 'Client', to: 'Server', port: 80 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt).toMatchObject({ code: 'UNSUPPORTED_ROUTE_TARGET', resource: 'ToA' });
    expect(result.path.some((hop) => hop.resource === 'RtB' && hop.detail.includes('return route'))).toBe(
      true,
    );
  });

  it('near miss: with only the local route, the flow is reachable both ways', async () => {
    const fixture = 'return-route-local.yaml';
    expect((await path(fixture, { from: 'Client', to: 'Server', port: 80 })).reachable).toBe(true);
    expect((await path(fixture, { from: 'Server', to: 'Client', port: 80 })).reachable).toBe(true);
  });
});

describe('NACL return traffic to internet clients (review, 2026-12-08)', () => {
  const fixture = 'nacl-client-source-port.yaml';

  it('an internet client may pick any source port: an outbound entry for tcp/80 lets it in', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Bastion', port: 22 });
    expect(result.reachable).toBe(true);
    expect(result.path.map((hop) => hop.detail).join('\n')).toContain('OutHttp');
  });

  it('NV-CMP-002 fires, and NV-NACL-001 still asks for the ephemeral return entry', async () => {
    const { findings } = await checkFixture(fixture);
    const keys = findings.map((finding) => `${finding.id} ${finding.resource}`);
    expect(keys).toContain('NV-CMP-002 Bastion');
    expect(keys).toContain('NV-NACL-001 Acl');
  });
});

describe('function URLs on an alias, APIs defined by an OpenAPI body (review, 2026-12-08)', () => {
  const fixture = 'lambda-url-alias.yaml';

  it('a function URL naming an alias invokes the alias’s function', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Fn', port: 443 });
    expect(result.reachable).toBe(true);
    expect(result.path.map((hop) => hop.detail).join('\n')).toContain('function URL Url');
    expect((await path(fixture, { from: 'internet', to: 'Fn', port: 80 })).reachable).toBe(false);
  });

  it('a REST API whose Body integrates a function invokes it', async () => {
    expect((await path(fixture, { from: 'internet', to: 'Fn2', port: 443 })).reachable).toBe(true);
  });
});
