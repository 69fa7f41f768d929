import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * Keeps a security group's egress closed when its only egress rules point at other security
 * groups (load balancer → targets, proxy → database).
 *
 * Those rules are rendered as standalone `AWS::EC2::SecurityGroupEgress` resources, and CDK drops
 * its inline "Disallow all traffic" placeholder as soon as any egress rule is added. A group
 * without inline egress then gets CloudFormation's default allow-all rule, silently. An inline
 * rule to the broadcast address (which carries no traffic) keeps the inline list non-empty; it
 * differs from CDK's own placeholder so CDK never removes it.
 */
export function keepEgressClosed(group: ec2.SecurityGroup): void {
  group.addEgressRule(
    ec2.Peer.ipv4('255.255.255.255/32'),
    ec2.Port.icmpTypeAndCode(253, 86),
    'No other egress (keeps CloudFormation from adding its allow-all default)',
  );
}
