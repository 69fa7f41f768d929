import type { Sourced } from '../template/sourced-value.js';
import { items, member } from '../template/sourced-value.js';
import type { CfnValue, JsonObject } from '../template/template-values.js';
import { asList, asString, isRecord, ResourceRef, Unresolved } from '../template/template-values.js';
import { namesOnlyDeliveryTargets } from './lambda-delivery-targets.js';
import type { ModelBuilderContext, ResolvedResource } from './model-builder-context.js';

/**
 * IAM service prefixes whose calls never leave through the function's ENI: the Lambda service
 * itself writes logs and traces and manages VPC interfaces. (`kms:` is judged per action: see
 * {@link KMS_ON_CALLERS_BEHALF}.)
 */
const HANDLED_BY_LAMBDA_SERVICE = new Set(['logs', 'xray']);

/**
 * Actions the Lambda service (event source mappings) performs on the function's behalf: what CDK's
 * SqsEventSource / `grantConsumeMessages` grant (the batch forms and GetQueueUrl included), stream
 * reads (Kinesis's as `grantRead` lists them), ENI management (what AWSLambdaVPCAccessExecutionRole
 * grants). The poller is Lambda's; the function's code is handed the records. Until 2026-12-07 every
 * `kinesis:` and `ec2:Describe` action was taken for the poller's, so a function writing to a
 * stream (`grantWrite`: PutRecord) without a path to Kinesis passed (found in review).
 */
const EVENT_SOURCE_POLLER_ACTION =
  /^(sqs:(ReceiveMessage|DeleteMessage|DeleteMessageBatch|GetQueueAttributes|GetQueueUrl|ChangeMessageVisibility|ChangeMessageVisibilityBatch)|dynamodb:(GetRecords|GetShardIterator|DescribeStream|ListStreams)|kinesis:(GetRecords|GetShardIterator|DescribeStream|DescribeStreamSummary|DescribeStreamConsumer|ListShards|ListStreams|ListStreamConsumers|SubscribeToShard|RegisterStreamConsumer)|ec2:(CreateNetworkInterface|DeleteNetworkInterface|DescribeNetworkInterfaces|AssignPrivateIpAddresses|UnassignPrivateIpAddresses|DescribeSubnets|DescribeSecurityGroups|DescribeVpcs))$/i;

/**
 * Permissions that are not calls to an AWS API endpoint, so they need no network path from the
 * function: `rds-db:connect` (the service's only action) authorises IAM database authentication —
 * the SDK signs the token locally and the database checks it on connect; the EFS `Client*` actions
 * are checked when the file system is mounted over NFS (by Lambda, through the mount target);
 * `iam:PassRole` authorises handing a role to another service inside some other call. The same
 * holds for the data planes reached inside the VPC with IAM authentication: Neptune
 * (`neptune-db:`), MSK (`kafka-cluster:`), ElastiCache and MemoryDB (`Connect`) and DAX's item
 * calls, each signed locally and sent to the cluster itself (found in review, 2026-12-07).
 */
const NOT_AN_API_CALL =
  /^(rds-db:.*|neptune-db:.*|kafka-cluster:.*|elasticache:Connect|memorydb:Connect|dax:(GetItem|PutItem|UpdateItem|DeleteItem|BatchGetItem|BatchWriteItem|ConditionCheckItem|Query|Scan)|elasticfilesystem:Client(Mount|Write|RootAccess|\*)|iam:PassRole)$/i;

/**
 * KMS operations that AWS services perform with the caller's permissions on its behalf: S3, SQS,
 * SNS, DynamoDB, Secrets Manager, SSM… call Decrypt / GenerateDataKey* when the function reads or
 * writes a resource encrypted with a customer managed key, and Lambda decrypts environment
 * variables with the function's KmsKeyArn. CDK adds exactly these with every grant on such a
 * resource (and key policies, not roles, hold its `kms:*`), so beside a grant on another service
 * they do not show that the function's code calls KMS: they count only when the role names no other
 * service that could be the one calling, and the function has no KmsKeyArn. A wildcard is read the
 * same way. Operations no service performs for a caller (Sign, Verify, GetPublicKey, GenerateMac,
 * GenerateRandom, key management…) always count: only the function's code calls them.
 */
const KMS_ON_CALLERS_BEHALF =
  /^kms:(Decrypt|Encrypt|ReEncrypt\w*|GenerateDataKey\w*|DescribeKey|CreateGrant|RetireGrant|ListGrants|.*\*.*)$/i;

/**
 * Service prefixes that never call KMS with the caller's permissions for it (they encrypt with
 * their own service principal, or store nothing): a role naming only these and KMS can only be
 * using KMS from its code.
 */
const NEVER_CALLS_KMS_FOR_CALLER = new Set([
  'kms',
  'logs',
  'xray',
  'ec2',
  'iam',
  'sts',
  'rds-db',
  'elasticfilesystem',
  'lambda',
  'cloudwatch',
]);

/**
 * Actions the Lambda service performs with the function's role to deliver an asynchronous
 * invocation's result to a destination or dead-letter target (what CDK grants with the target:
 * `grantSendMessages`, `grantPublish`, `grantInvoke`, events:PutEvents). Granted only on the
 * function's own targets they are the service's; on any other resource, the function's code uses them.
 */
const LAMBDA_DELIVERY_ACTION =
  /^(sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)|sns:Publish|events:PutEvents|lambda:InvokeFunction)$/i;

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

/**
 * Whose permissions are read: the templates' properties as written (a statement's `Resource` is
 * compared as the template expresses it) and the keys of what the Lambda service delivers for the
 * function (`lambda-delivery-targets.ts`).
 */
export interface GrantScope {
  readonly raw: ReadonlyMap<string, JsonObject>;
  readonly deliveryTargets: ReadonlySet<string>;
}

/** What a function's policies grant, before deciding which grants mean calls from its code. */
export interface Grants {
  /** Service prefix → where it is granted, for APIs the function's code calls. */
  readonly api: PermissionMap;
  /** Every service prefix granted, including actions the Lambda service performs. */
  readonly named: Set<string>;
  /** Where a KMS operation that services also perform on the caller's behalf is granted. */
  kmsOnBehalf?: string;
}

/** An empty set of grants. */
export function emptyGrants(): Grants {
  return { api: new Map(), named: new Set() };
}

/**
 * The AWS APIs the function's code calls, from everything its policies grant (see
 * {@link KMS_ON_CALLERS_BEHALF}); `ownKmsKey`: the function sets KmsKeyArn (environment variables).
 */
export function apiPermissions(grants: Grants, ownKmsKey: boolean): PermissionMap {
  const out = new Map(grants.api);
  const others = [...grants.named].filter((service) => !NEVER_CALLS_KMS_FOR_CALLER.has(service));
  if (grants.kmsOnBehalf && !out.has('kms') && others.length === 0 && !ownKmsKey)
    out.set('kms', grants.kmsOnBehalf);
  return out;
}

function addActions(actions: CfnValue | undefined, deliveryOnly: boolean, where: string, out: Grants): void {
  const list = asList(actions);
  if (list instanceof Unresolved) return;
  for (const action of list) {
    if (typeof action !== 'string' || !action.includes(':')) continue;
    const service = action.slice(0, action.indexOf(':')).toLowerCase();
    out.named.add(service);
    if (EVENT_SOURCE_POLLER_ACTION.test(action) || NOT_AN_API_CALL.test(action)) continue;
    if (deliveryOnly && LAMBDA_DELIVERY_ACTION.test(action)) continue;
    if (HANDLED_BY_LAMBDA_SERVICE.has(service)) continue;
    if (KMS_ON_CALLERS_BEHALF.test(action)) {
      out.kmsOnBehalf ??= `${where} (${action})`;
      continue;
    }
    if (!out.api.has(service)) out.api.set(service, `${where} (${action})`);
  }
}

/** Adds a policy document's allowed actions; `holderId` is the resource the document is written in. */
function addDocument(
  document: Sourced,
  holderId: string,
  scope: GrantScope,
  where: string,
  out: Grants,
): void {
  if (!isRecord(document.value)) return;
  const statements = items(member(document, 'Statement'));
  if (statements instanceof Unresolved) return;
  for (const statement of statements) {
    if (!isRecord(statement.value) || statement.value.Effect !== 'Allow') continue;
    const deliveryOnly = namesOnlyDeliveryTargets(
      member(statement, 'Resource'),
      holderId,
      scope.deliveryTargets,
    );
    addActions(statement.value.Action, deliveryOnly, where, out);
  }
}

/** A resource's evaluated properties paired with the properties as written. */
function propertiesOf(resource: ResolvedResource, scope: GrantScope): Sourced {
  return { value: resource.properties, raw: scope.raw.get(resource.id) };
}

function managedPolicyName(arn: CfnValue): string | undefined {
  const text = arn instanceof Unresolved ? arn.partial : asString(arn);
  if (typeof text !== 'string') return undefined;
  const match = /policy\/(?:service-role\/)?([^/]+)$/.exec(text);
  return match?.[1] ?? (text.includes(':') ? undefined : text);
}

function addManagedPolicy(
  context: ModelBuilderContext,
  scope: GrantScope,
  arn: CfnValue,
  where: string,
  out: Grants,
): void {
  if (arn instanceof ResourceRef) {
    const policy = context.resources.find((resource) => resource.id === arn.logicalId);
    if (policy) {
      const document = member(propertiesOf(policy, scope), 'PolicyDocument');
      addDocument(document, policy.id, scope, `${where} → ${policy.id}`, out);
    }
    return;
  }
  const name = managedPolicyName(arn);
  if (!name) return;
  for (const [pattern, service] of MANAGED_POLICY_SERVICES) {
    if (!pattern.test(name)) continue;
    out.named.add(service);
    if (!out.api.has(service)) out.api.set(service, `${where} managed policy ${name}`);
  }
}

/**
 * Adds what a role grants through its inline policies, attached policies and managed ARNs, except
 * the delivery actions of statements naming only `scope`'s delivery targets.
 */
export function addRoleGrants(
  context: ModelBuilderContext,
  roleId: string,
  scope: GrantScope,
  out: Grants,
): void {
  const role = context.resources.find(
    (resource) => resource.id === roleId && resource.type === 'AWS::IAM::Role',
  );
  if (!role) return;
  const inline = items(member(propertiesOf(role, scope), 'Policies'));
  if (!(inline instanceof Unresolved)) {
    for (const policy of inline) {
      if (!isRecord(policy.value)) continue;
      const where = `${roleId} policy ${asString(policy.value.PolicyName) ?? ''}`.trim();
      addDocument(member(policy, 'PolicyDocument'), roleId, scope, where, out);
    }
  }
  const managed = asList(role.properties.ManagedPolicyArns);
  if (!(managed instanceof Unresolved)) {
    for (const arn of managed) addManagedPolicy(context, scope, arn, roleId, out);
  }
  for (const policy of context.ofType('AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy')) {
    const roles = asList(policy.properties.Roles);
    if (roles instanceof Unresolved) continue;
    if (roles.some((role) => role instanceof ResourceRef && role.logicalId === roleId)) {
      addDocument(member(propertiesOf(policy, scope), 'PolicyDocument'), policy.id, scope, policy.id, out);
    }
  }
}

/** Adds what a SAM function's `Policies` property grants (managed names, templates, inline documents). */
export function addSamPolicyGrants(
  context: ModelBuilderContext,
  fn: ResolvedResource,
  scope: GrantScope,
  out: Grants,
): void {
  const policies = items(member(propertiesOf(fn, scope), 'Policies'));
  if (policies instanceof Unresolved) return;
  for (const sourced of policies) {
    const policy = sourced.value;
    if (typeof policy === 'string' || policy instanceof Unresolved || policy instanceof ResourceRef) {
      addManagedPolicy(context, scope, policy, `${fn.id} Policies`, out);
    } else if (isRecord(policy)) {
      if (policy.Statement !== undefined) addDocument(sourced, fn.id, scope, `${fn.id} Policies`, out);
      for (const templateName of Object.keys(policy)) {
        for (const [pattern, service] of SAM_POLICY_TEMPLATE_SERVICES) {
          if (!pattern.test(templateName)) continue;
          out.named.add(service);
          if (!out.api.has(service)) out.api.set(service, `${fn.id} Policies ${templateName}`);
        }
      }
    }
  }
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
  // One IAM prefix, two APIs each (found in review, 2026-12-07): InvokeEndpoint goes to the
  // runtime, AppConfig's configuration reads to appconfigdata. Either endpoint counts, as for ECR.
  sagemaker: ['sagemaker.api', 'sagemaker.runtime'],
  appconfig: ['appconfig', 'appconfigdata'],
  'execute-api': ['execute-api'],
};

/** Endpoint service names that can carry calls for an IAM service prefix. */
export function endpointServicesFor(iamPrefix: string): readonly string[] {
  return ENDPOINT_SERVICES_FOR_IAM_PREFIX[iamPrefix] ?? [iamPrefix];
}
