import type { JsonValue } from '../template/template-values.js';

/**
 * Logical ids referenced anywhere inside a raw (unevaluated) value through Ref, Fn::GetAtt or
 * `${Id}` / `${Id.Attr}` in Fn::Sub. Used where a reference sits inside a string netcheck cannot
 * evaluate (an ARN built with Fn::Join), but which resource it names is still what matters.
 */
export function referencedLogicalIds(
  value: JsonValue | undefined,
  out: Set<string> = new Set(),
): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedLogicalIds(item, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') out.add(inner);
      else if (key === 'Fn::GetAtt') {
        if (typeof inner === 'string') out.add(inner.split('.')[0] as string);
        else if (Array.isArray(inner) && typeof inner[0] === 'string') out.add(inner[0]);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^!}][^}.]*)(?:\.[^}]*)?\}/g))
            out.add((match[1] as string).trim());
        }
        if (Array.isArray(inner)) referencedLogicalIds(inner[1], out);
      } else referencedLogicalIds(inner, out);
    }
  }
  return out;
}
