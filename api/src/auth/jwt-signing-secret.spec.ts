import { describe, expect, it } from 'vitest';
import { jwtSigningFromSecret } from './jwt-signing-secret.js';

describe('jwtSigningFromSecret', () => {
  it('reads an EdDSA key, with previous public keys as a string or as nested JSON', () => {
    expect(jwtSigningFromSecret({ privateKey: 'PEM' }, 'arn')).toEqual({
      algorithm: 'EdDSA',
      privateKey: 'PEM',
      previousPublicKeys: undefined,
    });
    expect(
      jwtSigningFromSecret({ privateKey: { kty: 'OKP' }, previousPublicKeys: [{ kty: 'OKP' }] }, 'arn'),
    ).toEqual({
      algorithm: 'EdDSA',
      privateKey: '{"kty":"OKP"}',
      previousPublicKeys: '[{"kty":"OKP"}]',
    });
  });

  it('reads an HS256 secret of at least 32 characters', () => {
    expect(jwtSigningFromSecret({ secret: 'x'.repeat(32) }, 'arn')).toEqual({
      algorithm: 'HS256',
      secret: 'x'.repeat(32),
    });
    expect(() => jwtSigningFromSecret({ secret: 'short' }, 'my-arn')).toThrow(
      'JWT secret my-arn: "secret" must be',
    );
  });

  it('refuses a secret with neither or both kinds of key', () => {
    expect(() => jwtSigningFromSecret({ password: 'x' }, 'arn')).toThrow(
      'either "privateKey" (EdDSA) or "secret"',
    );
    expect(() => jwtSigningFromSecret({ privateKey: 'PEM', secret: 'x'.repeat(32) }, 'arn')).toThrow(
      'either',
    );
  });
});

describe('jwtSigningFromSecret length floor', () => {
  // The floor is exact: a secret one character short is refused, not only an obviously short one.
  it('refuses an HS256 secret one character short of 32', () => {
    expect(() => jwtSigningFromSecret({ secret: 'x'.repeat(31) }, 'arn')).toThrow('at least 32 characters');
  });
});
