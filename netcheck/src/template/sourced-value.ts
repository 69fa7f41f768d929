import type { CfnValue, JsonObject, JsonValue } from './template-values.js';
import { asList, isRecord, Unresolved } from './template-values.js';

/**
 * An evaluated value together with the expression the template wrote for it. Evaluation loses how a
 * value was built (`!Join ['', [!GetAtt Fn.Arn, ':*']]` becomes an Unresolved), but which resource
 * it names, or whether two values are the same expression, is still readable from that expression.
 */
export interface Sourced {
  readonly value: CfnValue | undefined;
  /** The unevaluated expression; undefined when it cannot be paired with the value. */
  readonly raw: JsonValue | undefined;
}

/** A plain map as written, not an intrinsic function call (`{Ref: …}`, `{"Fn::If": …}`). */
function isLiteralMap(value: JsonValue | undefined): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const [key] = keys;
  return !(
    keys.length === 1 &&
    key !== undefined &&
    (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::'))
  );
}

/** One key of a map. The expression is dropped when the map itself came from an intrinsic. */
export function member(of: Sourced, key: string): Sourced {
  const value = isRecord(of.value) ? of.value[key] : undefined;
  return { value, raw: value !== undefined && isLiteralMap(of.raw) ? of.raw[key] : undefined };
}

/**
 * The items of a list (a single value counts as a one-item list, as CloudFormation accepts in
 * policies). Evaluation only drops items (`AWS::NoValue`), so a written list of the same length
 * pairs item by item; otherwise the items keep no expression.
 */
export function items(of: Sourced): Sourced[] | Unresolved {
  const list = asList(of.value);
  if (list instanceof Unresolved) return list;
  if (!Array.isArray(of.value)) return list.map((value) => ({ value, raw: of.raw }));
  const raw = Array.isArray(of.raw) && of.raw.length === list.length ? of.raw : undefined;
  return list.map((value, index) => ({ value, raw: raw?.[index] }));
}
