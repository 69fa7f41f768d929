import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionsAlarmThreshold, estimatedMaxConnections } from '../lib/concurrency.js';
import { SESSION_MANAGER_CHANNEL_ACTIONS } from '../lib/constructs/ec2-alb-app.js';
import type { Deployment } from '../lib/deployment.js';
import { applyAwsSolutionsChecks } from '../lib/nag.js';
import { resolvePreset, supportedCombinations } from '../lib/presets.js';
import { nagErrors, SEED_000_IMPORT, sampleSettings, synthesize } from './support.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: { StringEquals?: Record<string, unknown> };
}

/** Every identity-policy statement of a template (managed, inline and role policies). */
function identityStatements(template: Template): { resource: string; statement: Statement }[] {
  const out: { resource: string; statement: Statement }[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, r] of Object.entries(template.findResources(type))) {
      for (const statement of r.Properties.PolicyDocument.Statement) out.push({ resource: id, statement });
    }
  }
  for (const [id, r] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const policy of r.Properties.Policies ?? []) {
      for (const statement of policy.PolicyDocument.Statement) out.push({ resource: id, statement });
    }
  }
  return out;
}

const combinations = supportedCombinations();

/** Ids of the cdk-nag rules acknowledged on a template's database instances. */
function databaseAcknowledgements(template: Template): string[] {
  return Object.values(template.findResources('AWS::RDS::DBInstance')).flatMap(
    (db) =>
      (db.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule: { id: string }) => rule.id) as string[],
  );
}

describe('every topology × preset: cdk-nag AwsSolutions, least privilege, data protection, alarm sizing', () => {
  const deployments = new Map<string, Deployment>();
  const templateOf = (name: string): Template => {
    const deployment = deployments.get(name);
    if (!deployment) throw new Error(`no deployment synthesized for ${name}`);
    return Template.fromStack(deployment.app);
  };
  beforeAll(() => {
    for (const { topology, preset } of combinations) {
      deployments.set(`${topology} × ${preset}`, synthesize(sampleSettings(topology, preset)));
    }
    deployments.set(
      'lambda-vpc × nest-vpc (import)',
      synthesize(sampleSettings('lambda-vpc', 'nest-vpc', SEED_000_IMPORT)),
    );
    deployments.set(
      'lambda-vpc × prod (RDS Proxy)',
      synthesize(sampleSettings('lambda-vpc', 'prod', { rdsProxy: true })),
    );
    deployments.set(
      'fargate × dev (public IP)',
      synthesize(sampleSettings('fargate', 'dev', { fargatePublicIp: true })),
    );
  });

  it('covers all four topologies and all five presets', () => {
    expect(new Set(combinations.map((c) => c.topology))).toEqual(
      new Set(['lambda-vpc', 'lambda-image', 'fargate', 'ec2-alb']),
    );
    expect(new Set(combinations.map((c) => c.preset))).toEqual(
      new Set(['nest-vpc', 'autonote', 'seoul', 'dev', 'prod']),
    );
  });

  // The control case: an empty list below would also come from checks that never ran (a broken
  // aspect, a changed cdk-nag API), and every template would pass (found in a test audit, 2026-12-07).
  it('runs the checks (the control case): a bucket that allows plain HTTP is an error', () => {
    const app = new App();
    applyAwsSolutionsChecks(app);
    const stack = new Stack(app, 'NagControl');
    new s3.Bucket(stack, 'PlainHttpBucket');
    app.synth();
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-S10'));
    expect(errors.map((error) => error.id)).toEqual(['/NagControl/PlainHttpBucket/Resource']);
  });

  // Found in review (2026-12-07): every server used the API's default pool of 10, so autonote's four
  // tasks, doubled during a deploy, could open 80 connections against a t4g.micro's ~78.
  it("sizes each server's database pool so every server of a deploy's overlap fits the database", () => {
    const servers = combinations.filter(({ topology }) => topology === 'fargate' || topology === 'ec2-alb');
    expect(servers.length).toBeGreaterThan(0);
    for (const { topology, preset } of servers) {
      const name = `${topology} × ${preset}`;
      const pool = Number(
        /DATABASE_POOL_MAX[^0-9]{1,20}(\d+)/.exec(JSON.stringify(templateOf(name).toJSON()))?.[1],
      );
      const { compute, database } = resolvePreset(preset);
      const processes = 2 * (topology === 'fargate' ? compute.fargateMaxCount : compute.ec2MaxCapacity);
      const engine = topology === 'ec2-alb' ? 'mysql' : 'postgres';
      const max = estimatedMaxConnections(database.instanceType, engine) as number;
      expect(pool, name).toBeGreaterThanOrEqual(1);
      expect(pool * processes, name).toBeLessThanOrEqual(max - 10);
    }
  });

  it('leaves zero unacknowledged cdk-nag errors', () => {
    const report = [...deployments].flatMap(([name, d]) => nagErrors(d).map((e) => `${name}: ${e}`));
    expect(report).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    for (const [, d] of deployments) {
      const template = JSON.stringify(Template.fromStack(d.app).toJSON());
      for (const match of template.matchAll(/"reason":"([^"]*)"/g))
        expect(match[1]?.length).toBeGreaterThan(20);
      expect(template).toContain('rules_to_suppress');
    }
  });

  it('grants no wildcard action and no Allow on every resource except X-Ray, ECR login, EC2 descriptions, log retention and namespaced metrics', () => {
    // These APIs have no resource-level permissions (AWS documents "*" as their only resource).
    const resourceWildcardAllowed = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'ecr:GetAuthorizationToken',
      'logs:PutRetentionPolicy',
      'logs:DeleteRetentionPolicy',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DescribeTags',
      ...SESSION_MANAGER_CHANNEL_ACTIONS,
    ]);
    const problems: string[] = [];
    let examined = 0;
    for (const [name, d] of deployments) {
      for (const stack of d.stacks) {
        for (const { resource, statement } of identityStatements(Template.fromStack(stack))) {
          examined += 1;
          if (statement.Effect !== 'Allow') continue;
          const actions = [statement.Action].flat();
          for (const action of actions.filter((a) => a.includes('*')))
            problems.push(`${name} ${resource}: action ${action}`);
          if (
            statement.Resource === '*' ||
            (Array.isArray(statement.Resource) && statement.Resource.includes('*'))
          ) {
            // PutMetricData has no resource either; it is allowed only held to one namespace.
            const namespaced = statement.Condition?.StringEquals?.['cloudwatch:namespace'] !== undefined;
            const allowed = (action: string) =>
              resourceWildcardAllowed.has(action) || (action === 'cloudwatch:PutMetricData' && namespaced);
            for (const action of actions.filter((a) => !allowed(a))) {
              problems.push(`${name} ${resource}: ${action} on *`);
            }
          }
        }
      }
    }
    expect(examined).toBeGreaterThan(100);
    expect(problems).toEqual([]);
  });

  it('lets the API and migration functions write logs only to their own groups', () => {
    let examined = 0;
    for (const [name, d] of deployments) {
      for (const stack of d.stacks) {
        const template = Template.fromStack(stack);
        for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
          const description = String(fn.Properties.Description ?? '');
          if (!/^CloudNest (API|database migrations)/.test(description)) continue;
          examined += 1;
          const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
          const role = template.findResources('AWS::IAM::Role')[roleId];
          // No AWSLambdaBasicExecutionRole / VPCAccessExecutionRole: their log actions are on `*`.
          expect(JSON.stringify(role?.Properties.ManagedPolicyArns), `${name} ${id}`).not.toMatch(
            /AWSLambda(Basic|VPCAccess)ExecutionRole/,
          );
          const logStatements = Object.values(template.findResources('AWS::IAM::Policy'))
            .filter((policy) => (policy.Properties.Roles as { Ref?: string }[]).some((r) => r.Ref === roleId))
            .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
            .filter((statement) => [statement.Action].flat().some((a) => a.startsWith('logs:')))
            .map((statement) => ({ statement }));
          const ownGroup = fn.Properties.LoggingConfig.LogGroup.Ref as string;
          expect(logStatements.length, `${name} ${id}`).toBeGreaterThan(0);
          for (const { statement } of logStatements) {
            expect(JSON.stringify(statement.Resource), `${name} ${id}`).toContain(`"${ownGroup}"`);
            expect([statement.Action].flat().sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
          }
        }
      }
    }
    expect(examined).toBeGreaterThanOrEqual(10);
  });

  // AWSLambdaENIManagementAccess lacks ec2:DescribeSubnets, which Lambda's execution-role list for
  // VPC functions names (AWSLambdaVPCAccessExecutionRole gained it in its v3 of 2024-01; found in
  // review, 2026-12-07).
  it('gives the VPC functions what Lambda needs to manage their network interfaces, DescribeSubnets included', () => {
    let examined = 0;
    for (const [name, d] of deployments) {
      for (const stack of d.stacks) {
        const template = Template.fromStack(stack);
        for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
          if (fn.Properties.VpcConfig === undefined) continue;
          if (!/^CloudNest (API|database migrations)/.test(String(fn.Properties.Description ?? ''))) continue;
          examined += 1;
          const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
          const role = template.findResources('AWS::IAM::Role')[roleId];
          expect(JSON.stringify(role?.Properties.ManagedPolicyArns), `${name} ${id}`).toMatch(
            /AWSLambdaENIManagementAccess/,
          );
          const describesSubnets = Object.values(template.findResources('AWS::IAM::Policy'))
            .filter((policy) => (policy.Properties.Roles as { Ref?: string }[]).some((r) => r.Ref === roleId))
            .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
            .some(
              (statement) =>
                [statement.Action].flat().includes('ec2:DescribeSubnets') && statement.Resource === '*',
            );
          expect(describesSubnets, `${name} ${id}`).toBe(true);
        }
      }
    }
    expect(examined).toBeGreaterThanOrEqual(8);
  });

  it('declares egress on every security group, so none gets CloudFormation’s default allow-all', () => {
    const open: string[] = [];
    for (const [name, d] of deployments) {
      for (const [id, group] of Object.entries(
        Template.fromStack(d.app).findResources('AWS::EC2::SecurityGroup'),
      )) {
        const egress = group.Properties.SecurityGroupEgress ?? [];
        if (egress.length === 0) open.push(`${name} ${id}`);
        if (egress.some((rule: { CidrIp?: string; IpProtocol: string }) => rule.IpProtocol === '-1')) {
          open.push(`${name} ${id} (all traffic)`);
        }
      }
    }
    expect(open).toEqual([]);
  });

  it('keeps the logical ids of stateful resources (a changed construct id would replace them)', () => {
    const stateful: Record<string, string> = {
      DatabaseInstanceAA8A5FDE: 'AWS::RDS::DBInstance',
      DatabaseSecret3B817195: 'AWS::SecretsManager::Secret',
      UploadsBucketC4B27CC7: 'AWS::S3::Bucket',
      SecretsJwtSecret1DEFB471: 'AWS::SecretsManager::Secret',
      // A new key would make every stored authenticator secret unreadable.
      SecretsMfaEncryptionKeySecretA6B08BBD: 'AWS::SecretsManager::Secret',
      NetworkVpcFAC8F4A5: 'AWS::EC2::VPC',
    };
    for (const [name, d] of deployments) {
      const resources = Template.fromStack(d.app).toJSON().Resources as Record<string, { Type: string }>;
      for (const [id, type] of Object.entries(stateful)) {
        if (
          name.includes('(import)') &&
          (type === 'AWS::RDS::DBInstance' || id.startsWith('DatabaseSecret') || id.startsWith('NetworkVpc'))
        )
          continue;
        expect(resources[id]?.Type, `${name}: ${id}`).toBe(type);
      }
    }
  });

  it('never lets a database be publicly accessible or unencrypted', () => {
    for (const [, d] of deployments) {
      for (const db of Object.values(Template.fromStack(d.app).findResources('AWS::RDS::DBInstance'))) {
        expect(db.Properties.PubliclyAccessible).toBe(false);
        expect(db.Properties.StorageEncrypted).toBe(true);
        expect(db.Properties.BackupRetentionPeriod).toBe(7);
      }
    }
  });

  it('applies preset Multi-AZ: prod has a standby, dev has none', () => {
    for (const [name, d] of deployments) {
      const dbs = Object.values(Template.fromStack(d.app).findResources('AWS::RDS::DBInstance'));
      for (const db of dbs) {
        if (name.includes('× prod')) expect(db.Properties).toMatchObject({ MultiAZ: true });
        if (name.includes('× dev')) expect(db.Properties).toMatchObject({ MultiAZ: false });
      }
    }
  });

  it('protects every database outside dev: deletion protection, a snapshot on delete and on replacement', () => {
    for (const { topology, preset } of combinations) {
      if (preset === 'dev') continue;
      const template = templateOf(`${topology} × ${preset}`);
      template.resourceCountIs('AWS::RDS::DBInstance', 1);
      template.hasResource('AWS::RDS::DBInstance', {
        DeletionPolicy: 'Snapshot',
        UpdateReplacePolicy: 'Snapshot',
        Properties: Match.objectLike({ DeletionProtection: true }),
      });
      expect(databaseAcknowledgements(template), `${topology} × ${preset}`).not.toContain(
        'AwsSolutions-RDS10',
      );
    }
  });

  it('retains every generated secret wherever the database is retained (outside dev), under unchanged ids', () => {
    // A snapshot restored without its credentials, JWT key or MFA key could not be opened, nor
    // its authenticator secrets decrypted; CloudFormation deletes secrets without a recovery window.
    const mustRetain = [
      'DatabaseSecret3B817195',
      'SecretsJwtSecret1DEFB471',
      'SecretsMfaEncryptionKeySecretA6B08BBD',
    ];
    for (const [name, d] of deployments) {
      const expected = name.includes('× dev') ? 'Delete' : 'Retain';
      const secrets = Template.fromStack(d.app).findResources('AWS::SecretsManager::Secret');
      if (expected === 'Retain') {
        for (const id of mustRetain) {
          if (name.includes('(import)') && id.startsWith('DatabaseSecret')) continue;
          expect(secrets[id], `${name}: ${id}`).toBeDefined();
        }
      }
      for (const [id, secret] of Object.entries(secrets)) {
        expect(
          { DeletionPolicy: secret.DeletionPolicy, UpdateReplacePolicy: secret.UpdateReplacePolicy },
          `${name}: ${id}`,
        ).toEqual({ DeletionPolicy: expected, UpdateReplacePolicy: expected });
      }
    }
  });

  it('leaves only dev’s database disposable, and acknowledges RDS10 there alone', () => {
    for (const { topology, preset } of combinations) {
      if (preset !== 'dev') continue;
      const template = templateOf(`${topology} × ${preset}`);
      template.hasResource('AWS::RDS::DBInstance', {
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: Match.objectLike({ DeletionProtection: false }),
      });
      expect(databaseAcknowledgements(template), `${topology} × dev`).toContain('AwsSolutions-RDS10');
    }
  });

  it('sizes the database connections alarm to the instance class, below its max_connections', () => {
    for (const { topology, preset } of combinations) {
      const name = `${topology} × ${preset}`;
      const template = templateOf(name);
      const [db] = Object.values(template.findResources('AWS::RDS::DBInstance'));
      const engine = db?.Properties.Engine as 'postgres' | 'mysql';
      const instanceClass = String(db?.Properties.DBInstanceClass).replace(/^db\./, '');
      const max = estimatedMaxConnections(instanceClass, engine);
      const expected = connectionsAlarmThreshold(instanceClass, engine);
      if (max === undefined || expected === undefined)
        throw new Error(`${name}: no estimate for ${instanceClass}`);
      expect(expected, name).toBeLessThan(max);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/RDS',
        MetricName: 'DatabaseConnections',
        Threshold: expected,
      });
    }
  });
});
