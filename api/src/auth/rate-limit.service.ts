import { Inject, Injectable } from '@nestjs/common';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig, RateLimitRule } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RateLimitRepository } from './rate-limit.repository.js';

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
      // Keys embed user input (emails); long ones are digested to fit the column.
      const stored = key.length > 150 ? `${name}:#${this.crypto.sha256(key)}` : `${name}:${key}`;
      const decision = await this.limits.consume(stored, rule.limit, rule.windowSeconds, now);
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
   * Deletes the counters whose window has ended under every rule (housekeeping); resolves to how
   * many. Their keys hold addresses and sign-in identifiers, and without this every address that
   * ever signed in, and every email anyone typed, kept a row. Runs whether or not limits are on:
   * rows from before they were turned off go too. `mayContinue` is asked before each batch
   * (`BatchedDeleteOptions`).
   */
  pruneEndedWindows(mayContinue?: () => boolean): Promise<number> {
    const { signIn, email, refresh } = this.config.auth.rateLimits;
    const longest = Math.max(signIn.windowSeconds, email.windowSeconds, refresh.windowSeconds);
    return this.limits.prune(new Date(this.clock.now().getTime() - longest * 1000), { mayContinue });
  }
}
