import { describe, expect, it } from 'vitest';
import { apiUserCredentialsFromSecret, scramSha256Verifier } from './api-user.js';

// What the grants do on real servers: test/medium/api-user.test.ts.
describe('the API user secret', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-user';

  it('reads the RDS-shaped secret', () => {
    expect(
      apiUserCredentialsFromSecret(
        { username: 'cloudnest_api', password: 'Abc-def.ghi_jkl,mno', host: 'h' },
        arn,
      ),
    ).toEqual({ username: 'cloudnest_api', password: 'Abc-def.ghi_jkl,mno' });
  });

  it.each([
    [{ password: 'Abc-def.ghi_jkl,mno' }, 'username must be'],
    [{ username: 'Robert"; drop', password: 'Abc-def.ghi_jkl,mno' }, 'username must be'],
    [{ username: 'pg_monitor', password: 'Abc-def.ghi_jkl,mno' }, 'username must be'],
    [{ username: 'rdsadmin', password: 'Abc-def.ghi_jkl,mno' }, 'username must be'],
    [{ username: 'a'.repeat(33), password: 'Abc-def.ghi_jkl,mno' }, 'username must be'],
    [{ username: 'cloudnest_api' }, 'password must be'],
    [{ username: 'cloudnest_api', password: 'short' }, 'password must be'],
    [{ username: 'cloudnest_api', password: "it's-a-quote-0123456" }, 'password must be'],
    [{ username: 'cloudnest_api', password: 'back\\slash-0123456789' }, 'password must be'],
    [{ username: 'cloudnest_api', password: 'has space 0123456789' }, 'password must be'],
  ])('refuses %j, naming the secret and not the value', (secret, message) => {
    const attempt = () => apiUserCredentialsFromSecret(secret, arn);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(arn);
    const { password } = secret as { password?: string };
    if (password !== undefined) expect(attempt).not.toThrow(password);
  });
});

describe('scramSha256Verifier', () => {
  it("writes PostgreSQL's stored SCRAM form, salted afresh each time", () => {
    const verifier = scramSha256Verifier('pencil-pencil-pencil');
    expect(verifier).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/,
    );
    expect(verifier).not.toContain('pencil');
    expect(scramSha256Verifier('pencil-pencil-pencil')).not.toBe(verifier);
  });

  it('derives the keys from the password and salt (same inputs, same verifier)', () => {
    const salt = Buffer.alloc(16, 7);
    expect(scramSha256Verifier('pencil-pencil-pencil', salt)).toBe(
      scramSha256Verifier('pencil-pencil-pencil', salt),
    );
    expect(scramSha256Verifier('pencil-pencil-pencil', salt)).not.toBe(
      scramSha256Verifier('pencil-pencil-pencil2', salt),
    );
  });
});
