import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { Dns } from '../lib/constructs/dns.js';
import { assertNoPlaintextSecrets, assertOrigins } from '../lib/validation.js';

describe('assertNoPlaintextSecrets', () => {
  // Found in review (2026-12-07): the MFA keys and AWS's session credentials passed the check.
  it('refuses every variable the API reads a secret value from', () => {
    for (const name of [
      'JWT_SECRET',
      'JWT_PRIVATE_KEY',
      'STORAGE_SIGNING_SECRET',
      'API_KEYS',
      'DATABASE_URL',
      'MFA_ENCRYPTION_KEY',
      'MFA_ENCRYPTION_PREVIOUS_KEYS',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ]) {
      expect(() => assertNoPlaintextSecrets({ [name]: 'x' }), name).toThrow(
        `environment variable ${name} would hold a secret in plaintext`,
      );
    }
  });

  it('accepts the ARNs that name those secrets, and plain settings', () => {
    expect(() =>
      assertNoPlaintextSecrets({
        DATABASE_SECRET_ARN: 'arn',
        DATABASE_API_USER_SECRET_ARN: 'arn',
        JWT_SECRET_ARN: 'arn',
        MFA_ENCRYPTION_KEY_SECRET_ARN: 'arn',
        JWT_PREVIOUS_PUBLIC_KEYS: '[]',
        AWS_REGION: 'eu-west-1',
        S3_BUCKET: 'b',
      }),
    ).not.toThrow();
  });
});

describe('assertOrigins', () => {
  it('accepts bare origins and refuses a wildcard anywhere, a path, or no scheme', () => {
    expect(() => assertOrigins(['https://app.example.com', 'http://localhost:3001'])).not.toThrow();
    for (const origin of ['*', 'https://*.example.com', 'https://app.example.com/path', 'app.example.com']) {
      expect(() => assertOrigins([origin]), origin).toThrow(/must be an origin/);
    }
  });
});

describe('Dns zone names', () => {
  const dns = (zoneName: string) => () =>
    new Dns(new Stack(new App(), 'S'), 'Dns', { zoneName, hostedZoneId: 'Z0123456789ABC' });

  it('takes a domain of two labels or more, and refuses a single label or a bad one', () => {
    expect(dns('example.com')).not.toThrow();
    expect(dns('api.example.co.uk.')).not.toThrow();
    for (const zoneName of ['example', '-bad.example.com', 'exa mple.com', 'example..com']) {
      expect(dns(zoneName), zoneName).toThrow('is not a DNS zone name');
    }
  });
});
