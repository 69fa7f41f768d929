import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { vpcFunctionRole } from '../function-role.js';
import { acknowledgeLambdaFindings, acknowledgeTriggerProviderFindings } from '../nag.js';
import { assertNoPlaintextSecrets } from '../validation.js';
import type { IApiDatabase } from './database.js';
import { isPublicSubnet } from './network.js';

/** Props of {@link MigrationRunner}. */
export interface MigrationRunnerProps {
  readonly vpc: ec2.IVpc;
  /** Private subnets (NAT egress for Secrets Manager). */
  readonly subnets: ec2.ISubnet[];
  /** The migration bundle, normally `lambda.Code.fromAsset('api/dist/lambda/migrate')`. */
  readonly code: lambda.Code;
  /** The database to migrate: its port is opened to the runner and its secret made readable. */
  readonly database: IApiDatabase;
  /** Non-secret configuration (`DATABASE_SECRET_ARN`, `NODE_ENV`, `LOG_LEVEL`). */
  readonly environment: Record<string, string>;
  /**
   * The key authenticator secrets are encrypted with (`{"key", "previousKeys"}`): passed as
   * `MFA_ENCRYPTION_KEY_SECRET_ARN` and made readable, so every run also re-seals what a previous
   * key sealed and a key rotation completes with the next deploy (docs/auth.md).
   * @default - authenticator secrets are not re-sealed
   */
  readonly mfaEncryptionKeySecret?: secretsmanager.ISecret;
  /**
   * Constructs that must exist before migrations run (the database).
   * @default - none
   */
  readonly executeAfter?: Construct[];
  /**
   * Constructs updated only after migrations succeeded: the API alias, the ECS service, the
   * instances' launch template. A failed migration fails the deploy before they change.
   * @default - none
   */
  readonly executeBefore?: Construct[];
  /**
   * Changes on every deploy (commit SHA plus time) so each deploy publishes a new function
   * version and the trigger runs again even when the bundle is unchanged.
   * @default - migrations run when the bundle or its configuration changes
   */
  readonly deploymentId?: string;
  /**
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * The migration function (`{applied, pending}`; creates the database if missing; idempotent and
 * safe to run concurrently; re-seals authenticator secrets after a key rotation) and the CDK trigger that invokes it during every deploy, after the
 * database and before the API switches to the new version. Seed 000 ran it by hand after deploy.
 */
export class MigrationRunner extends Construct {
  readonly function: lambda.Function;
  /** The function's logs (JSON lines; errors there want an operator: `Observability.monitorErrorLogs`). */
  readonly logGroup: logs.LogGroup;
  readonly securityGroup: ec2.SecurityGroup;
  readonly trigger: triggers.Trigger;

  constructor(scope: Construct, id: string, props: MigrationRunnerProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(5);
    if (timeout.toSeconds() > 900) throw new Error('timeout cannot exceed Lambda’s 15 minutes');
    if (props.subnets.some((s) => isPublicSubnet(s, props.vpc))) {
      throw new Error(
        'MigrationRunner must not run in public subnets: Lambda ENIs get no public IP, so it could not reach Secrets Manager',
      );
    }
    assertNoPlaintextSecrets(props.environment);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'CloudNest migrations: HTTPS out, database port to the database security group',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to Secrets Manager through the NAT',
    );
    props.database.connections.allowFrom(this.securityGroup, ec2.Port.tcp(props.database.port), 'Migrations');

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new lambda.Function(this, 'Function', {
      code: props.code,
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout,
      environment: {
        ...props.environment,
        ...(props.mfaEncryptionKeySecret
          ? { MFA_ENCRYPTION_KEY_SECRET_ARN: props.mfaEncryptionKeySecret.secretArn }
          : {}),
        ...(props.deploymentId ? { CLOUDNEST_DEPLOYMENT_ID: props.deploymentId } : {}),
      },
      vpc: props.vpc,
      vpcSubnets: { subnets: props.subnets },
      securityGroups: [this.securityGroup],
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: 'CloudNest database migrations (run by the deploy trigger)',
      role: vpcFunctionRole(this, this.logGroup, 'CloudNest migration function'),
    });
    props.database.secret.grantRead(this.function);
    // It sets the API user's password from that secret (the same secret for an existing database).
    props.database.apiSecret.grantRead(this.function);
    props.mfaEncryptionKeySecret?.grantRead(this.function);

    this.trigger = new triggers.Trigger(this, 'Trigger', {
      handler: this.function,
      timeout,
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      executeOnHandlerChange: true,
      executeAfter: props.executeAfter,
      executeBefore: props.executeBefore,
    });
    acknowledgeLambdaFindings(this.function, { pinnedRuntime: true });
    acknowledgeTriggerProviderFindings(this);
  }
}
