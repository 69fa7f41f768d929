import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { CryptoRepository, UNUSABLE_PASSWORD_HASH } from './crypto.repository.js';

const crypto = new CryptoRepository();

describe('CryptoRepository', () => {
  it('makes 256-bit url-safe tokens that do not repeat', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => crypto.randomToken(32)));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('makes zero-padded numeric codes of the requested length', () => {
    for (let i = 0; i < 200; i++) expect(crypto.randomDigits(6)).toMatch(/^\d{6}$/);
  });

  it('compares in constant time and answers correctly for equal, different and different-length inputs', () => {
    expect(crypto.constantTimeEquals('abc', 'abc')).toBe(true);
    expect(crypto.constantTimeEquals('abc', 'abd')).toBe(false);
    expect(crypto.constantTimeEquals('abc', 'abcd')).toBe(false);
  });

  it('hashes passwords with argon2id at OWASP parameters and verifies them', async () => {
    const stored = await crypto.hashPassword('a fine passphrase');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await crypto.verifyPassword(stored, 'a fine passphrase')).toBe(true);
    expect(await crypto.verifyPassword(stored, 'another passphrase')).toBe(false);
    expect(await crypto.verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('flags hashes made with other parameters for rehashing', async () => {
    const weak = await hash('pw', { memoryCost: 4096, timeCost: 1, parallelism: 1, algorithm: 2 });
    expect(crypto.passwordNeedsRehash(weak)).toBe(true);
    expect(crypto.passwordNeedsRehash(await crypto.hashPassword('pw'))).toBe(false);
  });

  it('keeps the unusable hash at the current parameters, so verifying against it costs what a real one does', async () => {
    expect(crypto.passwordNeedsRehash(UNUSABLE_PASSWORD_HASH)).toBe(false);
    // A well-formed hash: verify runs in full and says no (a malformed one fails fast).
    expect(await crypto.verifyPassword(UNUSABLE_PASSWORD_HASH, 'a fine passphrase')).toBe(false);
    expect(UNUSABLE_PASSWORD_HASH).toMatch(
      /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
  });
});
