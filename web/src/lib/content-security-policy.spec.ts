import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, newNonce, parseStorageOrigins } from './content-security-policy';

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split('; ').map((directive) => {
      const [name, ...sources] = directive.split(' ');
      return [name as string, sources];
    }),
  );
}

describe('contentSecurityPolicy', () => {
  it("lets only the nonce's scripts (and what they load) run, with no inline or eval escape", () => {
    const policy = directives(
      contentSecurityPolicy({ nonce: 'abc', development: false, storageOrigins: [] }),
    );
    expect(policy.get('script-src')).toEqual(["'self'", "'nonce-abc'", "'strict-dynamic'"]);
    for (const [name, value] of [
      ['default-src', ["'self'"]],
      ['connect-src', ["'self'"]],
      ['form-action', ["'self'"]],
      ['frame-ancestors', ["'none'"]],
      ['object-src', ["'none'"]],
      ['base-uri', ["'none'"]],
    ] as const) {
      expect(policy.get(name)).toEqual(value);
    }
  });

  it('allows eval for `next dev` only, and the storage origins for uploads and avatars', () => {
    const policy = directives(
      contentSecurityPolicy({
        nonce: 'abc',
        development: true,
        storageOrigins: ['https://bucket.s3.eu-west-1.amazonaws.com'],
      }),
    );
    expect(policy.get('script-src')).toContain("'unsafe-eval'");
    expect(policy.get('connect-src')).toEqual(["'self'", 'https://bucket.s3.eu-west-1.amazonaws.com']);
    expect(policy.get('img-src')).toEqual([
      "'self'",
      'data:',
      'blob:',
      'https://bucket.s3.eu-west-1.amazonaws.com',
    ]);
  });
});

describe('newNonce', () => {
  it('is 128 random bits in base64, new every time', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => newNonce()));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
  });
});

describe('parseStorageOrigins', () => {
  it('reads origins separated by spaces or commas, none when unset', () => {
    expect(parseStorageOrigins(undefined)).toEqual([]);
    expect(parseStorageOrigins('  ')).toEqual([]);
    expect(parseStorageOrigins('https://b.s3.eu-west-1.amazonaws.com/, http://127.0.0.1:9000')).toEqual([
      'https://b.s3.eu-west-1.amazonaws.com',
      'http://127.0.0.1:9000',
    ]);
  });

  it('refuses anything that is not a bare origin, naming the variable', () => {
    for (const value of [
      'bucket.s3.amazonaws.com',
      'https://b.example.com/avatars',
      'https://b.example.com;script-src',
      "https://b.example.com'",
      'ftp://b.example.com',
      '*',
      // A wildcard host would let the page load from every bucket of the provider.
      'https://*.s3.amazonaws.com',
    ]) {
      expect(() => parseStorageOrigins(value), value).toThrow(/^STORAGE_ORIGINS: /);
    }
  });
});
