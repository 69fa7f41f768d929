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
 * Nor later because of the mail: the work is handed the instant its answer is due ({@link answerBy}),
 * and a mail it sends is waited for no longer than that (`MailService.sendBefore`), so a slow SES
 * does not stretch the answers of existing accounts only.
 */
@Injectable()
export class UniformResponse {
  constructor(
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Runs `work`, then waits out the rest of the floor (also when it throws). `work` receives the
   * instant the answer is due (see {@link answerBy}).
   */
  async run<T>(work: (answerBy: number | undefined) => Promise<T>): Promise<T> {
    const started = this.clock.now().getTime();
    try {
      return await work(this.answerBy(started));
    } finally {
      await this.padFrom(started);
    }
  }

  /**
   * When the answer to work that started at `started` (epoch ms) is due: the end of the floor.
   * Undefined when AUTH_UNIFORM_RESPONSE_MS is 0: nothing is padded, so nothing needs cutting short.
   */
  answerBy(started: number): number | undefined {
    const floorMs = this.config.auth.uniformResponseMs;
    return floorMs > 0 ? started + floorMs : undefined;
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
