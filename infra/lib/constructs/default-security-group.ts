import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeAwsCustomResourceProviderFindings } from '../nag.js';

/** Props of {@link RestrictedDefaultSecurityGroup}. */
export interface RestrictedDefaultSecurityGroupProps {
  /** The VPC's default security group (`CfnVPC.attrDefaultSecurityGroup`). */
  readonly securityGroupId: string;
  /**
   * Retention of the log group of the deploy-time function that edits the group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** One rule AWS puts in every VPC's default security group, and the EC2 API calls that edit it. */
interface DefaultRule {
  readonly direction: 'Ingress' | 'Egress';
  readonly permission: Record<string, unknown>;
}

/**
 * Takes AWS's own rules out of a VPC's default security group at deploy time: all traffic from
 * members of the group, and all egress. Nothing of CloudNest is placed in that group, but a
 * resource created later without a group lands in it (an interface endpoint, an instance started
 * by hand), and Security Hub (EC2.2) and CIS 5.4 report the rules. `ec2.Vpc` does this itself
 * (`restrictDefaultSecurityGroup`); the network here is a `CfnVPC` (exact subnets), and CDK's
 * provider for it is internal, so this makes the same EC2 calls through `AwsCustomResource`.
 *
 * Deleting the construct puts the rules back, so the VPC is left as AWS made it. A rule already
 * gone (or already back) is not an error: the calls are idempotent by ignoring EC2's
 * `InvalidPermission.NotFound` / `InvalidPermission.Duplicate`.
 */
export class RestrictedDefaultSecurityGroup extends Construct {
  constructor(scope: Construct, id: string, props: RestrictedDefaultSecurityGroupProps) {
    super(scope, id);
    const { securityGroupId } = props;
    const groupArn = Stack.of(this).formatArn({
      service: 'ec2',
      resource: 'security-group',
      resourceName: securityGroupId,
    });
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Like the flow log's: a deploy-time function's log, nothing to keep past the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const rules: DefaultRule[] = [
      {
        direction: 'Ingress',
        permission: { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: securityGroupId }] },
      },
      { direction: 'Egress', permission: { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] } },
    ];
    for (const { direction, permission } of rules) {
      const call = (verb: 'revoke' | 'authorize', ignored: string): cr.AwsSdkCall => ({
        service: 'EC2',
        action: `${verb}SecurityGroup${direction}`,
        parameters: { GroupId: securityGroupId, IpPermissions: [permission] },
        physicalResourceId: cr.PhysicalResourceId.of(`${securityGroupId}-${direction.toLowerCase()}`),
        ignoreErrorCodesMatching: ignored,
      });
      new cr.AwsCustomResource(this, direction, {
        resourceType: 'Custom::VpcDefaultSecurityGroupRule',
        onCreate: call('revoke', 'InvalidPermission\\.NotFound'),
        // A replaced VPC (a new CIDR) comes as an update with another group: revoked too, and the
        // new physical id makes CloudFormation delete (re-authorize) the old one's.
        onUpdate: call('revoke', 'InvalidPermission\\.NotFound'),
        onDelete: call('authorize', 'InvalidPermission\\.Duplicate'),
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({
            actions: [`ec2:RevokeSecurityGroup${direction}`, `ec2:AuthorizeSecurityGroup${direction}`],
            resources: [groupArn],
          }),
        ]),
        logGroup,
        // The SDK in Lambda's runtime has both calls; downloading a newer one slows every deploy.
        installLatestAwsSdk: false,
      });
    }
    acknowledgeAwsCustomResourceProviderFindings(this);
  }
}
