import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IDependable } from 'constructs';
import { keepEgressClosed } from '../security-groups.js';
import type { Database } from './database.js';

/** Props of {@link ApiUserRotation}. */
export interface ApiUserRotationProps {
  readonly database: Database;
  /** Where the rotation function runs: they need a path to Secrets Manager (a NAT) and to the database. */
  readonly subnets: ec2.ISubnet[];
  /**
   * What creates the API user (the migration trigger): the schedule waits for it, because setting
   * one up makes Secrets Manager test the rotation function at once, which signs in as that user.
   */
  readonly after: IDependable;
  /** @default Duration.days(30) */
  readonly every?: Duration;
}

/**
 * Rotates the API user's database password on a schedule (seed 001 asks for regular rotation):
 * Secrets Manager's hosted single-user rotation function for the engine, which signs in as that
 * user and changes its own password, so it needs no master secret. Running API processes follow
 * without a restart: RDS changes the password a moment before the secret's current version, and
 * the API's next new connection is refused, re-reads the secret and moves to a new pool
 * (`api/src/database/credential-renewal.ts`). The migration function sets the password from the
 * same secret on every deploy.
 *
 * Its own construct, outside `Database`, because the migration trigger runs after the whole
 * database construct and the schedule must come after the trigger (found in review).
 */
export class ApiUserRotation extends Construct {
  readonly schedule: secretsmanager.RotationSchedule;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ApiUserRotationProps) {
    super(scope, id);
    const { database } = props;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: database.instance.vpc,
      description: 'CloudNest API user password rotation: to the database and to Secrets Manager',
      allowAllOutbound: false,
    });
    // Without an inline rule CloudFormation would add its allow-all egress (netcheck shows it).
    keepEgressClosed(this.securityGroup);
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'Secrets Manager API through the NAT',
    );
    // Both sides: the database's ingress and this group's egress to it.
    database.instance.connections.allowFrom(
      this.securityGroup,
      ec2.Port.tcp(database.port),
      'API user password rotation',
    );
    const options = {
      vpc: database.instance.vpc,
      vpcSubnets: { subnets: props.subnets },
      securityGroups: [this.securityGroup],
    };
    this.schedule = new secretsmanager.RotationSchedule(this, 'Schedule', {
      secret: database.apiSecret,
      hostedRotation:
        database.engine === 'postgres'
          ? secretsmanager.HostedRotation.postgreSqlSingleUser(options)
          : secretsmanager.HostedRotation.mysqlSingleUser(options),
      automaticallyAfter: props.every ?? Duration.days(30),
      // The first rotation a period after the schedule; setting it up still tests the function.
      rotateImmediatelyOnUpdate: false,
    });
    this.schedule.node.addDependency(props.after);
  }
}
