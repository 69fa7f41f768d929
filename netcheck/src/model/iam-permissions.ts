import type { CfnValue } from '../template/template-values.js';
import { asList, asString, isRecord, ResourceRef, Unresolved } from '../template/template-values.js';
import type { ModelBuilderContext, ResolvedResource } from './model-builder-context.js';

/**
 * IAM service prefixes whose calls never leave through the function's ENI: the Lambda service
 * itself writes logs and traces, manages VPC interfaces and decrypts environment variables.
 */
const HANDLED_BY_LAMBDA_SERVICE = new Set(['logs', 'xray', 'kms']);

/** Actions the Lambda service (event source mappings) performs on the function's behalf. */
const EVENT_SOURCE_POLLER_ACTION =
  /^(sqs:(ReceiveMessage|DeleteMessage|GetQueueAttributes|ChangeMessageVisibility)|dynamodb:(GetRecords|GetShardIterator|DescribeStream|ListStreams)|kinesis:.*|ec2:.*NetworkInterface.*|ec2:Describe.*)$/i;

/** AWS managed policies whose names identify the services they grant (prefix match). */
const MANAGED_POLICY_SERVICES: ReadonlyArray<[RegExp, string]> = [
  [/^AmazonSES/i, 'ses'],
  [/^AmazonS3/i, 's3'],
  [/^AmazonDynamoDB/i, 'dynamodb'],
  [/^SecretsManager/i, 'secretsmanager'],
  [/^AmazonSQS/i, 'sqs'],
  [/^AmazonSNS/i, 'sns'],
  [/^AmazonSSM/i, 'ssm'],
  [/^AmazonKinesisFirehose/i, 'firehose'],
  [/^AWSStepFunctions/i, 'states'],
  [/^AmazonEventBridge/i, 'events'],
  [/^AmazonBedrock/i, 'bedrock'],
];

/** SAM policy templates (`SESCrudPolicy`, `S3ReadPolicy`…) and the service each grants. */
const SAM_POLICY_TEMPLATE_SERVICES: ReadonlyArray<[RegExp, string]> = [
  [/^SES/i, 'ses'],
  [/^S3/i, 's3'],
  [/^DynamoDB(?!Stream)/i, 'dynamodb'],
  [/^AWSSecretsManager/i, 'secretsmanager'],
  [/^SQSSend/i, 'sqs'],
  [/^SNS/i, 'sns'],
  [/^SSMParameter/i, 'ssm'],
  [/^StepFunctions/i, 'states'],
  [/^EventBridgePut/i, 'events'],
  [/^LambdaInvoke/i, 'lambda'],
];

type PermissionMap = Map<string, string>;

function addActions(actions: CfnValue | undefined, where: string, out: PermissionMap): void {
  const list = asList(actions);
  if (list instanceof Unresolved) return;
  for (const action of list) {
    if (typeof action !== 'string' || !action.includes(':')) continue;
    if (EVENT_SOURCE_POLLER_ACTION.test(action)) continue;
    const service = action.slice(0, action.indexOf(':')).toLowerCase();
    if (HANDLED_BY_LAMBDA_SERVICE.has(service)) continue;
    if (!out.has(service)) out.set(service, `${where} (${action})`);
  }
}

function addDocument(document: CfnValue | undefined, where: string, out: PermissionMap): void {
  if (!isRecord(document)) return;
  const statements = asList(document.Statement);
  if (statements instanceof Unresolved) return;
  for (const statement of statements) {
    if (!isRecord(statement) || statement.Effect !== 'Allow') continue;
    addActions(statement.Action, where, out);
  }
}

function managedPolicyName(arn: CfnValue): string | undefined {
  const text = arn instanceof Unresolved ? arn.partial : asString(arn);
  if (typeof text !== 'string') return undefined;
  const match = /policy\/(?:service-role\/)?([^/]+)$/.exec(text);
  return match?.[1] ?? (text.includes(':') ? undefined : text);
}

function addManagedPolicy(
  context: ModelBuilderContext,
  arn: CfnValue,
  where: string,
  out: PermissionMap,
): void {
  if (arn instanceof ResourceRef) {
    const policy = context.resources.find((resource) => resource.id === arn.logicalId);
    if (policy) addDocument(policy.properties.PolicyDocument, `${where} → ${policy.id}`, out);
    return;
  }
  const name = managedPolicyName(arn);
  if (!name) return;
  for (const [pattern, service] of MANAGED_POLICY_SERVICES) {
    if (pattern.test(name) && !out.has(service)) out.set(service, `${where} managed policy ${name}`);
  }
}

/** Permissions granted to a role through its inline policies, attached policies and managed ARNs. */
export function rolePermissions(context: ModelBuilderContext, roleId: string): PermissionMap {
  const out: PermissionMap = new Map();
  const role = context.resources.find(
    (resource) => resource.id === roleId && resource.type === 'AWS::IAM::Role',
  );
  if (!role) return out;
  const inline = asList(role.properties.Policies);
  if (!(inline instanceof Unresolved)) {
    for (const policy of inline) {
      if (!isRecord(policy)) continue;
      addDocument(policy.PolicyDocument, `${roleId} policy ${asString(policy.PolicyName) ?? ''}`.trim(), out);
    }
  }
  const managed = asList(role.properties.ManagedPolicyArns);
  if (!(managed instanceof Unresolved)) {
    for (const arn of managed) addManagedPolicy(context, arn, roleId, out);
  }
  for (const policy of context.ofType('AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy')) {
    const roles = asList(policy.properties.Roles);
    if (roles instanceof Unresolved) continue;
    if (roles.some((role) => role instanceof ResourceRef && role.logicalId === roleId)) {
      addDocument(policy.properties.PolicyDocument, policy.id, out);
    }
  }
  return out;
}

/** Permissions of a SAM function's `Policies` property (managed names, templates, inline documents). */
export function samPolicyPermissions(context: ModelBuilderContext, fn: ResolvedResource): PermissionMap {
  const out: PermissionMap = new Map();
  const policies = asList(fn.properties.Policies);
  if (policies instanceof Unresolved) return out;
  for (const policy of policies) {
    if (typeof policy === 'string' || policy instanceof Unresolved || policy instanceof ResourceRef) {
      addManagedPolicy(context, policy, `${fn.id} Policies`, out);
    } else if (isRecord(policy)) {
      if (policy.Statement !== undefined) addDocument(policy, `${fn.id} Policies`, out);
      for (const templateName of Object.keys(policy)) {
        for (const [pattern, service] of SAM_POLICY_TEMPLATE_SERVICES) {
          if (pattern.test(templateName) && !out.has(service))
            out.set(service, `${fn.id} Policies ${templateName}`);
        }
      }
    }
  }
  return out;
}

/**
 * IAM service prefix → VPC endpoint service names that serve its API privately. SES API calls
 * (`ses:SendEmail` through an SDK) go to email.<region>.amazonaws.com, served by the `email`
 * endpoint; the `email-smtp` endpoint's private DNS covers only the SMTP interface (seed 003).
 */
export const ENDPOINT_SERVICES_FOR_IAM_PREFIX: Readonly<Record<string, readonly string[]>> = {
  ses: ['email'],
  cloudwatch: ['monitoring'],
  ecr: ['ecr.api', 'ecr.dkr'],
  kinesis: ['kinesis-streams'],
  firehose: ['kinesis-firehose'],
  bedrock: ['bedrock-runtime', 'bedrock'],
  'execute-api': ['execute-api'],
};

/** Endpoint service names that can carry calls for an IAM service prefix. */
export function endpointServicesFor(iamPrefix: string): readonly string[] {
  return ENDPOINT_SERVICES_FOR_IAM_PREFIX[iamPrefix] ?? [iamPrefix];
}
