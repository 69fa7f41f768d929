import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { vpcFunctionRole } from '../function-role.js';
import { acknowledgeLambdaFindings } from '../nag.js';
import { assertNoPlaintextSecrets } from '../validation.js';
import { isPublicSubnet } from './network.js';

/** Props of {@link ApiFunction}. */
export interface ApiFunctionProps {
  readonly vpc: ec2.IVpc;
  /** Private subnets (NAT egress) the function's ENIs go in. Never public ones. */
  readonly subnets: ec2.ISubnet[];
  /** The bundle, normally `lambda.Code.fromAsset('api/dist/lambda/api')`. */
  readonly code: lambda.Code;
  /**
   * Handler inside the bundle.
   * @default 'index.handler'
   */
  readonly handler?: string;
  /**
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
  /** Non-secret configuration; secrets are passed as ARNs the function resolves itself. */
  readonly environment: Record<string, string>;
  /**
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Most environments running at once. Each holds a database connection, so this caps the
   * connections the API can open (requests beyond it are throttled: a 5xx at the HTTP API, whose
   * Lambda proxy integration turns Lambda's throttle into an integration error).
   * @default - no reservation (the account's unreserved pool)
   */
  readonly reservedConcurrency?: number;
}

/**
 * The API as a Lambda function inside the VPC, with its own security group (HTTPS out through the
 * NAT; the database port is opened by the stack), X-Ray tracing, a 30-day log group and a `live`
 * alias. Traffic goes to the alias, so a deploy switches versions only once the alias moves,
 * which the migration trigger orders after the migrations.
 */
export class ApiFunction extends Construct implements ec2.IConnectable {
  readonly function: lambda.Function;
  /** The alias API Gateway invokes. */
  readonly alias: lambda.Alias;
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 1024;
    const timeout = props.timeout ?? Duration.seconds(30);
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new Error(`memorySize must be an integer between 128 and 10240 MB, got ${memorySize}`);
    }
    // API Gateway HTTP APIs give up on an integration after 30 s.
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > 30) {
      throw new Error(
        `timeout must be between 1 and 30 seconds (the HTTP API limit), got ${timeout.toSeconds()}`,
      );
    }
    const { reservedConcurrency } = props;
    if (
      reservedConcurrency !== undefined &&
      (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1)
    ) {
      throw new Error(`reservedConcurrency must be a positive integer, got ${reservedConcurrency}`);
    }
    if (props.subnets.length === 0) throw new Error('ApiFunction needs at least one subnet');
    if (props.subnets.some((s) => isPublicSubnet(s, props.vpc))) {
      throw new Error('ApiFunction must not run in public subnets: Lambda ENIs get no public IP');
    }
    assertNoPlaintextSecrets(props.environment);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'CloudNest API function: HTTPS out, database port to the database security group',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to AWS APIs (SES, Secrets Manager, S3) through the NAT',
    );
    this.connections = this.securityGroup.connections;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new lambda.Function(this, 'Function', {
      code: props.code,
      handler: props.handler ?? 'index.handler',
      runtime: props.runtime ?? lambda.Runtime.NODEJS_22_X,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      environment: props.environment,
      vpc: props.vpc,
      vpcSubnets: { subnets: props.subnets },
      securityGroups: [this.securityGroup],
      reservedConcurrentExecutions: reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: 'CloudNest API',
      role: vpcFunctionRole(this, this.logGroup, 'CloudNest API function'),
    });
    this.alias = new lambda.Alias(this, 'LiveAlias', {
      aliasName: 'live',
      version: this.function.currentVersion,
    });
    acknowledgeLambdaFindings(this.function, { pinnedRuntime: props.runtime !== lambda.Runtime.FROM_IMAGE });
  }
}
