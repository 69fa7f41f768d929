import { Inject, Injectable } from '@nestjs/common';
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { MailQueueTable } from '../database/database.types.js';
import type { DatabaseHandle } from '../database/database-handle.js';

/** A queued mail as stored. */
export type QueuedMailRow = Selectable<MailQueueTable>;
export type NewQueuedMailRow = Insertable<MailQueueTable>;

/** The `mail_queue` table: mail waiting for its first or next delivery attempt. */
@Injectable()
export class MailQueueRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** Queues a mail; in `db` when it is the transaction of the change the mail is about. */
  async insert(row: NewQueuedMailRow, db?: Database): Promise<void> {
    await (db ?? (await this.database.get())).insertInto('mailQueue').values(row).execute();
  }

  /**
   * Takes up to `limit` mails due at `now` for one delivery attempt each: a mail is taken by moving
   * its next attempt to `leaseUntil`, only if it is still due, so of two passes (two servers, a
   * server and a slow Lambda run) only one gets it. Oldest due first.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<QueuedMailRow[]> {
    const db = await this.database.get();
    const due = await db
      .selectFrom('mailQueue')
      .selectAll()
      .where('nextAttemptAt', '<=', now)
      .orderBy('nextAttemptAt')
      .limit(limit)
      .execute();
    const claimed: QueuedMailRow[] = [];
    for (const row of due) {
      const { numUpdatedRows } = await db
        .updateTable('mailQueue')
        .set({ nextAttemptAt: leaseUntil })
        .where('id', '=', row.id)
        .where('nextAttemptAt', '<=', now)
        .executeTakeFirst();
      if (numUpdatedRows > 0n) claimed.push({ ...row, nextAttemptAt: leaseUntil });
    }
    return claimed;
  }

  /** Removes a mail from the queue (delivered, or given up). */
  async delete(id: string): Promise<void> {
    await (await this.database.get()).deleteFrom('mailQueue').where('id', '=', id).execute();
  }

  /** Records a failed attempt and when the next one is due. */
  async reschedule(id: string, attempts: number, nextAttemptAt: Date, lastError: string): Promise<void> {
    await (await this.database.get())
      .updateTable('mailQueue')
      .set({ attempts, nextAttemptAt, lastError: lastError.slice(0, 500) })
      .where('id', '=', id)
      .execute();
  }
}
