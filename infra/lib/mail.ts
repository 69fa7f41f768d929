import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Lets `grantee` send mail through SES as `mailFrom`: the address identity and its domain
 * identity, nothing else (SES authorizes against whichever identity is verified).
 */
export function grantSendEmail(scope: IConstruct, grantee: iam.IGrantable, mailFrom: string): void {
  const stack = Stack.of(scope);
  const domain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1);
  const identity = (name: string) =>
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name, arnFormat: undefined });
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [identity(domain), identity(mailFrom)],
    }),
  );
}
