import { describe, expect, it } from 'vitest';
import { assertNoPlaintextSecrets } from '../lib/validation.js';

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
