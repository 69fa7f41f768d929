import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Ec2AlbApp,
  type Ec2AlbAppProps,
  SESSION_MANAGER_CHANNEL_ACTIONS,
} from '../lib/constructs/ec2-alb-app.js';
import { Network } from '../lib/constructs/network.js';
import { resolvePreset } from '../lib/presets.js';
import {
  expectAlarmOnFilter,
  expectMailNotDeliveredAlarm,
  expectSecretSwitchAfterMigrations,
  onlyResource,
  placeholderCode,
  refs,
  SAMPLE_CERTIFICATE_ARN,
  sampleSettings,
  subnetIds,
  synthesize,
} from './support.js';

const sg = (template: Template, description: string) =>
  onlyResource(template, 'AWS::EC2::SecurityGroup', {
    Properties: { GroupDescription: Match.stringLikeRegexp(description) },
  })[0];
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });

describe('ec2-alb × seoul (seed 004)', () => {
  let template: Template;
  let albSg: string;
  let backendSg: string;
  let frontendSg: string;
  let dbSg: string;
  let userData: string;
  beforeAll(() => {
    ({ template } = synthesize(sampleSettings('ec2-alb', 'seoul')));
    albSg = sg(template, '^CloudNest ALB');
    backendSg = sg(template, '^CloudNest backend instances');
    frontendSg = sg(template, '^CloudNest frontend instances');
    dbSg = sg(template, '^CloudNest mysql database');
    const [, backendTemplate] = onlyResource(template, 'AWS::EC2::LaunchTemplate', {
      Properties: { LaunchTemplateData: { SecurityGroupIds: [getAtt(backendSg)] } },
    });
    userData = JSON.stringify(backendTemplate.Properties);
  });

  it('swaps the instances’ secret read only after the migrations ran, before new instances boot', () => {
    expectSecretSwitchAfterMigrations(template, 'AppBackendRoleDefaultPolicy', 'AppBackendGroupASG');
  });

  it('redirects HTTP 80 to HTTPS 443, which serves the ACM certificate with a TLS 1.2+ policy', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' } },
      ],
    });
    const [certificate] = onlyResource(template, 'AWS::CertificateManager::Certificate', {
      Properties: { DomainName: 'www.example.com', ValidationMethod: 'DNS' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: { Ref: certificate } }],
      SslPolicy: Match.stringLikeRegexp('TLS13-1-2'),
    });
  });

  it('routes /api/* to the backend group (9999, /api/health) and /* to the frontend group (3000, /)', () => {
    const [backendTg] = onlyResource(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', {
      Properties: { Port: 9999, HealthCheckPath: '/api/health' },
    });
    const [frontendTg] = onlyResource(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', {
      Properties: { Port: 3000, HealthCheckPath: '/' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: backendTg } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: frontendTg } }],
    });
  });

  it('chains security groups ALB → instances → database, with 3306 only from the backend', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: getAtt(backendSg),
      SourceSecurityGroupId: getAtt(albSg),
      FromPort: 9999,
      ToPort: 9999,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: getAtt(frontendSg),
      SourceSecurityGroupId: getAtt(albSg),
      FromPort: 3000,
      ToPort: 3000,
    });
    const dbIngress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: getAtt(dbSg) } }),
    ).map((r) => r.Properties);
    expect(dbIngress.every((r) => r.FromPort === 3306 && r.ToPort === 3306 && r.CidrIp === undefined)).toBe(
      true,
    );
    const sources = dbIngress.map((r) => r.SourceSecurityGroupId['Fn::GetAtt'][0]);
    expect(sources).toContain(backendSg);
    expect(sources).not.toContain(frontendSg);
    expect(sources).not.toContain(albSg);
  });

  it('opens nothing to the world but 80/443 on the ALB, and no SSH anywhere', () => {
    const inline = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).flatMap(([id, r]) =>
      (r.Properties.SecurityGroupIngress ?? []).map((rule: Record<string, unknown>) => ({ id, ...rule })),
    );
    const standalone = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => ({
      id: r.Properties.GroupId['Fn::GetAtt']?.[0],
      ...r.Properties,
    }));
    const rules = [...inline, ...standalone];
    const world = rules.filter((r) => r.CidrIp === '0.0.0.0/0');
    expect(world.map((r) => [r.id, r.FromPort]).sort()).toEqual([
      [albSg, 443],
      [albSg, 80],
    ]);
    expect(rules.filter((r) => (r.FromPort as number) <= 22 && (r.ToPort as number) >= 22)).toEqual([]);
  });

  it('runs instances in the private subnets with IMDSv2, encrypted volumes and Session Manager', () => {
    const privateSubnets = refs(subnetIds(template, ['10.0.3.0/24', '10.0.4.0/24']));
    for (const group of Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))) {
      expect(group.Properties.VPCZoneIdentifier).toEqual(privateSubnets);
      expect(group.Properties.HealthCheckType).toBe('ELB');
    }
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 2);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: 'required' },
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
      }),
    });
    // Session Manager's own actions, not AmazonSSMManagedInstanceCore, which let an instance read
    // every Parameter Store value in the account (review, 2026-12-07).
    const ec2Roles = Object.values(template.findResources('AWS::IAM::Role')).filter((role) =>
      JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('ec2.amazonaws.com'),
    );
    expect(ec2Roles).toHaveLength(2);
    for (const role of ec2Roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    );
    expect(
      statements.filter((statement) => statement.Action === 'ssm:UpdateInstanceInformation'),
    ).toHaveLength(2);
    expect(
      statements.filter(
        (statement) => JSON.stringify(statement.Action) === JSON.stringify(SESSION_MANAGER_CHANNEL_ACTIONS),
      ),
    ).toHaveLength(2);
    expect(JSON.stringify(statements)).not.toMatch(/"ssm:Get|ssm:\*/);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: refs(subnetIds(template, ['10.0.1.0/24', '10.0.2.0/24'])),
    });
  });

  it('installs Node 22 (checksum-verified) and runs the backend under PM2 with API_PREFIX=/api on 9999', () => {
    // A current Node 22 release by default (22.12.0 of 2024-12 was, with a year of fixes missing).
    const [, minor] = /NODE_VERSION=22\.(\d+)\./.exec(userData) ?? [];
    expect(Number(minor)).toBeGreaterThanOrEqual(23);
    expect(userData).toContain('sha256sum -c -');
    expect(userData).toContain('npm install -g pm2');
    expect(userData).toContain('pm2 start');
    expect(userData).toContain('pm2 startup systemd');
    expect(userData).toMatch(/\\"exec_mode\\":\\"fork\\"/);
    // Longer than the API's own shutdown limit (SHUTDOWN_TIMEOUT_MS, 10 s): PM2's default is 1.6 s.
    expect(Number(/\\"kill_timeout\\":(\d+)/.exec(userData)?.[1])).toBeGreaterThan(10_000);
    expect(userData).toMatch(/\\"API_PREFIX\\":\\"\/api\\"/);
    expect(userData).toMatch(/\\"PORT\\":\\"9999\\"/);
    expect(userData).toContain('cfn-signal');
    // The instance signals once the API is ready (its database reached), not merely alive.
    expect(userData).toContain('http://127.0.0.1:9999/api/health/ready');
    expect(userData).toMatch(/\\"DATABASE_ENGINE\\":\\"mysql\\"/);
    expect(userData).toMatch(/\\"DATABASE_SSL\\":\\"verify-full\\"/);
    expect(userData).toMatch(/\\"DATABASE_SSL_CA\\":\\"rds\\"/);
    expect(userData).toMatch(/\\"MFA_ENCRYPTION_KEY_SECRET_ARN\\":\\"/);
    expect(userData).toContain(
      "npm install --omit=dev --no-save --no-audit --no-fund '@node-rs/argon2@^2.2.1'",
    );
    expect(userData).not.toMatch(/JWT_SECRET\\"|API_KEYS|DATABASE_URL|PASSWORD/);
  });

  it('ships the PM2 logs of both groups to 30-day log groups with the CloudWatch agent', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    const appLogGroups = Object.keys(logGroups).filter((id) => /^App(Backend|Frontend)LogGroup/.test(id));
    expect(appLogGroups).toHaveLength(2);
    for (const id of appLogGroups) expect(logGroups[id]?.Properties.RetentionInDays).toBe(30);
    const backendId = appLogGroups.find((id) => id.startsWith('AppBackendLogGroup'));
    expect(userData).toContain('amazon-cloudwatch-agent');
    expect(userData).toContain('amazon-cloudwatch-agent-ctl -a fetch-config -m ec2');
    expect(userData).toContain(`{"Ref":"${backendId}"}`);
    expect(userData).toMatch(/\\"out_file\\":\\"\/var\/log\/cloudnest\/backend\.out\.log\\"/);
    expect(userData).toMatch(/\\"file_path\\":\\"\/var\/log\/cloudnest\/backend\.out\.log\\"/);
    // Without merge_logs PM2 writes backend.out-0.log (its process id), which the agent never reads.
    expect(userData.match(/\\"merge_logs\\":true/g)).toHaveLength(1);
  });

  // Seed 004 monitors memory use, which EC2 does not measure.
  it('publishes memory and disk use from the agent into CloudNest/EC2 only, and alarms on them per group', () => {
    expect(userData).toMatch(/\\"namespace\\":\\"CloudNest\/EC2\\"/);
    expect(userData).toContain('mem_used_percent');
    expect(userData).toMatch(/\\"aggregation_dimensions\\":\[\[\\"AutoScalingGroupName\\"\]\]/);
    const metricStatements = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(
      ([id, policy]) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
          .filter((statement) => [statement.Action].flat().includes('cloudwatch:PutMetricData'))
          .map((statement) => ({ id, statement })),
    );
    expect(metricStatements.map(({ id }) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AppBackendRoleDefaultPolicy',
      'AppFrontendRoleDefaultPolicy',
    ]);
    for (const { statement } of metricStatements) {
      expect(statement).toMatchObject({
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'CloudNest/EC2' } },
      });
    }
    // The agent resolves the group dimension from the instance's tags and publishes nothing
    // until it can: both roles may call ec2:DescribeTags.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudWatch agent placeholder
    expect(userData).toContain('\\"AutoScalingGroupName\\":\\"${aws:AutoScalingGroupName}\\"');
    const tagStatements = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
        .filter((statement) => [statement.Action].flat().includes('ec2:DescribeTags'))
        .map(() => id.replace(/[0-9A-F]{8}$/, '')),
    );
    expect(tagStatements.sort()).toEqual(['AppBackendRoleDefaultPolicy', 'AppFrontendRoleDefaultPolicy']);
    for (const [group, metricName, threshold] of [
      ['AppBackendGroupASG', 'mem_used_percent', 90],
      ['AppFrontendGroupASG', 'mem_used_percent', 90],
      ['AppBackendGroupASG', 'disk_used_percent', 85],
      ['AppFrontendGroupASG', 'disk_used_percent', 85],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'CloudNest/EC2',
        MetricName: metricName,
        Threshold: threshold,
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: { Ref: Match.stringLikeRegexp(`^${group}`) } }],
        AlarmActions: Match.anyValue(),
      });
    }
  });

  it('lets each instance role write only its own log group (CreateLogStream, PutLogEvents)', () => {
    const logStatements = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('logs:')))
        .map((statement) => ({ id, statement })),
    );
    const roleStatements = logStatements.filter(({ id }) => /^App(Backend|Frontend)Role/.test(id));
    expect(roleStatements).toHaveLength(2);
    for (const { id, statement } of roleStatements) {
      const group = id.startsWith('AppBackend') ? 'AppBackendLogGroup' : 'AppFrontendLogGroup';
      expect(statement).toMatchObject({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${group}`)), 'Arn'] },
      });
    }
  });

  it('alarms when a backend instance logs "maintenance run failed" (the job runs in-process)', () => {
    const [, filter] = onlyResource(template, 'AWS::Logs::MetricFilter', {
      Properties: { FilterPattern: '{ $.msg = "maintenance run failed" }' },
    });
    expect(filter.Properties).toMatchObject({
      LogGroupName: { Ref: expect.stringMatching(/^AppBackendLogGroup/) },
    });
    expectAlarmOnFilter(template, filter);
  });

  it('alarms when a backend instance logs "mail not delivered" (its in-process pass gave up on a mail)', () => {
    const logGroup = Object.keys(template.findResources('AWS::Logs::LogGroup')).find((id) =>
      id.startsWith('AppBackendLogGroup'),
    );
    expectMailNotDeliveredAlarm(template, { Ref: logGroup });
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  it('rolls instances one at a time and waits for them to signal health', () => {
    template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      UpdatePolicy: {
        AutoScalingRollingUpdate: Match.objectLike({ MaxBatchSize: 1, WaitOnResourceSignals: true }),
      },
      CreationPolicy: { ResourceSignal: Match.objectLike({ Count: 1 }) },
    });
  });

  it('rotates the API user’s MySQL password every 30 days (seed 001), from its own SG in the private subnets', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({ RotationType: 'MySQLSingleUser' }),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    const rotationSg = sg(template, '^CloudNest API user password rotation');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: getAtt(dbSg),
      SourceSecurityGroupId: getAtt(rotationSg),
      FromPort: 3306,
      ToPort: 3306,
    });
  });

  it('runs MySQL 8.4 Multi-AZ, private, encrypted, with 7-day backups', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      EngineVersion: '8.4',
      MultiAZ: true,
      PubliclyAccessible: false,
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      Port: '3306',
    });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: refs(subnetIds(template, ['10.0.3.0/24', '10.0.4.0/24'])),
    });
  });

  it('turns MySQL’s slow query log on (the exported slowquery log was empty under the default group) and requires TLS', () => {
    const [groupId] = onlyResource(template, 'AWS::RDS::DBParameterGroup', {
      Properties: {
        Family: 'mysql8.4',
        // TLS required on the server too, not only by the API's DATABASE_SSL (review, 2026-12-07),
        // as 1: an instance group's allowed values for the boolean are 0 and 1 (second review).
        Parameters: {
          slow_query_log: '1',
          long_query_time: '1',
          log_output: 'FILE',
          require_secure_transport: '1',
        },
      },
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      DBParameterGroupName: { Ref: groupId },
      EnableCloudwatchLogsExports: Match.arrayWith(['slowquery']),
    });
  });

  it('aliases the domain to the ALB in Route 53', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'www.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789EXAMPLE',
      AliasTarget: Match.objectLike({
        HostedZoneId: { 'Fn::GetAtt': [Match.anyValue(), 'CanonicalHostedZoneID'] },
      }),
    });
  });

  it('keeps uploads private except public reads on image prefixes, with CORS, versioning and temp/ expiry', () => {
    const [bucket] = onlyResource(template, 'AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({ AllowedOrigins: ['https://www.example.com', 'https://app.example.com'] }),
        ],
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'uploads/temp/', ExpirationInDays: 1, Status: 'Enabled' }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
          // A deletion only adds a delete marker on a versioned bucket: the bytes of deleted files
          // and purged accounts go with their noncurrent version, a day later.
          Match.objectLike({
            Id: 'ExpireNoncurrentVersions',
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: 'Enabled',
          }),
        ]),
      },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
    });
    const [, policy] = onlyResource(template, 'AWS::S3::BucketPolicy', {
      Properties: { Bucket: { Ref: bucket } },
    });
    const statements = (policy.Properties as { PolicyDocument: { Statement: Record<string, unknown>[] } })
      .PolicyDocument.Statement;
    const publicRead = statements.filter(
      (s) => s.Effect === 'Allow' && JSON.stringify(s.Principal) === '{"AWS":"*"}',
    );
    expect(publicRead).toHaveLength(1);
    expect(publicRead[0]?.Action).toBe('s3:GetObject');
    const resources = JSON.stringify(publicRead[0]?.Resource);
    for (const prefix of ['uploads/users/*', 'uploads/stories/*', 'uploads/channels/*'])
      expect(resources).toContain(prefix);
    expect(resources).not.toContain('temp');
    expect(
      statements.some(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
      ),
    ).toBe(true);
  });

  it('alarms on target 5xx and unhealthy hosts of both groups, and RDS CPU, storage and connections', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms.filter((a) => a.MetricName === 'UnHealthyHostCount')).toHaveLength(2);
    // No healthy target at all (instances that never got healthy): the load balancer answers 503
    // without counting a request, which the 5xx rate cannot see.
    const noHealthy = alarms.filter((a) => a.MetricName === 'HealthyHostCount');
    expect(noHealthy).toHaveLength(2);
    for (const alarm of noHealthy)
      expect(alarm).toMatchObject({
        Statistic: 'Minimum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'notBreaching',
        EvaluationPeriods: 5,
      });
    expect(alarms.filter((a) => a.MetricName === 'HTTPCode_Target_5XX_Count')).toHaveLength(2);
    for (const metric of ['CPUUtilization', 'FreeStorageSpace', 'DatabaseConnections']) {
      expect(alarms.some((a) => a.MetricName === metric && a.Namespace === 'AWS/RDS')).toBe(true);
    }
  });

  it('outputs UploadsBucketName, ApiUrl and MigrationFunctionName', () => {
    for (const name of ['UploadsBucketName', 'ApiUrl', 'SiteUrl', 'MigrationFunctionName'])
      template.hasOutput(name, {});
  });
});

describe('ec2-alb frontend (the web app, seed 004 port 3000)', () => {
  // Stands in for `npm run build:ec2 -w @cloudnest/web` (web/dist/ec2: server.js, web/, node_modules/).
  const frontendCodePath = mkdtempSync(join(tmpdir(), 'cloudnest-infra-web-'));
  writeFileSync(join(frontendCodePath, 'server.js'), 'import("./web/server.js");\n');

  it('deploys the web build to the frontend group under PM2 on port 3000, checked on / before signalling', () => {
    const { template } = synthesize(sampleSettings('ec2-alb', 'seoul', { frontendCodePath }));
    const frontendSg = sg(template, '^CloudNest frontend instances');
    const [, launchTemplate] = onlyResource(template, 'AWS::EC2::LaunchTemplate', {
      Properties: { LaunchTemplateData: { SecurityGroupIds: [getAtt(frontendSg)] } },
    });
    const userData = JSON.stringify(launchTemplate.Properties);
    expect(userData).toMatch(/aws s3 cp .*\/tmp\//);
    expect(userData).toContain('unzip -o -q');
    expect(userData).not.toContain("res.end('CloudNest')");
    expect(userData).toMatch(/\\"script\\":\\"server.js\\"/);
    expect(userData).toMatch(/\\"PORT\\":\\"3000\\"/);
    expect(userData).toMatch(/\\"NODE_ENV\\":\\"production\\"/);
    expect(userData).toContain('pm2 start /opt/cloudnest/frontend/ecosystem.config.json');
    expect(userData).toContain('http://127.0.0.1:3000/ ');
    expect(userData).toContain('cfn-signal');
    // The frontend instances may read their code asset, signal CloudFormation, write their own log
    // group and metrics (and read tags for the metrics' group dimension) and take Session Manager
    // sessions, nothing else.
    const [frontendRole] = onlyResource(template, 'AWS::IAM::Role', {
      Properties: { Description: 'CloudNest frontend instances' },
    });
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: frontendRole }]))
      .flatMap((policy) =>
        policy.Properties.PolicyDocument.Statement.map((s: { Action: unknown }) => s.Action),
      );
    expect(actions.flat().sort()).toEqual([
      'cloudformation:SignalResource',
      'cloudwatch:PutMetricData',
      'ec2:DescribeTags',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      'ssm:UpdateInstanceInformation',
      ...SESSION_MANAGER_CHANNEL_ACTIONS,
    ]);
  });
});

describe('ec2-alb validation', () => {
  // Found in review (2026-12-07): the web app this topology always deploys sends no X-API-KEY, so
  // every call, the page load's refresh included, failed with 401 API_KEY_REQUIRED.
  it('refuses requireApiKey, which would lock out the web app it deploys', () => {
    expect(() => synthesize(sampleSettings('ec2-alb', 'seoul', { requireApiKey: true }))).toThrow(
      /requireApiKey .* the web app/,
    );
  });

  it('fails when there is neither a hosted zone nor a certificate', () => {
    expect(() => synthesize(sampleSettings('ec2-alb', 'seoul', { domain: undefined }))).toThrow(
      /give domain.hostedZoneId or domain.certificateArn/,
    );
  });

  it('uses a given certificate and creates no DNS records without a hosted zone', () => {
    const arn = 'arn:aws:acm:ap-northeast-2:123456789012:certificate/11111111-2222-3333-4444-555555555555';
    const { template } = synthesize(
      sampleSettings('ec2-alb', 'seoul', { domain: { zoneName: 'example.com', certificateArn: arn } }),
    );
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Certificates: [{ CertificateArn: arn }],
    });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    // The site is the domain's URL even without a hosted zone: mail links, the frontend and CORS.
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [Match.objectLike({ AllowedOrigins: ['https://example.com', 'https://app.example.com'] })],
      },
    });
    const userData = JSON.stringify(template.findResources('AWS::EC2::LaunchTemplate')).replace(/\\/g, '');
    expect(userData).toContain('"PUBLIC_BASE_URL":"https://example.com"');
    expect(userData).toContain('"NEXT_PUBLIC_BASE_URL":"https://example.com"');
    // Next's server keeps idle connections longer than the ALB's 60 s idle timeout (no 502s on reuse).
    expect(userData).toContain('"KEEP_ALIVE_TIMEOUT":"72000"');
    // The pages' Content-Security-Policy admits the bucket browsers upload to and load avatars from.
    expect(userData).toMatch(
      /"STORAGE_ORIGINS":"https:\/\/",\{"Fn::GetAtt":\["UploadsBucket\w+","RegionalDomainName"\]\}/,
    );
    template.hasOutput('SiteUrl', { Value: 'https://example.com' });
  });

  it('fails when the backend build is missing', () => {
    expect(() => synthesize(sampleSettings('ec2-alb', 'seoul', { backendCodePath: undefined }))).toThrow(
      /needs backendCodePath/,
    );
  });

  it('fails when an instance environment variable name says it carries a secret (user data is readable)', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
    const network = new Network(stack, 'Network', { layout: resolvePreset('dev').network });
    const props: Ec2AlbAppProps = {
      vpc: network.vpc,
      loadBalancerSubnets: network.publicSubnets,
      instanceSubnets: network.privateSubnets,
      certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', SAMPLE_CERTIFICATE_ARN),
      backend: { codePath: placeholderCode().backend },
    };
    expect(
      () =>
        new Ec2AlbApp(stack, 'Backend', {
          ...props,
          backend: { ...props.backend, environment: { JWT_SECRET: 'x' } },
        }),
    ).toThrow('environment variable JWT_SECRET would hold a secret in plaintext; pass a secret ARN instead');
    expect(
      () =>
        new Ec2AlbApp(stack, 'Frontend', {
          ...props,
          frontend: { environment: { DATABASE_URL: 'mysql://u:p@h/db' } },
        }),
    ).toThrow(/environment variable DATABASE_URL would hold a secret in plaintext/);
  });

  it('accepts the stack’s own environment, which passes secrets as ARNs only', () => {
    const { template } = synthesize(sampleSettings('ec2-alb', 'dev'), { nag: false });
    const userData = JSON.stringify(template.findResources('AWS::EC2::LaunchTemplate')).replace(/\\/g, '');
    // Each is a reference to its secret's ARN, resolved at deploy time.
    for (const name of ['DATABASE_SECRET_ARN', 'JWT_SECRET_ARN', 'MFA_ENCRYPTION_KEY_SECRET_ARN']) {
      expect(userData).toContain(`"${name}":"",{"Ref":`);
    }
    // The backend connects as the API's own database user, never as the master user.
    expect(userData).toMatch(/"DATABASE_SECRET_ARN":"",\{"Ref":"DatabaseApiUserSecretAttachment/);
  });

  it('fails when uploads would make temp/ public', async () => {
    const { Uploads } = await import('../lib/constructs/uploads.js');
    const { App, Stack } = await import('aws-cdk-lib');
    const stack = new Stack(new App(), 'S');
    expect(() => new Uploads(stack, 'U', { publicReadPrefixes: ['uploads/temp/'] })).toThrow(
      /never be publicly readable/,
    );
    expect(() => new Uploads(stack, 'V', { publicReadPrefixes: ['uploads/*'] })).toThrow(/no wildcards/);
  });
});
