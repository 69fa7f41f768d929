import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/**
 * Answers whose words are the same whether or not an account exists, though the work behind them
 * is not (for an existing one a token write and a mail send: with SES a network round trip), come
 * no sooner than AUTH_UNIFORM_RESPONSE_MS after the work started, so the time does not tell either.
 */
@Injectable()
export class UniformResponse {
  constructor(
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs `work`, then waits out the rest of the floor (also when it throws). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const started = this.clock.now().getTime();
    try {
      return await work();
    } finally {
      await this.padFrom(started);
    }
  }

  /** Waits out the rest of AUTH_UNIFORM_RESPONSE_MS since `started`; says so when the work took longer. */
  async padFrom(started: number): Promise<void> {
    const floorMs = this.config.auth.uniformResponseMs;
    const elapsedMs = this.clock.now().getTime() - started;
    if (elapsedMs < floorMs) {
      await this.clock.sleep(floorMs - elapsedMs);
    } else if (floorMs > 0 && elapsedMs > floorMs) {
      this.logger.warn(
        { elapsedMs, floorMs },
        'an account-neutral answer took longer than AUTH_UNIFORM_RESPONSE_MS, so its timing may tell whether the account exists: raise it',
      );
    }
  }
}
