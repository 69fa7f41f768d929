import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { apiEnvironment, migrationEnvironment } from '../api-environment.js';
import { ApiSecrets } from '../constructs/api-secrets.js';
import { ApiUserRotation } from '../constructs/api-user-rotation.js';
import { Database } from '../constructs/database.js';
import { BACKEND_PORT, Ec2AlbApp, INSTANCE_METRICS_NAMESPACE } from '../constructs/ec2-alb-app.js';
import { MigrationRunner } from '../constructs/migration-runner.js';
import { Observability } from '../constructs/observability.js';
import { Uploads } from '../constructs/uploads.js';
import { grantSendEmail } from '../mail.js';
import { TopologyStack, type TopologyStackProps } from './topology-stack.js';

/**
 * `ec2-alb` (seed 004): Next.js and NestJS on EC2 Auto Scaling groups behind one ALB with path
 * rules, RDS MySQL 8.4 in private subnets reachable only from the backend, an S3 uploads bucket,
 * Route 53 and ACM when a hosted zone is given.
 */
export class Ec2AlbStack extends TopologyStack {
  readonly app: Ec2AlbApp;
  readonly database: Database;
  readonly uploads: Uploads;
  readonly migrations: MigrationRunner;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: TopologyStackProps) {
    super(scope, id, props);
    const { settings } = this;
    const { preset } = settings;

    const network = this.createNetwork();
    const { dns, certificate, url: domainUrl } = this.createDomain();
    const { siteUrl } = this;
    // Unreachable after settings validation; narrows the types for the HTTPS listener and links.
    if (!certificate) throw new Error('ec2-alb needs domain.hostedZoneId or domain.certificateArn');
    if (!siteUrl) throw new Error('ec2-alb needs siteUrl or a domain');
    // The frontend's origin uploads straight to the bucket with presigned URLs.
    const origins = this.corsOrigins();

    this.database = new Database(this, 'Database', {
      vpc: network.vpc,
      subnets: network.dataSubnets,
      engine: 'mysql',
      ...this.databaseSizing(),
    });
    this.uploads = new Uploads(this, 'Uploads', { corsAllowedOrigins: origins });
    const secrets = new ApiSecrets(this, 'Secrets', {
      jwtSecretArn: settings.jwtSecretArn,
      removalPolicy: this.secretRemovalPolicy,
    });
    const observability = new Observability(this, 'Observability', {
      alarmEmail: settings.alarmEmail,
      autoScalingNotifications: true,
      ...this.databaseAlarmSizing(this.database.engine),
    });

    const backendEnvironment = apiEnvironment({
      preset,
      region: this.region,
      apiPrefix: '/api',
      port: BACKEND_PORT,
      databaseSecret: this.database.apiSecret,
      databaseEngine: this.database.engine,
      jwtSecret: secrets.jwtSecret,
      mfaEncryptionKeySecret: secrets.mfaEncryptionKeySecret,
      corsAllowedOrigins: origins,
      mailFrom: settings.mailFrom,
      uploadsBucketName: this.uploads.bucket.bucketName,
      uploadsPublicBaseUrl: this.uploads.publicBaseUrl,
      publicBaseUrl: siteUrl,
      requireApiKey: settings.requireApiKey ?? false,
      trustedProxies: preset.network.publicSubnets.map((s) => s.cidr),
      databasePoolMax: this.serverPoolMax(this.database.engine, preset.compute.ec2MaxCapacity),
    });
    this.app = new Ec2AlbApp(this, 'App', {
      vpc: network.vpc,
      loadBalancerSubnets: network.publicSubnets,
      instanceSubnets: network.privateSubnets,
      certificate,
      backend: {
        codePath: settings.backendCodePath ?? '',
        environment: backendEnvironment,
        runtimeDependencies: settings.backendRuntimeDependencies,
      },
      frontend: {
        codePath: settings.frontendCodePath,
        environment: {
          NEXT_PUBLIC_BASE_URL: siteUrl,
          // The pages' Content-Security-Policy lets browsers PUT uploads to the bucket and load
          // avatars from it (web/src/proxy.ts).
          STORAGE_ORIGINS: this.uploads.publicBaseUrl,
          // Longer than the ALB's 60 s idle timeout (Next's server keeps idle connections 5 s by
          // default, so the ALB reused closed ones: intermittent 502s; found in review, 2026-12-07).
          KEEP_ALIVE_TIMEOUT: '72000',
        },
      },
      instanceType: new ec2.InstanceType(preset.compute.ec2InstanceType),
      minCapacity: preset.compute.ec2MinCapacity,
      maxCapacity: preset.compute.ec2MaxCapacity,
      notificationTopic: observability.topic,
    });
    this.database.connections.allowFrom(
      this.app.backendSecurityGroup,
      ec2.Port.tcp(this.database.port),
      'Backend instances',
    );
    this.database.apiSecret.grantRead(this.app.backendRole);
    // New instances boot only once their role may read what their user data names.
    this.app.backendGroup.node.addDependency(this.app.backendRole);
    secrets.jwtSecret.grantRead(this.app.backendRole);
    secrets.mfaEncryptionKeySecret.grantRead(this.app.backendRole);
    this.uploads.grantApiAccess(this.app.backendRole);
    if (settings.mailFrom) grantSendEmail(this, this.app.backendRole, settings.mailFrom);
    dns?.addAlias(
      'AliasRecord',
      route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.app.loadBalancer)),
    );

    this.migrations = new MigrationRunner(this, 'MigrationRunner', {
      vpc: network.vpc,
      subnets: network.privateSubnets,
      code: lambda.Code.fromAsset(settings.migrateCodePath),
      database: this.database,
      environment: migrationEnvironment(preset, this.database),
      mfaEncryptionKeySecret: secrets.mfaEncryptionKeySecret,
      executeAfter: [this.database],
      // The instances' role too: its policy swaps the master secret's read for the API user's, which
      // must not happen while old instances still read the master secret.
      executeBefore: [this.app.backendGroup, this.app.backendRole],
      deploymentId: settings.deploymentId,
    });
    new ApiUserRotation(this, 'ApiUserRotation', {
      database: this.database,
      subnets: network.privateSubnets,
      after: this.migrations.trigger,
    });

    observability.monitorLoadBalancer('LoadBalancer', this.app.loadBalancer, {
      Backend: this.app.backendTargetGroup,
      Frontend: this.app.frontendTargetGroup,
    });
    observability.monitorDatabase('Database', this.database.instance);
    observability.monitorInstances('Backend', this.app.backendGroup, INSTANCE_METRICS_NAMESPACE);
    observability.monitorInstances('Frontend', this.app.frontendGroup, INSTANCE_METRICS_NAMESPACE);
    observability.monitorErrorLogs('Migrations', this.migrations.logGroup);
    // Each backend instance runs the maintenance job and the mail delivery pass on in-process intervals.
    observability.monitorMaintenanceLogs('Backend', this.app.backendLogGroup);
    observability.monitorMailDeliveryLogs('Backend', this.app.backendLogGroup);
    this.observability = observability;

    this.outputs({
      ApiUrl: `${domainUrl ?? siteUrl}/api`,
      SiteUrl: siteUrl,
      LoadBalancerDnsName: this.app.loadBalancer.loadBalancerDnsName,
      MigrationFunctionName: this.migrations.function.functionName,
      UploadsBucketName: this.uploads.bucket.bucketName,
      DatabaseSecretArn: this.database.secret.secretArn,
      DatabaseApiUserSecretArn: this.database.apiSecret.secretArn,
      DatabaseEndpoint: this.database.instance.dbInstanceEndpointAddress,
      BackendAutoScalingGroupName: this.app.backendGroup.autoScalingGroupName,
      AlarmTopicArn: observability.topic.topicArn,
    });
  }
}
