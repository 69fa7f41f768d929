import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { apiEnvironment, migrationEnvironment } from '../api-environment.js';
import { ApiFunction } from '../constructs/api-function.js';
import { ApiSecrets } from '../constructs/api-secrets.js';
import { ApiUserRotation } from '../constructs/api-user-rotation.js';
import { ContainerApiFunction } from '../constructs/container-api-function.js';
import { Database } from '../constructs/database.js';
import { HttpApiGateway } from '../constructs/http-api-gateway.js';
import { MaintenanceSchedule } from '../constructs/maintenance-schedule.js';
import { MigrationRunner } from '../constructs/migration-runner.js';
import { Observability } from '../constructs/observability.js';
import { Uploads } from '../constructs/uploads.js';
import { grantSendEmail } from '../mail.js';
import { repositoryName, reservedConcurrency } from '../settings.js';
import { TopologyStack, type TopologyStackProps } from './topology-stack.js';

/**
 * `lambda-vpc` (seeds 000, 003) and `lambda-image` (seed 001): the API as a Lambda function in
 * private subnets behind an HTTP API, PostgreSQL in isolated subnets, migrations on every deploy.
 * The two differ only in how the function's code is packaged (zip asset or ECR image).
 */
export class ServerlessApiStack extends TopologyStack {
  readonly apiFunction: ApiFunction;
  readonly gateway: HttpApiGateway;
  readonly migrations: MigrationRunner;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: TopologyStackProps) {
    super(scope, id, props);
    const { settings } = this;
    const { preset } = settings;
    const corsAllowedOrigins = this.corsOrigins();

    const network = this.createNetwork();
    const database = settings.existingDatabase
      ? Database.fromExisting(this, 'Database', settings.existingDatabase)
      : new Database(this, 'Database', {
          vpc: network.vpc,
          subnets: network.dataSubnets,
          engine: 'postgres',
          proxy: settings.rdsProxy,
          ...this.databaseSizing(),
        });
    const uploads = new Uploads(this, 'Uploads', { corsAllowedOrigins });
    const secrets = new ApiSecrets(this, 'Secrets', {
      jwtSecretArn: settings.jwtSecretArn,
      removalPolicy: this.secretRemovalPolicy,
    });
    const observability = new Observability(this, 'Observability', {
      alarmEmail: settings.alarmEmail,
      ...this.databaseAlarmSizing(database.engine),
    });

    const environment = apiEnvironment({
      preset,
      region: this.region,
      databaseSecret: database.apiSecret,
      databaseEngine: database.engine,
      jwtSecret: secrets.jwtSecret,
      mfaEncryptionKeySecret: secrets.mfaEncryptionKeySecret,
      corsAllowedOrigins,
      mailFrom: settings.mailFrom,
      uploadsBucketName: uploads.bucket.bucketName,
      uploadsPublicBaseUrl: uploads.publicBaseUrl,
      // Mail links open the web app, not the execute-api URL (which serves only API routes).
      publicBaseUrl: this.siteUrl,
      requireApiKey: settings.requireApiKey ?? false,
    });
    const proxy = database instanceof Database ? database.proxy : undefined;
    if (proxy) environment.DATABASE_HOST = proxy.endpoint;

    const functionProps = {
      vpc: network.vpc,
      subnets: network.privateSubnets,
      environment,
      memorySize: settings.lambdaMemoryMiB ?? preset.compute.lambdaMemoryMiB,
      timeout: Duration.seconds(settings.lambdaTimeoutSeconds ?? preset.compute.lambdaTimeoutSeconds),
      // One connection per environment: cap them below the database's max_connections.
      reservedConcurrency: reservedConcurrency(settings),
    };
    this.apiFunction =
      settings.topology === 'lambda-image'
        ? new ContainerApiFunction(this, 'Api', {
            ...functionProps,
            repository: ecr.Repository.fromRepositoryName(this, 'Repository', repositoryName(settings)),
            imageTag: settings.imageTag ?? '',
          })
        : new ApiFunction(this, 'Api', {
            ...functionProps,
            code: lambda.Code.fromAsset(settings.apiCodePath),
          });
    (proxy ?? database).connections.allowFrom(this.apiFunction, ec2.Port.tcp(database.port), 'API function');
    database.apiSecret.grantRead(this.apiFunction.function);
    secrets.jwtSecret.grantRead(this.apiFunction.function);
    secrets.mfaEncryptionKeySecret.grantRead(this.apiFunction.function);
    uploads.grantApiAccess(this.apiFunction.function);
    if (settings.mailFrom) grantSendEmail(this, this.apiFunction.function, settings.mailFrom);

    this.migrations = new MigrationRunner(this, 'MigrationRunner', {
      vpc: network.vpc,
      subnets: network.privateSubnets,
      code: lambda.Code.fromAsset(settings.migrateCodePath),
      database,
      environment: migrationEnvironment(preset, database),
      mfaEncryptionKeySecret: secrets.mfaEncryptionKeySecret,
      executeAfter: database instanceof Database ? [database] : [],
      // The role too: its policy swaps the master secret's read for the API user's, which must not
      // happen while the old version still runs and reads the master secret (the function itself
      // waits for its role's policy).
      executeBefore: [
        this.apiFunction.alias,
        ...(this.apiFunction.function.role ? [this.apiFunction.function.role] : []),
      ],
      deploymentId: settings.deploymentId,
    });
    // A database given by the operator keeps its own rotation, if any.
    if (database instanceof Database) {
      new ApiUserRotation(this, 'ApiUserRotation', {
        database,
        subnets: network.privateSubnets,
        after: this.migrations.trigger,
      });
    }

    this.gateway = new HttpApiGateway(this, 'HttpApi', {
      handler: this.apiFunction.alias,
      corsAllowedOrigins,
    });
    const maintenance = new MaintenanceSchedule(this, 'Maintenance', { target: this.apiFunction.alias });

    observability.monitorFunction('ApiFunction', this.apiFunction.function);
    observability.monitorErrorLogs('Migrations', this.migrations.logGroup);
    observability.monitorFailedInvocations('Maintenance', maintenance.failedRuns);
    // Requests and scheduled delivery passes alike log a mail given up on to the function's group.
    observability.monitorMailDeliveryLogs('ApiFunction', this.apiFunction.logGroup);
    observability.monitorHttpApi('HttpApi', this.gateway.api);
    if (database instanceof Database) observability.monitorDatabase('Database', database.instance);
    this.observability = observability;

    this.outputs({
      ApiUrl: this.gateway.url,
      SiteUrl: this.siteUrl,
      ApiFunctionName: this.apiFunction.function.functionName,
      MigrationFunctionName: this.migrations.function.functionName,
      UploadsBucketName: uploads.bucket.bucketName,
      DatabaseSecretArn: database.secret.secretArn,
      DatabaseApiUserSecretArn: database.apiSecret.secretArn,
      DatabaseEndpoint:
        database instanceof Database ? database.instance.dbInstanceEndpointAddress : undefined,
      DatabaseProxyEndpoint: proxy?.endpoint,
      AlarmTopicArn: observability.topic.topicArn,
    });
  }
}
