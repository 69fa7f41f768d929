import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { acknowledgeLogRetentionFindings } from '../nag.js';
import { keepEgressClosed } from '../security-groups.js';
import { assertSecretArn } from '../validation.js';

/** The SQL engines the API supports. */
export type DatabaseEngine = 'postgres' | 'mysql';

/** What the API and the migration runner need from a database, created or existing. */
export interface IApiDatabase extends ec2.IConnectable {
  readonly engine: DatabaseEngine;
  readonly port: number;
  /**
   * Secret in the RDS JSON shape (`host`, `port`, `username`, `password`, `dbname`, `engine`) of
   * the user that owns the tables: what the migration function connects with.
   */
  readonly secret: secretsmanager.ISecret;
  /**
   * Secret, same shape, of the user the API connects as (`DATABASE_SECRET_ARN` of the API). For a
   * database CloudNest creates, a user with row rights only, which the migration function creates
   * and grants (it gets this secret as `DATABASE_API_USER_SECRET_ARN`); for an existing database,
   * the given secret itself.
   */
  readonly apiSecret: secretsmanager.ISecret;
}

/** Props of {@link Database}. */
export interface DatabaseProps {
  readonly vpc: ec2.IVpc;
  /** Subnets of the DB subnet group: at least two AZs (an RDS requirement). */
  readonly subnets: ec2.ISubnet[];
  readonly engine: DatabaseEngine;
  /**
   * Database created at launch; also written to the secret as `dbname`.
   * @default 'cloudnest'
   */
  readonly databaseName?: string;
  /**
   * Instance type (without `db.`).
   * @default t4g.micro
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Standby in another AZ.
   * @default false
   */
  readonly multiAz?: boolean;
  /**
   * Refuse deletion, snapshot when the stack deletes or replaces the instance anyway, and retain
   * the credentials secret; off, instance and secret are deleted with the stack.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Automated backup retention.
   * @default 7 days
   */
  readonly backupRetention?: Duration;
  /**
   * Storage at creation (GiB).
   * @default 20
   */
  readonly allocatedStorageGiB?: number;
  /**
   * Ceiling for storage autoscaling (GiB).
   * @default 100
   */
  readonly maxAllocatedStorageGiB?: number;
  /**
   * Put an RDS Proxy in front of the instance (connection pooling for Lambda bursts).
   * @default false
   */
  readonly proxy?: boolean;
}

/** Attributes of a database that already exists (seed 000's `DatabaseSecurityGroupId`). */
export interface ExistingDatabaseAttributes {
  /** `sg-…` of the database; CloudNest adds ingress rules to it from its own security groups. */
  readonly securityGroupId: string;
  /** Secret in the RDS JSON shape holding the connection details. */
  readonly secretArn: string;
  readonly engine: DatabaseEngine;
  /**
   * Listener port.
   * @default 5432 for postgres, 3306 for mysql
   */
  readonly port?: number;
}

const DEFAULT_PORTS: Record<DatabaseEngine, number> = { postgres: 5432, mysql: 3306 };

/**
 * An encrypted, private RDS instance (PostgreSQL 17 or MySQL 8.4) with generated credentials in
 * Secrets Manager (the master user's, for migrations, and the API user's), 7-day backups, exported logs and a security group that starts closed: nothing
 * reaches it until a stack calls `allowFrom` (seed 000 opened 5432 to 0.0.0.0/0).
 */
export class Database extends Construct implements IApiDatabase {
  /** Uses an existing database: its security group gets ingress rules, its secret is read. */
  static fromExisting(scope: Construct, id: string, attrs: ExistingDatabaseAttributes): IApiDatabase {
    if (!/^sg-[0-9a-f]{8,17}$/.test(attrs.securityGroupId)) {
      throw new Error(`"${attrs.securityGroupId}" is not a security group id (sg-…)`);
    }
    assertSecretArn('secretArn', attrs.secretArn);
    const scoped = new Construct(scope, id);
    const port = attrs.port ?? DEFAULT_PORTS[attrs.engine];
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      scoped,
      'SecurityGroup',
      attrs.securityGroupId,
      {
        allowAllOutbound: false,
        mutable: true,
      },
    );
    const secret = secretsmanager.Secret.fromSecretCompleteArn(scoped, 'Secret', attrs.secretArn);
    return {
      engine: attrs.engine,
      port,
      secret,
      // Its users are the operator's to manage: the API connects with the secret it was given.
      apiSecret: secret,
      connections: new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(port) }),
    };
  }

  readonly engine: DatabaseEngine;
  readonly port: number;
  readonly secret: secretsmanager.ISecret;
  readonly apiSecret: secretsmanager.ISecret;
  readonly connections: ec2.Connections;
  readonly instance: rds.DatabaseInstance;
  readonly securityGroup: ec2.SecurityGroup;
  readonly databaseName: string;
  /** The proxy, when `proxy` is set. Clients that should pool connect to it instead. */
  readonly proxy?: rds.DatabaseProxy;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const azs = new Set(props.subnets.map((s) => s.availabilityZone));
    if (azs.size < 2) {
      throw new Error(`A database needs subnets in at least two availability zones, got ${azs.size}`);
    }
    this.databaseName = props.databaseName ?? 'cloudnest';
    if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(this.databaseName)) {
      throw new Error(
        `databaseName "${this.databaseName}" must start with a letter and hold only [A-Za-z0-9_]`,
      );
    }
    const backupRetention = props.backupRetention ?? Duration.days(7);
    if (backupRetention.toDays() < 1) throw new Error('backupRetention must be at least one day');
    const allocated = props.allocatedStorageGiB ?? 20;
    const maxAllocated = props.maxAllocatedStorageGiB ?? 100;
    if (maxAllocated < allocated) {
      throw new Error(`maxAllocatedStorageGiB (${maxAllocated}) is below allocatedStorageGiB (${allocated})`);
    }

    this.engine = props.engine;
    this.port = DEFAULT_PORTS[props.engine];
    const deletionProtection = props.deletionProtection ?? true;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `CloudNest ${props.engine} database: ingress only from the API security groups`,
      // A database initiates nothing; stateful return traffic needs no egress rule.
      allowAllOutbound: false,
    });

    const username = props.engine === 'postgres' ? 'cloudnest_admin' : 'cloudnest';
    const secret = new rds.DatabaseSecret(this, 'Secret', { username, dbname: this.databaseName });
    // The API's own user: rows, no DDL, no user management (an injection cannot drop a table or
    // create a login). The migration function creates it and grants its rights on every deploy;
    // attached below, so it carries the instance's host and port like the master secret.
    const apiUserSecret = new rds.DatabaseSecret(this, 'ApiUserSecret', {
      username: 'cloudnest_api',
      dbname: this.databaseName,
    });
    // A snapshot is restored with its master password: the credentials must outlive the stack too.
    for (const credentials of [secret, apiUserSecret]) {
      credentials.applyRemovalPolicy(deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    }
    this.secret = secret;

    const engine =
      props.engine === 'postgres'
        ? rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 })
        : // 8.4, the LTS line: RDS ended standard support for 8.0 on 2026-07-31, so a new 8.0
          // instance started on paid Extended Support (found in review, 2026-12-07). 8.4 creates
          // users with caching_sha2_password, which mysql2 speaks over the TLS the API requires.
          rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.of('8.4', '8.4') });

    // MySQL exports its slow query log, which the default group leaves off (slow_query_log=0), so
    // the export stayed empty. It also refuses connections without TLS: RDS MySQL leaves
    // require_secure_transport off, so any client in the allowed groups could send credentials in
    // clear text (found in review, 2026-12-07; PostgreSQL 17 on RDS forces TLS by default, and the
    // proxy requires it). PostgreSQL keeps its default group: see infra/README.md.
    const parameterGroup =
      props.engine === 'mysql'
        ? new rds.ParameterGroup(this, 'ParameterGroup', {
            engine,
            // Unchanged when TLS was required: a new description would replace the group.
            description: 'CloudNest MySQL: slow query log (statements over 1 s) to the exported file',
            parameters: {
              slow_query_log: '1',
              long_query_time: '1',
              log_output: 'FILE',
              // An instance parameter group takes the boolean as 0/1 (AWS's allowed values; only
              // Aurora's cluster groups take ON), so 'ON' could fail the group's creation.
              require_secure_transport: '1',
            },
          })
        : undefined;

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      parameterGroup,
      vpc: props.vpc,
      vpcSubnets: { subnets: props.subnets },
      securityGroups: [this.securityGroup],
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      credentials: rds.Credentials.fromSecret(secret),
      databaseName: this.databaseName,
      port: this.port,
      publiclyAccessible: false,
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: allocated,
      maxAllocatedStorage: maxAllocated,
      multiAz: props.multiAz ?? false,
      backupRetention,
      deletionProtection,
      removalPolicy: deletionProtection ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      cloudwatchLogsExports:
        props.engine === 'postgres' ? ['postgresql', 'upgrade'] : ['error', 'general', 'slowquery'],
      cloudwatchLogsRetention: logs.RetentionDays.ONE_MONTH,
    });
    this.connections = this.instance.connections;
    this.apiSecret = apiUserSecret.attach(this.instance);
    if (props.engine === 'mysql') {
      Validations.of(this.instance).acknowledge({
        id: 'CloudFormation-Validate::E9006',
        reason:
          'RDS accepts the major version "8.4" and picks the current 8.4 minor; minor upgrades stay automatic.',
      });
    }
    acknowledgeLogRetentionFindings(this);

    if (props.proxy) {
      const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
        vpc: props.vpc,
        description: 'CloudNest RDS Proxy: ingress only from the API security groups',
        allowAllOutbound: false,
      });
      keepEgressClosed(proxySecurityGroup);
      this.proxy = this.instance.addProxy('Proxy', {
        // Unique per stack: without a name (and without the feature flag that changes it) CDK names
        // every proxy "Proxy", which must be unique in the account and region, so a second stack
        // with a proxy failed to create (found in review, 2026-12-07).
        dbProxyName: Names.uniqueResourceName(this, { maxLength: 60 }),
        // The API connects through it as its own user; the migrations go to the instance.
        secrets: [secret, apiUserSecret],
        vpc: props.vpc,
        vpcSubnets: { subnets: props.subnets },
        securityGroups: [proxySecurityGroup],
        requireTLS: true,
      });
      this.instance.connections.allowFrom(
        proxySecurityGroup,
        ec2.Port.tcp(this.port),
        'RDS Proxy to the database',
      );
    }

    NagSuppressions.addResourceSuppressions(
      secret,
      [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'The migration function reads it on each deploy; single-user rotation of the master user is left to an operator (RDS keeps no connection from it). Rotate during a deploy.',
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.instance, [
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'The API contract uses the engine default port; the security group admits only the API security groups, so a non-standard port adds nothing.',
      },
      ...(props.multiAz
        ? []
        : [
            {
              id: 'AwsSolutions-RDS3',
              reason:
                'This preset trades the Multi-AZ standby for cost; the prod and seoul presets enable it.',
            },
          ]),
      ...(deletionProtection
        ? []
        : [
            {
              id: 'AwsSolutions-RDS10',
              reason:
                'The caller turned deletion protection off for a disposable database (only the dev preset does): protection would block tearing its stack down.',
            },
          ]),
    ]);
  }
}
