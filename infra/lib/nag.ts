import { Aspects, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag findings every VPC Lambda of CloudNest shares, with the reason each is accepted.
 * Kept in one place so the reasons are written once and reviewed once.
 */
export function acknowledgeLambdaFindings(
  fn: lambda.Function,
  options: { readonly pinnedRuntime: boolean },
): void {
  NagSuppressions.addResourceSuppressions(
    // The function and its role (`vpcFunctionRole`, a sibling of the function in the tree).
    [fn, ...(fn.role instanceof iam.Role ? [fn.role] : [])],
    [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AWSLambdaENIManagementAccess: the AWS-maintained ENI management a VPC function needs, which has no resource-level permissions (log writes are granted on the function’s own group only).',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaENIManagementAccess'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords and ec2:DescribeSubnets (Lambda’s VPC networking) support no resource-level permissions.',
        appliesTo: ['Resource::*'],
      },
      ...(options.pinnedRuntime
        ? [
            {
              id: 'AwsSolutions-L1',
              reason: 'The API contract pins nodejs22.x (the bundles are built and tested for Node 22).',
            },
          ]
        : []),
    ],
    true,
  );
}

/** Acknowledges the findings on the singleton provider behind `triggers.Trigger`. */
export function acknowledgeTriggerProviderFindings(scope: IConstruct): void {
  const stack = Stack.of(scope);
  const provider = stack.node.tryFindChild('AWSCDK.TriggerCustomResourceProviderCustomResourceProvider');
  if (!provider) return;
  NagSuppressions.addResourceSuppressions(
    provider,
    [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'CDK-owned trigger provider: AWSLambdaBasicExecutionRole only lets it write its own logs.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'The provider invokes the published versions of the migration function (<arn>:*), nothing else.',
        appliesTo: [{ regex: '/^Resource::<.*MigrationRunner.*\\.Arn>:\\*$/' }],
      },
      { id: 'AwsSolutions-L1', reason: 'CDK-owned trigger provider; its runtime is chosen by aws-cdk-lib.' },
    ],
    true,
  );
}

/**
 * Acknowledges the findings on the singleton provider behind `AwsCustomResource` (the default
 * security group's rules, constructs/default-security-group.ts).
 */
export function acknowledgeAwsCustomResourceProviderFindings(scope: IConstruct): void {
  const stack = Stack.of(scope);
  const provider = stack.node.tryFindChild(
    `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
  );
  if (!provider) return;
  NagSuppressions.addResourceSuppressions(
    provider,
    [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'CDK-owned AwsCustomResource provider: AWSLambdaBasicExecutionRole only lets it write logs; its EC2 calls are granted on the one security group.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
    ],
    true,
  );
}

/** Runs the cdk-nag AwsSolutions pack over everything under `scope` at synth time. */
export function applyAwsSolutionsChecks(scope: IConstruct): void {
  Aspects.of(scope).add(new AwsSolutionsChecks({ verbose: true }));
}

/**
 * Acknowledges the findings on the CDK singleton that sets log retention on log groups created
 * by services (RDS log exports).
 */
export function acknowledgeLogRetentionFindings(scope: IConstruct): void {
  const stack = Stack.of(scope);
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('LogRetention')) continue;
    NagSuppressions.addResourceSuppressions(
      child,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'CDK-owned log-retention function: AWSLambdaBasicExecutionRole only lets it write its own logs.',
          appliesTo: [
            'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
          ],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: 'logs:PutRetentionPolicy/DeleteRetentionPolicy on log groups RDS names at runtime.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
