import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2;

/** OWASP's argon2id baseline: 19 MiB memory, 2 iterations, 1 lane. */
export const ARGON2_PARAMETERS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * An argon2id hash, with {@link ARGON2_PARAMETERS}, of a random password nobody kept. Sign-in
 * verifies unknown, password-less and locked accounts against it, so they cost what a wrong
 * password costs. A constant rather than hashed on first use: that made the first such sign-in of
 * every fresh process (every new Lambda environment) pay a hash and a verify, ~60 ms more than a
 * wrong password. Its spec checks the parameters still match.
 */
export const UNUSABLE_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$Y2xyCXFmr2XLHcdufb4aNQ$b7OfMg1emq4xY2SKHWIyiKiLsFMuEz1/zKz6NUwL0Ho';

/**
 * Randomness, hashing and comparisons. Every secret the API hands out is high-entropy random and
 * stored only as a SHA-256 digest (looked up by digest, so no comparison leaks timing); passwords
 * use argon2id.
 */
@Injectable()
export class CryptoRepository {
  // The native binding (a dlopen plus its loader) is read on the first password operation, so a
  // Lambda cold start that answers anything else never pays for it.
  private argon2: Promise<typeof import('@node-rs/argon2')> | undefined;

  uuid(): string {
    return randomUUID();
  }

  /** `bytes` of randomness, base64url-encoded (32 bytes = 256 bits). */
  randomToken(bytes = 32): string {
    return randomBytes(bytes).toString('base64url');
  }

  /** `count` random bytes (an authenticator secret, a recovery code). */
  randomBytes(count: number): Buffer {
    return randomBytes(count);
  }

  /** A uniformly random numeric code with `digits` digits, zero-padded. */
  randomDigits(digits: number): string {
    return randomInt(0, 10 ** digits)
      .toString()
      .padStart(digits, '0');
  }

  sha256(value: string): string {
    return createHash('sha256').update(value).digest('hex');
  }

  /** Constant-time string equality (compares digests so lengths do not leak either). */
  constantTimeEquals(a: string, b: string): boolean {
    return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
  }

  async hashPassword(password: string): Promise<string> {
    const { hash } = await this.loadArgon2();
    return hash(password, ARGON2_PARAMETERS);
  }

  async verifyPassword(passwordHash: string, password: string): Promise<boolean> {
    const { verify } = await this.loadArgon2();
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  private loadArgon2(): Promise<typeof import('@node-rs/argon2')> {
    this.argon2 ??= import('@node-rs/argon2');
    return this.argon2;
  }

  /** True when a stored hash was made with other parameters than today's (rehash on next login). */
  passwordNeedsRehash(passwordHash: string): boolean {
    const { memoryCost, timeCost, parallelism } = ARGON2_PARAMETERS;
    return !passwordHash.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
  }
}
