import type { Sourced } from '../template/sourced-value.js';
import { items, member } from '../template/sourced-value.js';
import type { CfnValue, JsonObject, JsonValue } from '../template/template-values.js';
import { ResourceRef, Unresolved } from '../template/template-values.js';
import type { ModelBuilderContext, ResolvedResource } from './model-builder-context.js';

/** The template part of a model id (`Stack/` when several templates are loaded, else empty). */
function templatePrefix(id: string): string {
  return id.slice(0, id.lastIndexOf('/') + 1);
}

function writtenReference(raw: JsonValue | undefined): { id: string; attribute?: string } | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  if (typeof raw.Ref === 'string') return { id: raw.Ref };
  const getAtt = raw['Fn::GetAtt'];
  if (typeof getAtt === 'string' && getAtt.includes('.')) {
    const dot = getAtt.indexOf('.');
    return { id: getAtt.slice(0, dot), attribute: getAtt.slice(dot + 1) };
  }
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string')
    return { id: getAtt[0], attribute: getAtt[1] };
  return undefined;
}

function referenceKey(id: string, attribute: string | undefined): string {
  // Ref and the Arn attribute both name the resource itself (a queue's URL or ARN, a topic's ARN);
  // other attributes may name something else (a nested stack's outputs).
  return attribute === undefined || attribute === 'Arn' ? `resource:${id}` : `resource:${id}.${attribute}`;
}

/**
 * A resource's ARN written as a Join or Sub, optionally followed by `:<qualifier>`: for a function,
 * its versions and aliases, which CDK grants lambda:InvokeFunction on (`${Fn.Arn}:*`) beside the
 * function's ARN.
 */
function writtenArnKey(raw: JsonValue, prefix: string): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const join = raw['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const [first, ...rest] = join[1];
    const reference = writtenReference(first);
    const tail = rest.every((part) => typeof part === 'string') ? join[0] + rest.join(join[0]) : '';
    if (reference && /^(:[^:]+)?$/.test(tail))
      return referenceKey(prefix + reference.id, reference.attribute);
  }
  const sub = raw['Fn::Sub'];
  const match = typeof sub === 'string' ? /^\$\{([A-Za-z0-9]+)(\.Arn)?\}(:[^:$]+)?$/.exec(sub) : null;
  return match ? `resource:${prefix}${match[1]}` : undefined;
}

/**
 * A key that two values share only when they name the same resource: a Ref / GetAtt to it, the
 * same literal ARN, or (for values netcheck cannot evaluate, such as the default event bus's
 * `!Sub arn:${AWS::Partition}:events:…`) the same expression in the same template, which
 * CloudFormation evaluates to the same value. Undefined when nothing identifies the value.
 */
function targetKey(of: Sourced, prefix: string): string | undefined {
  const { value, raw } = of;
  if (value === undefined || value === null) return undefined;
  if (value instanceof ResourceRef) return referenceKey(value.logicalId, value.attribute);
  if (typeof value === 'string' && value.startsWith('arn:')) return `arn:${value}`;
  if (raw === undefined) return undefined;
  return writtenArnKey(raw, prefix) ?? `expression:${prefix}${JSON.stringify(raw)}`;
}

/** The function an EventInvokeConfig's FunctionName names, through an alias or version. */
function configuredFunctionId(
  context: ModelBuilderContext,
  functionName: CfnValue | undefined,
): string | undefined {
  if (!(functionName instanceof ResourceRef)) return undefined;
  const type = context.typeOf(functionName.logicalId);
  if (type !== 'AWS::Lambda::Alias' && type !== 'AWS::Lambda::Version') return functionName.logicalId;
  const target = context.resources.find((resource) => resource.id === functionName.logicalId)?.properties
    .FunctionName;
  return target instanceof ResourceRef ? target.logicalId : undefined;
}

function onSuccessAndOnFailure(destinationConfig: Sourced): Sourced[] {
  return ['OnSuccess', 'OnFailure'].map((outcome) =>
    member(member(destinationConfig, outcome), 'Destination'),
  );
}

/**
 * Keys of the resources the Lambda service itself sends to for a function: the on-success and
 * on-failure destinations of its asynchronous invocations (`AWS::Lambda::EventInvokeConfig` of the
 * function or of one of its aliases and versions; SAM's `EventInvokeConfig`) and its dead-letter
 * target (`DeadLetterConfig` / SAM's `DeadLetterQueue`). The function's code never calls them.
 */
export function lambdaDeliveryTargets(
  context: ModelBuilderContext,
  raw: ReadonlyMap<string, JsonObject>,
  fn: ResolvedResource,
): ReadonlySet<string> {
  const targets: Array<{ target: Sourced; holderId: string }> = [];
  const properties: Sourced = { value: fn.properties, raw: raw.get(fn.id) };
  const deadLetter = fn.type === 'AWS::Serverless::Function' ? 'DeadLetterQueue' : 'DeadLetterConfig';
  targets.push({ target: member(member(properties, deadLetter), 'TargetArn'), holderId: fn.id });
  const samInvokeConfig = member(member(properties, 'EventInvokeConfig'), 'DestinationConfig');
  for (const target of onSuccessAndOnFailure(samInvokeConfig)) targets.push({ target, holderId: fn.id });
  for (const config of context.ofType('AWS::Lambda::EventInvokeConfig')) {
    // A config that may not exist (unresolved Condition) cannot explain the grant away.
    if (config.uncertain || configuredFunctionId(context, config.properties.FunctionName) !== fn.id) continue;
    const destinationConfig = member(
      { value: config.properties, raw: raw.get(config.id) },
      'DestinationConfig',
    );
    for (const target of onSuccessAndOnFailure(destinationConfig))
      targets.push({ target, holderId: config.id });
  }
  const keys = new Set<string>();
  for (const { target, holderId } of targets) {
    const key = targetKey(target, templatePrefix(holderId));
    if (key) keys.add(key);
  }
  return keys;
}

/**
 * Whether a policy statement's `Resource` names only delivery targets (at least one), read in the
 * template of `holderId`, the resource that holds the policy.
 */
export function namesOnlyDeliveryTargets(
  resource: Sourced,
  holderId: string,
  targets: ReadonlySet<string>,
): boolean {
  // An unevaluated value may be a list or one ARN; written as a target's expression, it is that target.
  const resources = resource.value instanceof Unresolved ? [resource] : items(resource);
  if (resources instanceof Unresolved || resources.length === 0 || targets.size === 0) return false;
  const prefix = templatePrefix(holderId);
  return resources.every((item) => {
    const key = targetKey(item, prefix);
    return key !== undefined && targets.has(key);
  });
}
