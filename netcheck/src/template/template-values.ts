/**
 * Values produced by evaluating CloudFormation intrinsics. Two markers exist beside plain JSON:
 * {@link ResourceRef} (a Ref/GetAtt to a resource in a loaded template, whose physical id is
 * unknown before deploy but whose identity matters for the model) and {@link Unresolved}
 * (a value netcheck cannot know offline; anything that depends on it becomes `unknown`).
 */

/** A value netcheck cannot compute offline (import, unknown parameter, account id…). */
export class Unresolved {
  /**
   * @param reason why the value is unknown, phrased for a human (e.g. `Fn::ImportValue "SharedVpc"`).
   * @param partial best-effort text with `*` for unknown parts (e.g. `com.amazonaws.*.s3`).
   * @param alternatives the values it is known to be one of: the branches of an `Fn::If` whose
   *   condition is undecided (`undefined` for `AWS::NoValue`: the property is absent). What an
   *   unresolved reference may name — both subnets of `SubnetId: !If […]` — is then still known.
   * @param condition for an `Fn::If`: the name of its undecided condition (`alternatives[0]` is the
   *   value when it is true), so a value can be related to resources under the same Condition.
   */
  constructor(
    readonly reason: string,
    readonly partial?: string,
    readonly alternatives?: ReadonlyArray<CfnValue | undefined>,
    readonly condition?: string,
  ) {}
}

/** A reference to a resource (Ref or Fn::GetAtt) in one of the loaded templates. */
export class ResourceRef {
  /**
   * @param logicalId the referenced resource's id in the model (prefixed with the stack name when
   *   several templates are loaded).
   * @param attribute the GetAtt attribute, undefined for Ref.
   */
  constructor(
    readonly logicalId: string,
    readonly attribute?: string,
  ) {}
}

/** A CloudFormation value after intrinsic evaluation. */
export type CfnValue =
  | string
  | number
  | boolean
  | null
  | Unresolved
  | ResourceRef
  | CfnValue[]
  | { [key: string]: CfnValue };

/** Raw template JSON (before intrinsic evaluation). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A plain JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** True for a plain object (not an array or a marker). */
export function isRecord(value: unknown): value is Record<string, CfnValue> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Unresolved) &&
    !(value instanceof ResourceRef)
  );
}

/** Returns value as a string, an Unresolved, or undefined when absent / not string-like. */
export function asString(value: CfnValue | undefined): string | Unresolved | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Unresolved) return value;
  if (value instanceof ResourceRef) {
    return new Unresolved(`physical id of ${value.logicalId}${value.attribute ? `.${value.attribute}` : ''}`);
  }
  return undefined;
}

/** Interprets CloudFormation's loose booleans ("true", "false", true, false). */
export function asBoolean(value: CfnValue | undefined): boolean | Unresolved | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (value.toLowerCase() === 'true') return true;
    if (value.toLowerCase() === 'false') return false;
    return new Unresolved(`"${value}" is not a boolean`);
  }
  if (value instanceof Unresolved) return value;
  return new Unresolved('value is not a boolean');
}

/** Interprets a number or numeric string. */
export function asNumber(value: CfnValue | undefined): number | Unresolved | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (value instanceof Unresolved) return value;
  return new Unresolved(`${JSON.stringify(value)} is not a number`);
}

/** Normalises a single value or a list into a list (CloudFormation accepts both in places). */
export function asList(value: CfnValue | undefined): CfnValue[] | Unresolved {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (value instanceof Unresolved) return value;
  return [value];
}
