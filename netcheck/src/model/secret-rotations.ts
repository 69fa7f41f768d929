import type { Sourced } from '../template/sourced-value.js';
import type { CfnValue } from '../template/template-values.js';
import { isRecord, ResourceRef, Unresolved } from '../template/template-values.js';
import type { ModelBuilderContext, ResolvedResource } from './model-builder-context.js';
import type { MaybeResolved } from './network-model.js';

/** The template part of a model id (`Stack/` when several templates are loaded, else empty). */
export function templatePrefix(id: string): string {
  return id.slice(0, id.lastIndexOf('/') + 1);
}

/** A raw Ref / GetAtt as a reference, or undefined. */
function rawReference(item: unknown, prefix: string): ResourceRef | undefined {
  if (!isRecord(item)) return undefined;
  const ref = item.Ref;
  if (typeof ref === 'string') return new ResourceRef(prefix + ref);
  const getAtt = item['Fn::GetAtt'];
  const parts = typeof getAtt === 'string' ? getAtt.split('.') : getAtt;
  if (Array.isArray(parts) && typeof parts[0] === 'string' && typeof parts[1] === 'string')
    return new ResourceRef(prefix + parts[0], parts[1]);
  return undefined;
}

/**
 * The ids of a raw `Fn::Join` read as one comma-separated string. CDK concatenates tokens with
 * an empty delimiter and "," literals between them (`Join ["", [Ref A, ",", Ref B]]`), others
 * write `Join [",", [Ref A, Ref B]]`: references stand in as `{N}` placeholders (no id has braces), the text is split on
 * commas, and each piece must be a whole reference or a literal id.
 */
function joinedIds(join: unknown[], prefix: string): CfnValue[] | Unresolved {
  const [delimiter, list] = join;
  if (typeof delimiter !== 'string' || !Array.isArray(list)) return new Unresolved('malformed Fn::Join');
  const refs: ResourceRef[] = [];
  const pieces: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      pieces.push(item);
      continue;
    }
    const ref = rawReference(item, prefix);
    if (!ref)
      return new Unresolved(`member ${JSON.stringify(item)} is neither a Ref, a GetAtt nor a literal id`);
    pieces.push(`{${refs.length}}`);
    refs.push(ref);
  }
  const ids: CfnValue[] = [];
  for (const piece of pieces.join(delimiter).split(',')) {
    const text = piece.trim();
    if (text === '') continue;
    const placeholder = /^\{(\d+)\}$/.exec(text);
    if (placeholder) ids.push(refs[Number(placeholder[1])] as ResourceRef);
    else if (text.includes('{')) return new Unresolved(`"${piece}" mixes a reference with text`);
    else ids.push(text);
  }
  return ids;
}

/**
 * HostedRotationLambda's `VpcSubnetIds` / `VpcSecurityGroupIds` are one comma-separated string,
 * not a list: a literal, a single Ref / GetAtt, or (CDK) `Fn::Join` with "," over Refs and
 * GetAtts. Joining references yields no text offline, so the raw Join is read member by member.
 */
export function commaSeparatedIds(
  context: ModelBuilderContext,
  of: Sourced,
  prefix: string,
  expectedTypes: readonly string[],
): MaybeResolved<string[]> {
  const { value, raw } = of;
  if (typeof value === 'string')
    return context.referenceIds(
      value.split(',').filter((id) => id.trim() !== ''),
      expectedTypes,
    );
  if (value instanceof ResourceRef) return context.referenceIds([value], expectedTypes);
  const join = isRecord(raw) ? raw['Fn::Join'] : undefined;
  if (!Array.isArray(join))
    return value instanceof Unresolved
      ? value
      : new Unresolved(`${JSON.stringify(raw)} is not a comma-separated list of ids`);
  const members = joinedIds(join, prefix);
  if (members instanceof Unresolved) return members;
  for (const entry of members) {
    // A Ref to a parameter is no resource; its value was not evaluated inside the Join.
    if (entry instanceof ResourceRef && context.typeOf(entry.logicalId) === undefined)
      return new Unresolved(`${entry.logicalId} is not a resource created by the loaded templates`);
  }
  return context.referenceIds(members, expectedTypes);
}

/** The database workload a SecretTargetAttachment's TargetId names (a cluster member → its cluster). */
function attachedDatabase(context: ModelBuilderContext, attachment: ResolvedResource): MaybeResolved<string> {
  const target = attachment.properties.TargetId;
  if (!(target instanceof ResourceRef))
    return new Unresolved(`TargetId of ${attachment.id} is not a database in the loaded templates`);
  const type = context.typeOf(target.logicalId);
  if (type === 'AWS::RDS::DBCluster') return target.logicalId;
  if (type === 'AWS::RDS::DBInstance') {
    const instance = context.resources.find((resource) => resource.id === target.logicalId);
    const cluster = instance?.properties.DBClusterIdentifier;
    if (cluster instanceof ResourceRef) return cluster.logicalId;
    if (cluster !== undefined)
      return new Unresolved(`${target.logicalId} belongs to a DB cluster outside the loaded templates`);
    return target.logicalId;
  }
  return new Unresolved(
    `TargetId of ${attachment.id} is a ${type ?? 'resource outside the loaded templates'}, which netcheck does not model as a database (DB proxies are not)`,
  );
}

/**
 * The database a rotation schedule's secret belongs to: SecretId names a SecretTargetAttachment
 * (what CDK's `secret.attach(db).addRotationSchedule` writes), or a secret that exactly one
 * attachment ties to a database.
 */
export function rotatedDatabase(
  context: ModelBuilderContext,
  schedule: ResolvedResource,
): MaybeResolved<string> {
  const secret = schedule.properties.SecretId;
  if (!(secret instanceof ResourceRef))
    return new Unresolved(
      `SecretId of ${schedule.id} ${secret instanceof Unresolved ? `is unresolved (${secret.reason})` : 'is not a secret in the loaded templates'}`,
    );
  const attachments = context.ofType('AWS::SecretsManager::SecretTargetAttachment');
  const direct = attachments.find((attachment) => attachment.id === secret.logicalId);
  if (direct) return attachedDatabase(context, direct);
  const tying = attachments.filter(
    (attachment) =>
      attachment.properties.SecretId instanceof ResourceRef &&
      attachment.properties.SecretId.logicalId === secret.logicalId,
  );
  const [only] = tying;
  if (only && tying.length === 1) return attachedDatabase(context, only);
  return new Unresolved(
    tying.length === 0
      ? `no SecretTargetAttachment ties ${secret.logicalId} to a database, so which database ${schedule.id} signs in to is unknown`
      : `several SecretTargetAttachments name ${secret.logicalId}`,
  );
}
