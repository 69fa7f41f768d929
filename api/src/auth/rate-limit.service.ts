import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig, RateLimitRule } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RateLimitRepository } from './rate-limit.repository.js';

const DAY_SECONDS = 24 * 60 * 60;

/** Which configured limit applies. */
export type RateLimitName = 'signIn' | 'email' | 'refresh';

/** Enforces the configured limits; throws 429 RATE_LIMITED with Retry-After when one is exceeded. */
@Injectable()
export class RateLimitService {
  constructor(
    @Inject(RateLimitRepository) private readonly limits: RateLimitRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
  ) {}

  /** Counts one request against every key (e.g. per IP and per account) under the named rule. */
  async consume(name: RateLimitName, ...keys: string[]): Promise<void> {
    const settings = this.config.auth.rateLimits;
    if (!settings.enabled) return;
    const rule: RateLimitRule = settings[name];
    const now = this.clock.now();
    for (const key of keys) {
      const decision = await this.limits.consume(
        this.storedKey(name, key),
        rule.limit,
        rule.windowSeconds,
        now,
      );
      if (!decision.allowed) {
        throw new AppError(
          'RATE_LIMITED',
          `Too many requests; retry in ${decision.retryAfterSeconds} s.`,
          { retryAfterSeconds: decision.retryAfterSeconds },
          { 'retry-after': String(decision.retryAfterSeconds) },
        );
      }
    }
  }

  /**
   * Counts one emailed-code attempt for an address that has no account, and says whether the
   * address still has guesses left: `AUTH_LOCKOUT_THRESHOLD` per `AUTH_LOCKOUT_MINUTES`, what an
   * account gets before its lockout. Such an address has no lockout of its own, so with sign-up by
   * code its guesses were bounded only by the per-address request limit, ~21,600 a day at codes
   * that create an account (found in review, 2026-12-07). Not switched off with
   * `RATE_LIMIT_ENABLED`, as the lockout is not; the caller answers a spent budget as it answers a
   * locked account (INVALID_CODE), not with a 429 that would tell the two apart.
   */
  async codeGuessesLeft(address: string): Promise<boolean> {
    const { lockoutThreshold, lockoutMinutes } = this.config.auth;
    const decision = await this.limits.consume(
      this.storedKey('codeGuesses', address),
      lockoutThreshold,
      lockoutMinutes * 60,
      this.clock.now(),
    );
    return decision.allowed;
  }

  /**
   * Whether the account may still try second-step codes: twice `AUTH_LOCKOUT_THRESHOLD` wrong ones
   * a day. They count towards the lockout too, but a password reset lifts that (a stranger's wrong
   * emailed codes can lock any account, and the reset is the owner's way back), so whoever holds
   * the mailbox could reset, sign in and guess again, ten codes per reset, ~30 a minute (found in
   * review, 2026-12-07). Only a challenge, which takes the first factor, spends this budget, and
   * nothing but the day's end restores it. Kept with `RATE_LIMIT_ENABLED=false`, as the lockout is.
   */
  async secondStepGuessesLeft(userId: string): Promise<boolean> {
    const count = await this.limits.peek(this.storedKey('secondStep', userId), DAY_SECONDS, this.clock.now());
    return count < this.config.auth.lockoutThreshold * 2;
  }

  /** Counts one wrong second-step code of the account ({@link secondStepGuessesLeft}). */
  async recordWrongSecondStep(userId: string): Promise<void> {
    await this.limits.consume(
      this.storedKey('secondStep', userId),
      this.config.auth.lockoutThreshold * 2,
      DAY_SECONDS,
      this.clock.now(),
    );
  }

  /** `<name>:<key>`. Keys embed user input (emails); long ones are digested to fit the column. */
  private storedKey(name: string, key: string): string {
    return key.length > 150 ? `${name}:#${this.crypto.sha256(key)}` : `${name}:${key}`;
  }

  /**
   * Deletes the counters whose window has ended under every rule (housekeeping); resolves to how
   * many. Their keys hold addresses and sign-in identifiers, and without this every address that
   * ever signed in, and every email anyone typed, kept a row. Runs whether or not limits are on:
   * rows from before they were turned off go too. `mayContinue` is asked before each batch
   * (`BatchedDeleteOptions`).
   */
  pruneEndedWindows(mayContinue?: () => boolean): Promise<number> {
    const { signIn, email, refresh } = this.config.auth.rateLimits;
    const longest = Math.max(signIn.windowSeconds, email.windowSeconds, refresh.windowSeconds);
    const now = this.clock.now().getTime();
    const before = (seconds: number) => new Date(now - seconds * 1000);
    // The guess budgets count over their own, longer windows: pruned at the rules' longest, a
    // budget would start over early.
    return this.limits.prune(before(longest), {
      mayContinue,
      longerWindows: [
        {
          prefix: 'codeGuesses:',
          olderThan: before(Math.max(longest, this.config.auth.lockoutMinutes * 60)),
        },
        { prefix: 'secondStep:', olderThan: before(Math.max(longest, DAY_SECONDS)) },
      ],
    });
  }
}
