import type { JwtSigning } from '../config/app-config.js';

/**
 * Turns the JSON stored under JWT_SECRET_ARN into signing settings:
 * `{"privateKey": "<Ed25519 PKCS8 PEM or private JWK>", "previousPublicKeys": "<JWKS JSON>"}` for
 * EdDSA (previousPublicKeys optional), or `{"secret": "<at least 32 characters>"}` for HS256.
 * Fails naming the secret and what is wrong, because a bad secret is a deployment mistake.
 */
export function jwtSigningFromSecret(
  secret: Readonly<Record<string, unknown>>,
  secretId: string,
): JwtSigning {
  const text = (field: string): string | undefined => {
    const value = secret[field];
    if (value === undefined) return undefined;
    // A JWK or JWKS may be stored as nested JSON rather than as a string; both are accepted.
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const privateKey = text('privateKey');
  const hmacSecret = text('secret');
  if ((privateKey === undefined) === (hmacSecret === undefined)) {
    throw new Error(`JWT secret ${secretId} must hold either "privateKey" (EdDSA) or "secret" (HS256).`);
  }
  if (hmacSecret !== undefined) {
    if (hmacSecret.length < 32)
      throw new Error(`JWT secret ${secretId}: "secret" must be at least 32 characters.`);
    return { algorithm: 'HS256', secret: hmacSecret };
  }
  return { algorithm: 'EdDSA', privateKey, previousPublicKeys: text('previousPublicKeys') };
}
