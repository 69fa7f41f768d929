import { readFileSync } from 'node:fs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  connectionsAlarmThreshold,
  defaultReservedConcurrency,
  estimatedMaxConnections,
} from '../lib/concurrency.js';
import {
  MAIL_DELIVERY_EVENT,
  MaintenanceSchedule,
  type MaintenanceScheduleProps,
} from '../lib/constructs/maintenance-schedule.js';
import { settingsProblems } from '../lib/settings.js';
import { ServerlessApiStack } from '../lib/stacks/serverless-api-stack.js';
import {
  apiLogGroup,
  expectMailNotDeliveredAlarm,
  expectSecretSwitchAfterMigrations,
  onlyResource,
  refs,
  SEED_000_IMPORT,
  sampleSettings,
  subnetIds,
  synthesize,
} from './support.js';

const PRIVATE = ['10.0.0.16/28', '10.0.0.32/28', '10.0.0.48/28'];
const ISOLATED = ['10.0.0.64/28', '10.0.0.80/28', '10.0.0.96/28'];

describe('lambda-vpc × nest-vpc', () => {
  let template: Template;
  let apiSg: string;
  let dbSg: string;
  let migrationSg: string;
  beforeAll(() => {
    ({ template } = synthesize(sampleSettings('lambda-vpc', 'nest-vpc')));
    apiSg = onlyResource(template, 'AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^CloudNest API function') },
    })[0];
    dbSg = onlyResource(template, 'AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^CloudNest postgres database') },
    })[0];
    migrationSg = onlyResource(template, 'AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^CloudNest migrations') },
    })[0];
  });

  it('runs the API as a nodejs22.x arm64 zip function with X-Ray, in the private subnets, with its own SG', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      VpcConfig: {
        SubnetIds: refs(subnetIds(template, PRIVATE)),
        SecurityGroupIds: [{ 'Fn::GetAtt': [apiSg, 'GroupId'] }],
      },
    });
  });

  it('lets the API SG out only on 443 and to the database SG on 5432', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^CloudNest API function'),
      SecurityGroupEgress: [
        { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() },
      ],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [apiSg, 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [dbSg, 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
    });
  });

  it('admits only the API, migration and password-rotation SGs to the database, on 5432 (seed 000 allowed 0.0.0.0/0)', () => {
    const rotationSg = onlyResource(template, 'AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^CloudNest API user password rotation') },
    })[0];
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [dbSg, 'GroupId'] } },
    });
    const rules = Object.values(ingress).map((r) => r.Properties);
    expect(rules).toHaveLength(3);
    for (const rule of rules) {
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
      expect(rule.CidrIp).toBeUndefined();
    }
    expect(rules.map((r) => r.SourceSecurityGroupId['Fn::GetAtt'][0]).sort()).toEqual(
      [apiSg, migrationSg, rotationSg].sort(),
    );
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^CloudNest postgres database'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  it('rotates the API user’s password every 30 days from the private subnets (seed 001), not at once on creation', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: Match.anyValue(),
      HostedRotationLambda: Match.objectLike({
        RotationType: 'PostgreSQLSingleUser',
        VpcSubnetIds: Match.anyValue(),
      }),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    const [[scheduleId, schedule] = []] = Object.entries(
      template.findResources('AWS::SecretsManager::RotationSchedule'),
    );
    // Setting a schedule up makes Secrets Manager test the function, which signs in as the API
    // user: the migration trigger, which creates that user, comes first.
    const [[triggerId, trigger] = []] = Object.entries(template.findResources('Custom::Trigger'));
    expect(schedule?.DependsOn).toContain(triggerId);
    expect(trigger?.DependsOn ?? []).not.toContain(scheduleId);
    // The API user's secret (attached to the instance), not the master user's.
    const secretRef = JSON.stringify(schedule?.Properties.SecretId);
    expect(secretRef).toMatch(/ApiUserSecret/);
    const subnets = JSON.stringify(schedule?.Properties.HostedRotationLambda.VpcSubnetIds);
    for (const id of subnetIds(template, PRIVATE)) expect(subnets).toContain(id);
    for (const id of subnetIds(template, ISOLATED)) expect(subnets).not.toContain(id);
    // Its SG reaches Secrets Manager's public endpoint and the database, nothing else.
    const rotationSg = onlyResource(template, 'AWS::EC2::SecurityGroup', {
      Properties: {
        GroupDescription: Match.stringLikeRegexp('^CloudNest API user password rotation'),
        SecurityGroupEgress: [
          Match.objectLike({ CidrIp: '255.255.255.255/32' }),
          Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
        ],
      },
    })[0];
    const egress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupEgress', {
        Properties: { GroupId: { 'Fn::GetAtt': [rotationSg, 'GroupId'] } },
      }),
    ).map((r) => r.Properties);
    expect(egress).toEqual([
      expect.objectContaining({
        DestinationSecurityGroupId: { 'Fn::GetAtt': [dbSg, 'GroupId'] },
        FromPort: 5432,
        ToPort: 5432,
      }),
    ]);
  });

  it('keeps PostgreSQL private, encrypted, backed up 7 days, in the isolated subnets, deletion-protected', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      PubliclyAccessible: false,
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      DeletionProtection: true,
      Port: '5432',
    });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: refs(subnetIds(template, ISOLATED)),
    });
  });

  it('keeps PostgreSQL on the default parameter group (slow statements are MySQL-only; infra/README.md says why)', () => {
    template.resourceCountIs('AWS::RDS::DBParameterGroup', 0);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      DBParameterGroupName: Match.absent(),
    });
  });

  it('generates the database credentials in Secrets Manager in the RDS JSON shape and passes only the ARN', () => {
    const [secretId] = onlyResource(template, 'AWS::SecretsManager::Secret', {
      Properties: {
        GenerateSecretString: {
          SecretStringTemplate: '{"username":"cloudnest_admin","dbname":"cloudnest"}',
        },
      },
    });
    template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      SecretId: { Ref: secretId },
      TargetType: 'AWS::RDS::DBInstance',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      Environment: {
        Variables: Match.objectLike({
          DATABASE_SECRET_ARN: { Ref: apiUserSecretAttachment() },
          DATABASE_ENGINE: 'postgres',
          // RDS PostgreSQL 15+ refuses plaintext; the API verifies the server with the RDS CAs it
          // carries, so the runtime's CA bundle is not loaded at every cold start.
          DATABASE_SSL: 'verify-full',
          DATABASE_SSL_CA: 'rds',
          NODE_EXTRA_CA_CERTS: Match.absent(),
          S3_PUBLIC_BASE_URL: {
            'Fn::Join': [
              '',
              ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('UploadsBucket'), 'RegionalDomainName'] }],
            ],
          },
          JWT_SECRET_ARN: { Ref: Match.stringLikeRegexp('JwtSecret') },
          MFA_ENCRYPTION_KEY_SECRET_ARN: { Ref: Match.stringLikeRegexp('MfaEncryptionKeySecret') },
          NODE_ENV: 'production',
          MAIL_DRIVER: 'ses',
          AUTH_REQUIRE_EMAIL_VERIFICATION: 'true',
          S3_BUCKET: { Ref: Match.stringLikeRegexp('UploadsBucket') },
          // Mail links open the web app, not the execute-api URL.
          PUBLIC_BASE_URL: 'https://app.example.com',
        }),
      },
    });
  });

  /** The API user's secret as attached to the instance (it then carries host and port). */
  const apiUserSecretAttachment = () => {
    const [apiUserSecret] = onlyResource(template, 'AWS::SecretsManager::Secret', {
      Properties: {
        GenerateSecretString: {
          SecretStringTemplate: '{"username":"cloudnest_api","dbname":"cloudnest"}',
          ExcludeCharacters: Match.stringLikeRegexp("'"),
        },
      },
    });
    return onlyResource(template, 'AWS::SecretsManager::SecretTargetAttachment', {
      Properties: { SecretId: { Ref: apiUserSecret }, TargetType: 'AWS::RDS::DBInstance' },
    })[0];
  };

  it('connects the API as its own database user; only the migration function holds the master secret', () => {
    const [masterSecret] = onlyResource(template, 'AWS::SecretsManager::Secret', {
      Properties: {
        GenerateSecretString: { SecretStringTemplate: Match.stringLikeRegexp('cloudnest_admin') },
      },
    });
    const attachment = apiUserSecretAttachment();
    const roleNamed = (prefix: string) => {
      const found = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
        id.startsWith(prefix),
      );
      expect(found).toHaveLength(1);
      return found[0];
    };
    const migrationRole = roleNamed('MigrationRunnerRole');
    const apiRole = roleNamed('ApiRole');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest database migrations (run by the deploy trigger)',
      Role: { 'Fn::GetAtt': [migrationRole, 'Arn'] },
      Environment: {
        Variables: Match.objectLike({
          DATABASE_SECRET_ARN: { Ref: masterSecret },
          DATABASE_API_USER_SECRET_ARN: { Ref: attachment },
        }),
      },
    });
    // Which roles may read which database secret.
    const readers = (secretRef: unknown) =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) =>
          JSON.stringify(policy.Properties.PolicyDocument.Statement).includes(JSON.stringify(secretRef)),
        )
        .flatMap((policy) => policy.Properties.Roles as unknown[]);
    expect(readers({ Ref: masterSecret })).toEqual([{ Ref: migrationRole }]);
    expect(readers({ Ref: attachment })).toEqual(
      expect.arrayContaining([{ Ref: apiRole }, { Ref: migrationRole }]),
    );
    expect(readers({ Ref: attachment })).toHaveLength(2);
    // The migration function asks whether a rotation of the API user's secret is under way
    // (DescribeSecret) before it sets that user's password.
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: migrationRole }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['secretsmanager:DescribeSecret']),
            Resource: { Ref: attachment },
          }),
        ]),
      },
    });
  });

  // Found in review: on an upgrade the policy swap came first, so for the minutes the migrations
  // (and an RDS Proxy change) took, the old version's cold starts could not read their secret.
  it('swaps the API role’s secret read only after the migrations ran, before the new version runs', () => {
    expectSecretSwitchAfterMigrations(template, 'ApiRoleDefaultPolicy', 'ApiFunction6');
  });

  it('generates the JWT key as the JSON the API reads ({"secret": …}, 64 characters)', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: '{}',
        GenerateStringKey: 'secret',
        PasswordLength: 64,
        ExcludePunctuation: true,
      },
    });
  });

  it('generates the two-step sign-in key as {"key": …} and lets only the API and migration functions read it', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret', {
      Properties: { GenerateSecretString: { GenerateStringKey: 'key' } },
    });
    expect(Object.keys(secrets)).toEqual([expect.stringMatching(/^SecretsMfaEncryptionKeySecret/)]);
    const [secretId] = Object.keys(secrets);
    expect(Object.values(secrets)[0]?.Properties.GenerateSecretString).toMatchObject({
      SecretStringTemplate: '{}',
      PasswordLength: 64,
      ExcludePunctuation: true,
    });
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes(`"Ref":"${secretId}"`),
    );
    expect(readers.map((policy) => JSON.stringify(policy.Properties.Roles)).sort()).toEqual([
      expect.stringMatching(/^\[\{"Ref":"ApiRole/),
      expect.stringMatching(/^\[\{"Ref":"MigrationRunnerRole/),
    ]);
  });

  it('puts no secret value in any function environment', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const names = Object.keys(fn.Properties.Environment?.Variables ?? {});
      expect(
        names.filter((n) => /^(DATABASE_URL|JWT_SECRET|JWT_PRIVATE_KEY|API_KEYS)$|PASSWORD/.test(n)),
      ).toEqual([]);
    }
  });

  it('runs migrations on deploy after the database and before the API alias moves', () => {
    const [triggerId, trigger] = onlyResource(template, 'Custom::Trigger');
    expect(trigger.Properties).toMatchObject({
      HandlerArn: { Ref: expect.stringMatching(/^MigrationRunnerFunctionCurrentVersion/) },
      InvocationType: 'RequestResponse',
    });
    expect(trigger.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^DatabaseInstance[A-F0-9]+$/)]),
    );
    template.hasResource('AWS::Lambda::Alias', {
      Properties: { Name: 'live' },
      DependsOn: Match.arrayWith([triggerId]),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('migrations'),
      Runtime: 'nodejs22.x',
      VpcConfig: { SubnetIds: refs(subnetIds(template, PRIVATE)) },
      Environment: {
        Variables: {
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          DATABASE_SECRET_ARN: Match.anyValue(),
          DATABASE_ENGINE: 'postgres',
          DATABASE_SSL: 'verify-full',
          DATABASE_SSL_CA: 'rds',
          // So each deploy re-seals authenticator secrets after a key rotation.
          MFA_ENCRYPTION_KEY_SECRET_ARN: { Ref: Match.stringLikeRegexp('^SecretsMfaEncryptionKeySecret') },
        },
      },
    });
  });

  it('invokes the API alias hourly with a scheduled event for the maintenance job (no server interval on Lambda)', () => {
    const [aliasId] = onlyResource(template, 'AWS::Lambda::Alias');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { Ref: aliasId }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { Ref: aliasId },
    });
  });

  it('invokes the API alias every minute with {"job":"deliver-mail"} to retry queued mail (no server interval on Lambda)', () => {
    const [aliasId] = onlyResource(template, 'AWS::Lambda::Alias');
    const [ruleId, rule] = onlyResource(template, 'AWS::Events::Rule', {
      Properties: { ScheduleExpression: 'rate(1 minute)' },
    });
    expect(rule.Properties).toMatchObject({
      State: 'ENABLED',
      Targets: [
        { Arn: { Ref: aliasId }, Input: '{"job":"deliver-mail"}', RetryPolicy: { MaximumRetryAttempts: 2 } },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { Ref: aliasId },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    // The hourly rule still sends the plain scheduled event, which the handler reads as maintenance.
    const [, hourly] = onlyResource(template, 'AWS::Events::Rule', {
      Properties: { ScheduleExpression: 'rate(1 hour)' },
    });
    expect((hourly.Properties as { Targets: object[] }).Targets[0]).not.toHaveProperty('Input');
    // One async configuration for both rules: a failed delivery pass lands in the maintenance queue.
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
  });

  it('sends the event the API handler reads as a delivery pass (api/src/lambda.ts)', () => {
    const source = readFileSync(new URL('../../api/src/lambda.ts', import.meta.url), 'utf8');
    expect(source).toContain(`readonly job: '${MAIL_DELIVERY_EVENT.job}'`);
    expect(source).toContain(`?.job === '${MAIL_DELIVERY_EVENT.job}'`);
  });

  it('alarms on the API’s "mail not delivered" log line in the function log group', () => {
    expectMailNotDeliveredAlarm(template, apiLogGroup(template));
  });

  it('alarms on a failed maintenance run: failed async invocations land in an encrypted SSL-only queue', () => {
    // Async errors top out at 3 an hour (1 + 2 retries), far below the function error alarm's 10 in 5 minutes.
    const [aliasId] = onlyResource(template, 'AWS::Lambda::Alias');
    const [queueId] = onlyResource(template, 'AWS::SQS::Queue', {
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      // The alias `live`: only the schedule invokes it asynchronously (HTTP API calls are synchronous).
      Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: aliasId }] }] },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [Match.anyValue()],
    });
    // The function may send to this queue and nothing else.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('fronts the alias with an HTTP API: $default Lambda proxy, CORS from config, JSON access logs', () => {
    const [aliasId] = onlyResource(template, 'AWS::Lambda::Alias');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { Ref: aliasId },
      PayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    // API Gateway answers CORS itself, so it must match the app's: the CSRF header of cookie mode
    // allowed, x-request-id and retry-after (rate limits) readable by the browser.
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.example.com'],
        AllowHeaders: Match.arrayWith(['x-csrf-token']),
        ExposeHeaders: ['x-request-id', 'retry-after'],
        AllowCredentials: true,
      }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('keeps every log group 30 days', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(4);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
    for (const retention of Object.values(template.findResources('Custom::LogRetention'))) {
      expect(retention.Properties.RetentionInDays).toBe(30);
    }
  });

  it('raises seed 001’s Lambda alarms, the API 5xx rate and the RDS alarms on an encrypted SNS topic', () => {
    const [topicId] = onlyResource(template, 'AWS::SNS::Topic', {
      Properties: { KmsMasterKeyId: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Period: 300,
      EvaluationPeriods: 2,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('errors / requests') }),
      ]),
      Threshold: 5,
    });
    for (const metric of ['CPUUtilization', 'FreeStorageSpace', 'DatabaseConnections']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric, Namespace: 'AWS/RDS' });
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('alarms on any error the migration function logs (e.g. an authenticator secret no MFA key opens)', () => {
    const [topicId] = onlyResource(template, 'AWS::SNS::Topic', {
      Properties: { KmsMasterKeyId: Match.anyValue() },
    });
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup')).find((id) =>
      id.startsWith('MigrationRunnerLogGroup'),
    );
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logGroupId },
      FilterPattern: '{ $.level >= 50 }',
      MetricTransformations: [
        Match.objectLike({
          MetricNamespace: 'CloudNest/CloudNest-nest-vpc-lambda-vpc',
          MetricName: 'MigrationsErrorLogs',
          MetricValue: '1',
        }),
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MigrationsErrorLogs',
      Namespace: 'CloudNest/CloudNest-nest-vpc-lambda-vpc',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  it('grants SES send on the sender identities only, and S3 object access on uploads/ with explicit actions', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const ses = policies.find((s) => [s.Action].flat().includes('ses:SendEmail')) as
      | { Resource: unknown; Condition?: unknown }
      | undefined;
    expect(JSON.stringify(ses?.Resource)).toMatch(/identity\/example\.com.*identity\/no-reply@example\.com/);
    // As the sender only: the domain identity alone would let the API send as any of its addresses.
    expect(ses?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } });
    const s3 = policies.find((s) => [s.Action].flat().includes('s3:PutObject'));
    expect([s3?.Action].flat().sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:PutObject',
    ]);
    expect(JSON.stringify(s3?.Resource)).toContain('/uploads/*');
    // Unconditional ListBucket on the bucket: a HEAD of a missing object must answer 404, not 403.
    const list = policies.find((s) => [s.Action].flat().includes('s3:ListBucket')) as {
      Condition?: unknown;
      Resource: unknown;
    };
    expect(list.Condition).toBeUndefined();
    expect(list.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^UploadsBucket/), 'Arn'] });
  });

  it('outputs what scripts read: ApiUrl, MigrationFunctionName, UploadsBucketName', () => {
    for (const name of [
      'ApiUrl',
      'ApiFunctionName',
      'MigrationFunctionName',
      'UploadsBucketName',
      'AlarmTopicArn',
    ]) {
      template.hasOutput(name, {});
    }
  });
});

describe('lambda-vpc import mode (seed 000’s SAM parameters)', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize(sampleSettings('lambda-vpc', 'nest-vpc', SEED_000_IMPORT)));
  });

  it('creates no VPC or database and places the function in the given subnets', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      VpcConfig: {
        SubnetIds: ['subnet-0252fa717f4638268', 'subnet-05b32a038870ee48f', 'subnet-0479d42241a7eae8f'],
      },
    });
  });

  it('opens 5432 on the existing database SG to the function’s SG only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0fc391d30ffe29141',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      Environment: {
        Variables: Match.objectLike({
          DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:nest-db-AbCdEf',
        }),
      },
    });
  });
});

describe('lambda-vpc with the function sized at deploy time', () => {
  it('uses lambdaMemoryMiB and lambdaTimeoutSeconds instead of the preset’s', () => {
    const { template } = synthesize(
      sampleSettings('lambda-vpc', 'dev', { lambdaMemoryMiB: 2048, lambdaTimeoutSeconds: 10 }),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      MemorySize: 2048,
      Timeout: 10,
    });
  });
});

describe('lambda-vpc with RDS Proxy', () => {
  it('puts a TLS-only proxy in front of the database and points the API at it', () => {
    const { template } = synthesize(sampleSettings('lambda-vpc', 'dev', { rdsProxy: true }));
    template.hasResourceProperties('AWS::RDS::DBProxy', { RequireTLS: true, EngineFamily: 'POSTGRESQL' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      Environment: {
        Variables: Match.objectLike({
          DATABASE_HOST: { 'Fn::GetAtt': [Match.anyValue(), 'Endpoint'] },
          DATABASE_SECRET_ARN: { Ref: Match.stringLikeRegexp('^DatabaseApiUserSecretAttachment') },
        }),
      },
    });
    // The proxy accepts the API's user, whose secret the API connects with.
    const [proxy] = Object.values(template.findResources('AWS::RDS::DBProxy'));
    expect(JSON.stringify(proxy?.Properties.Auth)).toMatch(/"Ref":"DatabaseApiUserSecret[0-9A-F]{8}"/);
  });

  // Found by mutation testing (2026-12-07): with a proxy, the database's ingress was asserted by
  // nothing, so opening it to the VPC's CIDR instead of the proxy's group passed every test.
  it('admits only the proxy, migration and password-rotation SGs to the database, never a CIDR', () => {
    const { template } = synthesize(sampleSettings('lambda-vpc', 'dev', { rdsProxy: true }));
    const group = (description: string) =>
      onlyResource(template, 'AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: Match.stringLikeRegexp(`^${description}`) },
      })[0];
    const rules = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [group('CloudNest postgres database'), 'GroupId'] } },
      }),
    ).map((rule) => rule.Properties);
    const [instance] = Object.keys(template.findResources('AWS::RDS::DBInstance'));
    // The database's port: 5432, or (the proxy's rule) the instance's own endpoint port.
    const ports = [5432, { 'Fn::GetAtt': [instance, 'Endpoint.Port'] }];
    for (const rule of rules) {
      expect(rule.IpProtocol).toBe('tcp');
      expect(ports).toContainEqual(rule.FromPort);
      expect(rule.ToPort).toEqual(rule.FromPort);
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.CidrIpv6).toBeUndefined();
    }
    // Nor inline on the group, where CDK puts a CIDR rule.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^CloudNest postgres database'),
      SecurityGroupIngress: Match.absent(),
    });
    // The proxy's group twice: CDK's proxy adds its own rule on the endpoint port beside ours.
    expect([...new Set(rules.map((rule) => rule.SourceSecurityGroupId['Fn::GetAtt'][0]))].sort()).toEqual(
      [
        group('CloudNest RDS Proxy'),
        group('CloudNest migrations'),
        group('CloudNest API user password rotation'),
      ].sort(),
    );
  });

  // Found in review (2026-12-07): every proxy was named "Proxy", and a proxy's name must be unique
  // in the account and region, so a second stack with one failed to create.
  it('names each stack’s proxy uniquely, within RDS’s limits', () => {
    const names = (['lambda-vpc', 'lambda-image'] as const).map((topology) => {
      const { template } = synthesize(sampleSettings(topology, 'dev', { rdsProxy: true }));
      const [proxy] = Object.values(template.findResources('AWS::RDS::DBProxy'));
      return String(proxy?.Properties.DBProxyName);
    });
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name).toMatch(/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,58}[A-Za-z0-9]$/);
  });
});

describe('lambda-vpc reserved concurrency (one database connection per environment)', () => {
  it('derives the default from the database class, leaving headroom below max_connections', () => {
    expect(estimatedMaxConnections('t4g.micro')).toBe(78);
    expect(defaultReservedConcurrency('t4g.micro')).toBe(62);
    expect(defaultReservedConcurrency('t4g.small')).toBe(125);
    expect(defaultReservedConcurrency('t4g.medium')).toBe(252);
    expect(defaultReservedConcurrency('r6g.4xlarge')).toBe(500);
    expect(defaultReservedConcurrency('x2g.large')).toBeUndefined();
  });

  it('estimates max_connections per engine and alarms at 80 % of it', () => {
    // RDS defaults: PostgreSQL DBInstanceClassMemory/9531392, MySQL DBInstanceClassMemory/12582880.
    expect(estimatedMaxConnections('t4g.micro', 'postgres')).toBe(78);
    expect(estimatedMaxConnections('t4g.small', 'mysql')).toBe(119);
    expect(connectionsAlarmThreshold('t4g.micro', 'postgres')).toBe(62);
    expect(connectionsAlarmThreshold('t4g.medium', 'postgres')).toBe(252);
    expect(connectionsAlarmThreshold('t4g.small', 'mysql')).toBe(95);
    expect(connectionsAlarmThreshold('x2g.large', 'postgres')).toBeUndefined();
  });

  it('reserves the derived default on the API function (t4g.micro in nest-vpc: 62)', () => {
    const { template } = synthesize(sampleSettings('lambda-vpc', 'nest-vpc'), { nag: false });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      ReservedConcurrentExecutions: 62,
    });
  });

  it('uses reservedConcurrency when given', () => {
    const { template } = synthesize(sampleSettings('lambda-vpc', 'dev', { reservedConcurrency: 20 }), {
      nag: false,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      ReservedConcurrentExecutions: 20,
    });
  });

  it("reserves nothing with reservedConcurrency 'none' (accounts whose quota cannot spare any)", () => {
    const { template } = synthesize(sampleSettings('lambda-vpc', 'dev', { reservedConcurrency: 'none' }), {
      nag: false,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('refuses a reservedConcurrency that is not a positive integer, or on a non-Lambda topology', () => {
    expect(() => synthesize(sampleSettings('lambda-vpc', 'dev', { reservedConcurrency: 0 }))).toThrow(
      /reservedConcurrency must be a positive integer, got 0/,
    );
    expect(settingsProblems(sampleSettings('fargate', 'dev', { reservedConcurrency: 10 }))).toEqual([
      expect.stringMatching(/reservedConcurrency only applies to the Lambda topologies/),
    ]);
    expect(settingsProblems(sampleSettings('lambda-vpc', 'dev', { reservedConcurrency: 10 }))).toEqual([]);
  });
});

describe('lambda-vpc siteUrl', () => {
  it('in dev without siteUrl or mail leaves PUBLIC_BASE_URL unset (mail stays in the outbox)', () => {
    const { template } = synthesize(
      sampleSettings('lambda-vpc', 'dev', { siteUrl: undefined, mailFrom: undefined }),
      { nag: false },
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      Environment: { Variables: Match.objectLike({ PUBLIC_BASE_URL: Match.absent() }) },
    });
  });

  it('adds the site to the HTTP API, app and uploads CORS origins', () => {
    const { template } = synthesize(
      sampleSettings('lambda-vpc', 'dev', {
        siteUrl: 'https://web.example.org',
        corsAllowedOrigins: ['https://app.example.com'],
      }),
      { nag: false },
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://web.example.org', 'https://app.example.com'],
      }),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({ AllowedOrigins: ['https://web.example.org', 'https://app.example.com'] }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CloudNest API',
      Environment: {
        Variables: Match.objectLike({
          PUBLIC_BASE_URL: 'https://web.example.org',
          CORS_ALLOWED_ORIGINS: 'https://web.example.org,https://app.example.com',
        }),
      },
    });
  });

  it('fails outside dev without siteUrl, or with one that is not an https origin', () => {
    expect(() => synthesize(sampleSettings('lambda-vpc', 'prod', { siteUrl: undefined }))).toThrow(
      /preset "prod" needs siteUrl, the https origin of the web app/,
    );
    for (const siteUrl of [
      'http://app.example.com',
      'https://app.example.com/',
      'https://a.example.com/web',
    ]) {
      expect(() => synthesize(sampleSettings('lambda-vpc', 'prod', { siteUrl }))).toThrow(
        `siteUrl "${siteUrl}" must be an https origin`,
      );
    }
  });
});

describe('lambda-vpc settings validation', () => {
  it('fails when the preset is not designed for the topology', () => {
    expect(() => synthesize(sampleSettings('lambda-vpc', 'seoul'))).toThrow(
      /preset "seoul" is not designed for topology "lambda-vpc"/,
    );
  });

  it('fails when a CORS origin is a wildcard or not an origin', () => {
    expect(() => synthesize(sampleSettings('lambda-vpc', 'dev', { corsAllowedOrigins: ['*'] }))).toThrow(
      /CORS origin "\*"/,
    );
    expect(() =>
      synthesize(
        sampleSettings('lambda-vpc', 'dev', { corsAllowedOrigins: ['https://app.example.com/path'] }),
      ),
    ).toThrow(/must be an origin/);
  });

  it('fails when import mode is half given', () => {
    expect(() =>
      synthesize(
        sampleSettings('lambda-vpc', 'nest-vpc', {
          existingNetwork: {
            vpcId: 'vpc-00b91951c36f803c6',
            availabilityZones: ['ap-southeast-2a'],
            privateSubnetIds: ['subnet-0252fa717f4638268'],
          },
        }),
      ),
    ).toThrow(/also needs existingDatabase/);
  });

  it('uses ServerlessApiStack for lambda-vpc', () => {
    expect(synthesize(sampleSettings('lambda-vpc', 'dev')).app).toBeInstanceOf(ServerlessApiStack);
  });
});

describe('MaintenanceSchedule mail delivery interval', () => {
  const schedule = (props: Partial<MaintenanceScheduleProps>): Template => {
    const stack = new Stack(new App(), 'S');
    const target = new lambda.Function(stack, 'Fn', {
      code: lambda.Code.fromInline('x'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
    });
    new MaintenanceSchedule(stack, 'Maintenance', { target, ...props });
    return Template.fromStack(stack);
  };

  it('runs the mail delivery pass at mailDeliveryEvery, leaving the hourly maintenance rule as it was', () => {
    const template = schedule({ mailDeliveryEvery: Duration.minutes(5) });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Input: '{"job":"deliver-mail"}' })],
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    template.resourceCountIs('AWS::Events::Rule', 2);
    // The API retries on the same interval, so a code's last retry is not scheduled between passes.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { MAIL_RETRY_INTERVAL_SECONDS: '300' } },
    });
  });

  it('reaches the function behind an alias, as the stacks pass it', () => {
    const stack = new Stack(new App(), 'S');
    const fn = new lambda.Function(stack, 'Fn', {
      code: lambda.Code.fromInline('x'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
    });
    const alias = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
    new MaintenanceSchedule(stack, 'Maintenance', { target: alias, mailDeliveryEvery: Duration.minutes(2) });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { MAIL_RETRY_INTERVAL_SECONDS: '120' } },
    });
  });

  it('keeps a retry interval the function already has when it is at least the pass interval, refuses a shorter one', () => {
    const withVariable = (value: string): Stack => {
      const stack = new Stack(new App(), 'S');
      const fn = new lambda.Function(stack, 'Fn', {
        code: lambda.Code.fromInline('x'),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        environment: { MAIL_RETRY_INTERVAL_SECONDS: value },
      });
      new MaintenanceSchedule(stack, 'Maintenance', { target: fn, mailDeliveryEvery: Duration.minutes(5) });
      return stack;
    };
    // Longer than the pass: the API schedules the last retry earlier still, which a pass takes.
    Template.fromStack(withVariable('600')).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { MAIL_RETRY_INTERVAL_SECONDS: '600' } },
    });
    Template.fromStack(withVariable('300')).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { MAIL_RETRY_INTERVAL_SECONDS: '300' } },
    });
    expect(() => withVariable('60')).toThrow(
      /S\/Fn sets MAIL_RETRY_INTERVAL_SECONDS=60, but mailDeliveryEvery \(5 minutes\) needs at least 300/,
    );
    expect(() => withVariable('five minutes')).toThrow(/needs at least 300/);
  });

  it('leaves the API’s retry interval alone at the default of one minute', () => {
    const template = schedule({});
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(JSON.stringify(fn)).not.toContain('MAIL_RETRY_INTERVAL_SECONDS');
    }
  });

  it('refuses a longer interval it cannot tell the function about, and one past the API’s hour', () => {
    const stack = new Stack(new App(), 'S');
    const imported = lambda.Function.fromFunctionArn(
      stack,
      'Imported',
      'arn:aws:lambda:eu-west-1:123456789012:function:api',
    );
    expect(
      () =>
        new MaintenanceSchedule(stack, 'Maintenance', {
          target: imported,
          mailDeliveryEvery: Duration.minutes(5),
        }),
    ).toThrow(/needs MAIL_RETRY_INTERVAL_SECONDS=300 on the function/);
    expect(() => schedule({ mailDeliveryEvery: Duration.minutes(61) })).toThrow(/at most 60 minutes/);
  });

  it('fails when mailDeliveryEvery is under a minute or not whole minutes (EventBridge rates are minutes)', () => {
    expect(() => schedule({ mailDeliveryEvery: Duration.seconds(30) })).toThrow(
      /mailDeliveryEvery must be a whole number of minutes, at least 1, got 30 seconds/,
    );
    expect(() => schedule({ mailDeliveryEvery: Duration.seconds(90) })).toThrow(/mailDeliveryEvery/);
  });
});
