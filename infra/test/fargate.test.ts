import { readFileSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAIL_NOT_DELIVERED_MESSAGE, MAINTENANCE_FAILED_MESSAGE } from '../lib/constructs/observability.js';
import {
  expectAlarmOnFilter,
  expectMailNotDeliveredAlarm,
  expectSecretSwitchAfterMigrations,
  onlyResource,
  refs,
  SAMPLE_CERTIFICATE_ARN,
  sampleSettings,
  subnetIds,
  synthesize,
} from './support.js';

describe('fargate × autonote (seed 002, safe form)', () => {
  let template: Template;
  let serviceSg: string;
  let albSg: string;
  beforeAll(() => {
    ({ template } = synthesize(sampleSettings('fargate', 'autonote')));
    serviceSg = onlyResource(template, 'AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^CloudNest API tasks') },
    })[0];
    albSg = onlyResource(template, 'AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^CloudNest API load balancer') },
    })[0];
  });

  it('swaps the task role’s secret read only after the migrations ran, before new tasks start', () => {
    expectSecretSwitchAfterMigrations(
      template,
      'ApiTaskDefinitionTaskRoleDefaultPolicy',
      'ApiServiceD5B4A50A',
    );
  });

  it('runs at least one task in the private subnets without public IPs, with a rollback circuit breaker', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      // Left to autoscaling: a count here would reset a scaled-out service on every deploy.
      DesiredCount: Match.absent(),
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      }),
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          SecurityGroups: [{ 'Fn::GetAtt': [serviceSg, 'GroupId'] }],
          Subnets: refs(subnetIds(template, ['10.0.101.0/24', '10.0.102.0/24'])),
        },
      },
    });
  });

  it('serves port 3000 from the SHA-tagged ECR image with secrets as ARNs, never in plain env', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Image: {
            'Fn::Join': [
              '',
              Match.arrayWith([Match.stringLikeRegexp(':0123456789abcdef0123456789abcdef01234567$')]),
            ],
          },
          PortMappings: [{ ContainerPort: 3000, Protocol: 'tcp' }],
          // No API keys required: nothing for ECS to inject.
          Secrets: Match.absent(),
          Environment: Match.arrayWith([
            { Name: 'PORT', Value: '3000' },
            // The API's own database user, not the master user the migrations connect as.
            {
              Name: 'DATABASE_SECRET_ARN',
              Value: { Ref: Match.stringLikeRegexp('^DatabaseApiUserSecretAttachment') },
            },
            { Name: 'DATABASE_ENGINE', Value: 'postgres' },
            { Name: 'DATABASE_SSL', Value: 'verify-full' },
            { Name: 'DATABASE_SSL_CA', Value: 'rds' },
            { Name: 'JWT_SECRET_ARN', Value: { Ref: Match.stringLikeRegexp('JwtSecret') } },
            {
              Name: 'MFA_ENCRYPTION_KEY_SECRET_ARN',
              Value: { Ref: Match.stringLikeRegexp('MfaEncryptionKeySecret') },
            },
            { Name: 'PUBLIC_BASE_URL', Value: 'https://app.example.com' },
            { Name: 'REQUIRE_API_KEY', Value: 'false' },
          ]),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    const [, taskDefinition] = onlyResource(template, 'AWS::ECS::TaskDefinition');
    const env = JSON.stringify(
      (taskDefinition.Properties as { ContainerDefinitions: { Environment: unknown }[] })
        .ContainerDefinitions[0]?.Environment,
    );
    expect(env).not.toMatch(/"Name":"(JWT_SECRET|API_KEYS|DATABASE_URL|JWT_PRIVATE_KEY)"/);
  });

  it('lets the task role read the JWT secret and the two-step sign-in key the app fetches', () => {
    for (const secret of ['^SecretsJwtSecret', '^SecretsMfaEncryptionKeySecret']) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^ApiTaskDefinitionTaskRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Resource: { Ref: Match.stringLikeRegexp(secret) },
            }),
          ]),
        },
      });
    }
  });

  it('admits port 3000 on the tasks only from the ALB SG; the ALB is internet-facing in the public subnets', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [serviceSg, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] },
      FromPort: 3000,
      ToPort: 3000,
    });
    const taskIngress = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [serviceSg, 'GroupId'] } },
    });
    expect(Object.keys(taskIngress)).toHaveLength(1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^CloudNest API tasks'),
      SecurityGroupIngress: Match.absent(),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: refs(subnetIds(template, ['10.0.1.0/24', '10.0.2.0/24'])),
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3000,
      TargetType: 'ip',
      HealthCheckPath: '/health',
    });
  });

  it('serves HTTPS with the given certificate and redirects port 80', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: SAMPLE_CERTIFICATE_ARN }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect' })],
    });
  });

  it('keeps the database reachable from the tasks only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourceSecurityGroupId: { 'Fn::GetAtt': [serviceSg, 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      PubliclyAccessible: false,
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
    });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: refs(subnetIds(template, ['10.0.201.0/24', '10.0.202.0/24'])),
    });
  });

  it('scales on CPU and on requests per target', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
      }),
    });
  });

  it('migrates before the service rolls to a new task definition', () => {
    const [triggerId] = onlyResource(template, 'Custom::Trigger');
    template.hasResource('AWS::ECS::Service', { DependsOn: Match.arrayWith([triggerId]) });
  });

  it('alarms on ALB 5xx rate, unhealthy hosts and target 5xx, and keeps logs 30 days', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UnHealthyHostCount' });
    // Tasks that die before their first health check leave no healthy target: the load balancer
    // answers 503 without counting a request, which the 5xx rate cannot see.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HealthyHostCount',
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
      EvaluationPeriods: 5,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_Target_5XX_Count' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('target5xx') })]),
    });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });
});

describe('fargate maintenance (runs in-process in every task)', () => {
  it('alarms on the API’s "maintenance run failed" log line in the task log group', () => {
    const { template } = synthesize(sampleSettings('fargate', 'autonote'), { nag: false });
    const [, taskDefinition] = onlyResource(template, 'AWS::ECS::TaskDefinition');
    const containerLogGroup = (
      taskDefinition.Properties as {
        ContainerDefinitions: { LogConfiguration: { Options: Record<string, unknown> } }[];
      }
    ).ContainerDefinitions[0]?.LogConfiguration.Options['awslogs-group'];
    const [, filter] = onlyResource(template, 'AWS::Logs::MetricFilter', {
      Properties: { FilterPattern: Match.stringLikeRegexp('maintenance run failed') },
    });
    expect(filter.Properties).toMatchObject({
      LogGroupName: containerLogGroup,
      FilterPattern: '{ $.msg = "maintenance run failed" }',
    });
    expectAlarmOnFilter(template, filter);
  });

  it('matches the line the API logs (api/src/jobs/maintenance.service.ts)', () => {
    const source = readFileSync(
      new URL('../../api/src/jobs/maintenance.service.ts', import.meta.url),
      'utf8',
    );
    expect(source).toContain(`'${MAINTENANCE_FAILED_MESSAGE}'`);
  });
});

describe('fargate mail delivery (runs in-process in every task)', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize(sampleSettings('fargate', 'autonote'), { nag: false }));
  });

  it('alarms on the API’s "mail not delivered" log line in the task log group', () => {
    const [, taskDefinition] = onlyResource(template, 'AWS::ECS::TaskDefinition');
    const containerLogGroup = (
      taskDefinition.Properties as {
        ContainerDefinitions: { LogConfiguration: { Options: Record<string, unknown> } }[];
      }
    ).ContainerDefinitions[0]?.LogConfiguration.Options['awslogs-group'];
    expectMailNotDeliveredAlarm(template, containerLogGroup);
  });

  it('matches the line the API logs (api/src/mail/mail.service.ts)', () => {
    const source = readFileSync(new URL('../../api/src/mail/mail.service.ts', import.meta.url), 'utf8');
    expect(source).toContain(`MAIL_NOT_DELIVERED_MESSAGE = '${MAIL_NOT_DELIVERED_MESSAGE}'`);
  });

  it('schedules no delivery pass with EventBridge (the tasks’ interval runs it)', () => {
    template.resourceCountIs('AWS::Events::Rule', 0);
  });
});

describe('fargate public-IP form (seed 002 as written; dev only: plain HTTP)', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize(
      sampleSettings('fargate', 'dev', { fargatePublicIp: true, domain: undefined }),
    ));
  });

  it('forces REQUIRE_API_KEY=true and injects API_KEYS from Secrets Manager', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: 'REQUIRE_API_KEY', Value: 'true' }]),
          Secrets: Match.arrayWith([
            { Name: 'API_KEYS', ValueFrom: { Ref: Match.stringLikeRegexp('ApiKeysSecret') } },
          ]),
        }),
      ],
    });
  });

  it('runs tasks with public IPs in the public subnets, port 3000 open, and no load balancer', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({
          AssignPublicIp: 'ENABLED',
          Subnets: refs(subnetIds(template, ['10.10.0.0/24', '10.10.1.0/24'])),
        }),
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('public IP form'),
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 3000, ToPort: 3000 })],
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
  });

  it('alarms on any error line of the tasks, as no load balancer counts their 5xx', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.level >= 50 }',
      LogGroupName: { Ref: Match.stringLikeRegexp('^ApiLogGroup') },
      MetricTransformations: [Match.objectLike({ MetricName: 'ServiceErrorLogs' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ServiceErrorLogs' });
  });
});

describe('fargate with an existing EdDSA JWT secret (jwtSecretArn)', () => {
  const jwtSecretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudnest-jwt-AbCdEf';

  it('passes JWT_SECRET_ARN (the secret may hold {"privateKey"}) and grants the task role read on it', () => {
    const { template } = synthesize(sampleSettings('fargate', 'autonote', { jwtSecretArn }), { nag: false });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Secrets: Match.absent(),
          Environment: Match.arrayWith([{ Name: 'JWT_SECRET_ARN', Value: jwtSecretArn }]),
        }),
      ],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ApiTaskDefinitionTaskRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: jwtSecretArn,
          }),
        ]),
      },
    });
    // The database's two secrets (master and API user) and the two-step sign-in key; no JWT secret
    // of its own.
    template.resourceCountIs('AWS::SecretsManager::Secret', 3);
    template.resourcePropertiesCountIs(
      'AWS::SecretsManager::Secret',
      { Description: Match.stringLikeRegexp('JWT') },
      0,
    );
  });
});

describe('fargate with a hosted zone', () => {
  it('serves HTTPS with a DNS-validated certificate, redirects 80, and aliases the name to the ALB', () => {
    const { template } = synthesize(
      sampleSettings('fargate', 'prod', {
        domain: { zoneName: 'example.com', hostedZoneId: 'Z0123456789EXAMPLE', recordName: 'api' },
      }),
    );
    const [certificate] = onlyResource(template, 'AWS::CertificateManager::Certificate', {
      Properties: { DomainName: 'api.example.com', ValidationMethod: 'DNS' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: { Ref: certificate } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect' })],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.example.com.', Type: 'A' });
    template.hasOutput('ApiUrl', { Value: 'https://api.example.com' });
    // The domain names the API; mail links go to the web app's origin.
    template.hasOutput('SiteUrl', { Value: 'https://app.example.com' });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 2,
    });
  });
});

describe('fargate validation', () => {
  it('fails when the public-IP form is asked for without an API key', () => {
    expect(() =>
      synthesize(
        sampleSettings('fargate', 'dev', { fargatePublicIp: true, requireApiKey: false, domain: undefined }),
      ),
    ).toThrow(/fargatePublicIp exposes tasks to the internet and requires requireApiKey/);
  });

  // Found in review (2026-12-07): the public-IP form serves plain HTTP; autonote and prod took it,
  // dropping the domain's certificate, with an https:// ApiUrl that nothing served.
  it('refuses the public-IP form outside dev, and with a domain it could not serve', () => {
    for (const preset of ['autonote', 'prod'] as const)
      expect(() =>
        synthesize(sampleSettings('fargate', preset, { fargatePublicIp: true, domain: undefined })),
      ).toThrow(/fargatePublicIp serves the API over plain HTTP .* only preset "dev"/);
    expect(() =>
      synthesize(
        sampleSettings('fargate', 'dev', {
          fargatePublicIp: true,
          domain: { zoneName: 'example.com', recordName: 'api', certificateArn: SAMPLE_CERTIFICATE_ARN },
        }),
      ),
    ).toThrow(/fargatePublicIp has no load balancer to serve the domain/);
  });

  it('fails outside dev without a certificate or hosted zone (the ALB would serve plain HTTP)', () => {
    for (const preset of ['autonote', 'prod'] as const) {
      expect(() => synthesize(sampleSettings('fargate', preset, { domain: undefined }))).toThrow(
        /topology "fargate" on preset "\w+" serves HTTPS: give domain.hostedZoneId or domain.certificateArn/,
      );
    }
    expect(() =>
      synthesize(
        sampleSettings('fargate', 'prod', { domain: { zoneName: 'example.com', recordName: 'api' } }),
      ),
    ).toThrow(/serves HTTPS/);
  });

  it('fails outside dev without siteUrl, even with a domain (it names the API, not the web app)', () => {
    expect(() => synthesize(sampleSettings('fargate', 'prod', { siteUrl: undefined }))).toThrow(
      /preset "prod" needs siteUrl.*the domain names the API, not the site/,
    );
  });

  it('lets dev serve plain HTTP on port 80 without a domain', () => {
    const { template } = synthesize(sampleSettings('fargate', 'dev', { domain: undefined }), { nag: false });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
  });

  it('fails when the preset is nest-vpc (one public subnet cannot hold an ALB)', () => {
    expect(() => synthesize(sampleSettings('fargate', 'nest-vpc'))).toThrow(
      /not designed for topology "fargate"/,
    );
  });

  it('fails when desiredCount is 0 or the image tag is missing', async () => {
    const { FargateApi } = await import('../lib/constructs/fargate-api.js');
    const { App, Stack } = await import('aws-cdk-lib');
    const ec2 = await import('aws-cdk-lib/aws-ec2');
    const ecr = await import('aws-cdk-lib/aws-ecr');
    const stack = new Stack(new App(), 'S');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['us-east-1a'],
    });
    const subnet = (id: string) => ec2.Subnet.fromSubnetId(stack, id, `subnet-${id}`);
    const base = {
      vpc,
      taskSubnets: [subnet('11111111')],
      loadBalancerSubnets: [subnet('22222222'), subnet('33333333')],
      repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'api'),
      imageTag: 'abc123',
      environment: {},
      secrets: {},
    };
    expect(() => new FargateApi(stack, 'A', { ...base, desiredCount: 0 })).toThrow(
      /desiredCount must be at least 1/,
    );
    expect(() => new FargateApi(stack, 'B', { ...base, imageTag: '' })).toThrow(/not a valid image tag/);
    expect(
      () => new FargateApi(stack, 'C', { ...base, assignPublicIp: true, loadBalancerSubnets: undefined }),
    ).toThrow(/requires REQUIRE_API_KEY=true and an API_KEYS secret/);
  });
});
