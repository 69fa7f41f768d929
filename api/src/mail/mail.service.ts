import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.module.js';
import { MailRepository } from './mail.repository.js';
import type { RenderedMail } from './mail.templates.js';

/** Sends rendered templates through whichever driver is configured. */
@Injectable()
export class MailService {
  constructor(
    @Inject(MailRepository) private readonly mail: MailRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Never throws: a failed send is logged, not surfaced, so no answer reveals or depends on
   * delivery (an account-neutral 202 must not turn into a 500 for existing accounts only).
   */
  async send(to: string, rendered: RenderedMail): Promise<void> {
    try {
      await this.mail.send({ to, ...rendered });
    } catch (error) {
      this.logger.error({ err: error, subject: rendered.subject }, 'sending mail failed');
    }
  }
}
