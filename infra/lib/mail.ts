import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Lets `grantee` send mail through SES as `mailFrom` and no other address: on the address identity
 * or its domain identity (SES authorizes against whichever is verified), with the From address
 * pinned by `ses:FromAddress`. Without the condition the domain identity let the API send as any
 * address of the domain (found in review, 2026-12-07).
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
      conditions: { StringEquals: { 'ses:FromAddress': mailFrom } },
    }),
  );
}
