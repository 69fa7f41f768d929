import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { apiEnvironment, migrationEnvironment } from '../api-environment.js';
import { ApiSecrets } from '../constructs/api-secrets.js';
import { ApiUserRotation } from '../constructs/api-user-rotation.js';
import { Database } from '../constructs/database.js';
import { FargateApi } from '../constructs/fargate-api.js';
import { MigrationRunner } from '../constructs/migration-runner.js';
import { Observability } from '../constructs/observability.js';
import { Uploads } from '../constructs/uploads.js';
import { grantSendEmail } from '../mail.js';
import { repositoryName } from '../settings.js';
import { TopologyStack, type TopologyStackProps } from './topology-stack.js';

/**
 * `fargate` (seed 002): the server image on ECS Fargate behind an ALB, tasks in private subnets,
 * secret ARNs read by the app (API keys injected by ECS), PostgreSQL in isolated subnets, migrations before the service rolls.
 */
export class FargateStack extends TopologyStack {
  readonly api: FargateApi;
  readonly migrations: MigrationRunner;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: TopologyStackProps) {
    super(scope, id, props);
    const { settings } = this;
    const { preset } = settings;
    const corsAllowedOrigins = this.corsOrigins();
    const publicIp = settings.fargatePublicIp ?? false;
    // The public-IP form is only acceptable with the shared-secret check of seed 002.
    const requireApiKey = publicIp || (settings.requireApiKey ?? false);

    const network = this.createNetwork();
    const database = new Database(this, 'Database', {
      vpc: network.vpc,
      subnets: network.dataSubnets,
      engine: 'postgres',
      ...this.databaseSizing(),
    });
    const uploads = new Uploads(this, 'Uploads', { corsAllowedOrigins });
    const secrets = new ApiSecrets(this, 'Secrets', {
      jwtSecretArn: settings.jwtSecretArn,
      apiKeys: requireApiKey,
      removalPolicy: this.secretRemovalPolicy,
    });
    const observability = new Observability(this, 'Observability', {
      alarmEmail: settings.alarmEmail,
      ...this.databaseAlarmSizing(database.engine),
    });
    const { dns, certificate, url: domainUrl } = this.createDomain();

    const environment = apiEnvironment({
      preset,
      region: this.region,
      port: 3000,
      databaseSecret: database.apiSecret,
      databaseEngine: database.engine,
      // The app reads the secret itself, so it may hold {"secret"} (HS256) or {"privateKey"}
      // (EdDSA); an ECS-injected JSON key would exist only in the first shape.
      jwtSecret: secrets.jwtSecret,
      mfaEncryptionKeySecret: secrets.mfaEncryptionKeySecret,
      corsAllowedOrigins,
      mailFrom: settings.mailFrom,
      uploadsBucketName: uploads.bucket.bucketName,
      uploadsPublicBaseUrl: uploads.publicBaseUrl,
      // The web app's origin: the domain here names the API, which serves no web pages.
      publicBaseUrl: this.siteUrl,
      requireApiKey,
      trustedProxies: publicIp ? undefined : preset.network.publicSubnets.map((s) => s.cidr),
      databasePoolMax: this.serverPoolMax(database.engine, preset.compute.fargateMaxCount),
    });
    const injected: Record<string, ecs.Secret> = {};
    if (secrets.apiKeysSecret) injected.API_KEYS = ecs.Secret.fromSecretsManager(secrets.apiKeysSecret);

    this.api = new FargateApi(this, 'Api', {
      vpc: network.vpc,
      taskSubnets: publicIp ? network.publicSubnets : network.privateSubnets,
      loadBalancerSubnets: publicIp ? undefined : network.publicSubnets,
      repository: ecr.Repository.fromRepositoryName(this, 'Repository', repositoryName(settings)),
      imageTag: settings.imageTag ?? '',
      environment,
      secrets: injected,
      cpu: preset.compute.fargateCpu,
      memoryLimitMiB: preset.compute.fargateMemoryMiB,
      desiredCount: preset.compute.fargateDesiredCount,
      maxCount: preset.compute.fargateMaxCount,
      assignPublicIp: publicIp,
      certificate,
    });
    database.connections.allowFrom(this.api, ec2.Port.tcp(database.port), 'API tasks');
    const taskRole = this.api.taskDefinition.taskRole;
    database.apiSecret.grantRead(taskRole);
    secrets.jwtSecret.grantRead(taskRole);
    secrets.mfaEncryptionKeySecret.grantRead(taskRole);
    uploads.grantApiAccess(taskRole);
    if (settings.mailFrom) grantSendEmail(this, taskRole, settings.mailFrom);
    if (dns && this.api.loadBalancer) {
      dns.addAlias(
        'AliasRecord',
        route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.api.loadBalancer)),
      );
    }

    this.migrations = new MigrationRunner(this, 'MigrationRunner', {
      vpc: network.vpc,
      subnets: network.privateSubnets,
      code: lambda.Code.fromAsset(settings.migrateCodePath),
      database,
      environment: migrationEnvironment(preset, database),
      mfaEncryptionKeySecret: secrets.mfaEncryptionKeySecret,
      executeAfter: [database],
      // The task role too: its policy swaps the master secret's read for the API user's, which must
      // not happen while old tasks still start with the master secret (the service waits for it).
      executeBefore: [this.api.service, taskRole],
      deploymentId: settings.deploymentId,
    });
    new ApiUserRotation(this, 'ApiUserRotation', {
      database,
      subnets: network.privateSubnets,
      after: this.migrations.trigger,
    });

    observability.monitorService('Service', this.api.service);
    // Every task runs the maintenance job and the mail delivery pass on in-process intervals.
    observability.monitorMaintenanceLogs('Service', this.api.logGroup);
    observability.monitorMailDeliveryLogs('Service', this.api.logGroup);
    observability.monitorErrorLogs('Migrations', this.migrations.logGroup);
    if (this.api.loadBalancer && this.api.targetGroup) {
      observability.monitorLoadBalancer('LoadBalancer', this.api.loadBalancer, { Api: this.api.targetGroup });
    } else {
      // No load balancer counts 5xx or healthy tasks in the public-IP form: the tasks' own error
      // lines (a 500, a failed start-up) are all there is to alarm on (found in review, 2026-12-07).
      observability.monitorErrorLogs('Service', this.api.logGroup);
    }
    observability.monitorDatabase('Database', database.instance);
    this.observability = observability;

    this.outputs({
      ApiUrl: domainUrl ?? this.api.url,
      SiteUrl: this.siteUrl,
      ClusterName: this.api.cluster.clusterName,
      ServiceName: this.api.service.serviceName,
      MigrationFunctionName: this.migrations.function.functionName,
      UploadsBucketName: uploads.bucket.bucketName,
      DatabaseSecretArn: database.secret.secretArn,
      DatabaseApiUserSecretArn: database.apiSecret.secretArn,
      DatabaseEndpoint: database.instance.dbInstanceEndpointAddress,
      ApiKeysSecretArn: secrets.apiKeysSecret?.secretArn,
      AlarmTopicArn: observability.topic.topicArn,
    });
  }
}
