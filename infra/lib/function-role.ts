import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * The execution role of a CloudNest function in a VPC: ENI management and subnet descriptions
 * (neither has resource-level permissions) and log writes to its own group only. Lambda's default role carries
 * AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole, whose log actions are on every
 * group of the account: a compromised API could create groups and write lines into any of them,
 * another stack's alarm filters included (found in review, 2026-12-07). Grants the function needs
 * beyond that (secrets, the bucket, SES, X-Ray) are added to this role by the usual grant calls.
 */
export function vpcFunctionRole(scope: Construct, logGroup: logs.ILogGroup, description: string): iam.Role {
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
    managedPolicies: [
      iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaENIManagementAccess'),
    ],
  });
  // Lambda's list of what a VPC function's role needs includes ec2:DescribeSubnets, which the ENI
  // management policy (unchanged since 2020) lacks and AWSLambdaVPCAccessExecutionRole gained in
  // 2024 (found in review, 2026-12-07). Describe actions take no resource-level permissions.
  role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeSubnets'], resources: ['*'] }));
  logGroup.grantWrite(role);
  return role;
}
