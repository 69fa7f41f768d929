import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type BatchedDeleteOptions, deleteCreatedBefore } from '../database/batched-delete.js';
import { DATABASE } from '../database/database.module.js';
import type { DatabaseHandle } from '../database/database-handle.js';
import { type MailMessage, MailRepository } from './mail.repository.js';

/** A stored message as `GET /dev/outbox` shows it. */
export interface OutboxEntry {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  createdAt: string;
}

/**
 * The local driver: keeps each message in the `outbox` table instead of sending it. In
 * development it also logs a one-line summary with the link or code so you can click through;
 * in any other environment nothing about the message is logged.
 */
@Injectable()
export class OutboxMailRepository extends MailRepository {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async send(message: MailMessage): Promise<void> {
    const db = await this.database.get();
    await db
      .insertInto('outbox')
      .values({
        id: this.crypto.uuid(),
        toAddress: message.to,
        subject: message.subject,
        textBody: message.text,
        htmlBody: message.html,
        createdAt: this.clock.now(),
      })
      .execute();
    // Subjects can carry codes, so only development (a person at the terminal) sees any content.
    const summary = this.config.env === 'development' ? `: ${message.devSummary}` : '';
    this.logger.info(`mail stored in outbox${summary}`);
  }

  /**
   * Deletes the mail stored before `cutoff`, `batchSize` at a time (the first run after an upgrade
   * meets every message ever kept); returns how many.
   */
  async deleteOlderThan(
    cutoff: Date,
    { batchSize = 1000, mayContinue }: BatchedDeleteOptions = {},
  ): Promise<number> {
    return deleteCreatedBefore(await this.database.get(), 'outbox', cutoff, batchSize, mayContinue);
  }

  /** Newest first, optionally only mail to one address. */
  async list(to: string | undefined, limit: number): Promise<OutboxEntry[]> {
    const db = await this.database.get();
    let query = db.selectFrom('outbox').selectAll().orderBy('createdAt', 'desc').limit(limit);
    if (to) query = query.where('toAddress', '=', to);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: row.id,
      to: row.toAddress,
      subject: row.subject,
      text: row.textBody,
      html: row.htmlBody,
      createdAt: row.createdAt.toISOString(),
    }));
  }
}
