/**
 * How the JWT key variables are written, read one way by the startup check (`config.schema.ts`)
 * and by the token code (`auth/jwt.repository.ts`, which also reads keys from JWT_SECRET_ARN), so
 * the two never accept different texts.
 */

/**
 * JWT_PRIVATE_KEY: a private JWK as JSON, or a PKCS#8 PEM whose line breaks may be written `\n`
 * (one-line environment files). Throws on malformed JSON.
 */
export function privateKeyText(value: string): { readonly jwk: unknown } | { readonly pem: string } {
  const trimmed = value.trim();
  return trimmed.startsWith('{') ? { jwk: JSON.parse(trimmed) } : { pem: trimmed.replace(/\\n/g, '\n') };
}

/** JWT_PREVIOUS_PUBLIC_KEYS, parsed: one JWK, an array of them or a JWK Set; undefined otherwise. */
export function previousKeyList(parsed: unknown): unknown[] | undefined {
  if (Array.isArray(parsed)) return parsed;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  if (!('keys' in parsed)) return [parsed];
  const { keys } = parsed as { keys: unknown };
  return Array.isArray(keys) ? keys : undefined;
}
