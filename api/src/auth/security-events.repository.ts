import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { PageCursor } from '../common/validation/page-cursor.dto.js';
import { type BatchedDeleteOptions, deleteCreatedBefore } from '../database/batched-delete.js';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { SecurityEventsTable, SecurityEventType } from '../database/database.types.js';
import type { DatabaseHandle } from '../database/database-handle.js';

/** One stored event, `byAdmin` read as a boolean on both engines. */
export type SecurityEventRow = Omit<Selectable<SecurityEventsTable>, 'byAdmin'> & {
  readonly byAdmin: boolean;
};

/** An event to store (see `SecurityActivityService.event`). */
export interface NewSecurityEventRow {
  readonly id: string;
  readonly userId: string;
  readonly type: SecurityEventType;
  readonly createdAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly detail: string | null;
  readonly byAdmin: boolean;
}

/** `security_events`: an account's security activity. */
@Injectable()
export class SecurityEventsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * Runs `change` and stores the events it resolves to in one transaction: the change's writes
   * and their record commit together or not at all. `change` must do every query on the
   * transaction it is given (a Lambda's pool has one connection).
   */
  async withEvents<T>(
    change: (trx: Database) => Promise<T>,
    eventsOf: (result: T) => readonly NewSecurityEventRow[],
  ): Promise<T> {
    return this.database.transaction(async (trx) => {
      const result = await change(trx);
      await this.insert(eventsOf(result), trx);
      return result;
    });
  }

  /** Stores events inside `db`, the transaction of the writes they describe (never on their own). */
  async insert(events: readonly NewSecurityEventRow[], db: Database): Promise<void> {
    if (events.length === 0) return;
    await db
      .insertInto('securityEvents')
      .values([...events])
      .execute();
  }

  /** The user agents of the account's latest `limit` sign-ins, newest first. */
  async recentSignInUserAgents(userId: string, limit: number): Promise<(string | null)[]> {
    const db = await this.database.get();
    const rows = await db
      .selectFrom('securityEvents')
      .select('userAgent')
      .where('userId', '=', userId)
      .where('type', '=', 'signed_in')
      .orderBy('createdAt', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => row.userAgent);
  }

  /** The account's events, newest first, after `cursor`. */
  async listByUser(
    userId: string,
    options: { cursor?: PageCursor; limit: number },
  ): Promise<SecurityEventRow[]> {
    const db = await this.database.get();
    let query = db.selectFrom('securityEvents').selectAll().where('userId', '=', userId);
    const { cursor } = options;
    if (cursor) {
      query = query.where((eb) =>
        eb.or([
          eb('createdAt', '<', cursor.createdAt),
          eb.and([eb('createdAt', '=', cursor.createdAt), eb('id', '<', cursor.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map((row) => ({ ...row, byAdmin: Boolean(row.byAdmin) }));
  }

  /** Deletes the events recorded before `before`, `batchSize` at a time; resolves to how many. */
  async deleteOlderThan(
    before: Date,
    { batchSize = 1000, mayContinue }: BatchedDeleteOptions = {},
  ): Promise<number> {
    return deleteCreatedBefore(await this.database.get(), 'securityEvents', before, batchSize, mayContinue);
  }
}
