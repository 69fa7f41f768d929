import { Inject, Injectable } from '@nestjs/common';
import type { Insertable, Selectable } from 'kysely';
import { type BatchedDeleteOptions, deleteExpiredBefore } from '../database/batched-delete.js';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { PendingRegistrationsTable } from '../database/database.types.js';
import type { DatabaseHandle } from '../database/database-handle.js';

export type PendingRegistrationRow = Selectable<PendingRegistrationsTable>;
export type NewPendingRegistrationRow = Insertable<PendingRegistrationsTable>;

/**
 * Registrations waiting for their emailed link (`pending_registrations`). An address may have
 * several (its owner's and someone else's): a new one retires none and no link is ever renewed, so
 * nobody can void the owner's link or keep their own registration alive past its 24 h; the first
 * link opened makes the account, which ends the rest.
 */
@Injectable()
export class PendingRegistrationsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async create(row: NewPendingRegistrationRow): Promise<void> {
    await (await this.database.get()).insertInto('pendingRegistrations').values(row).execute();
  }

  /** The live registration a link's token belongs to, if any. */
  async findLive(tokenHash: string, now: Date): Promise<PendingRegistrationRow | undefined> {
    return (await this.database.get())
      .selectFrom('pendingRegistrations')
      .selectAll()
      .where('tokenHash', '=', tokenHash)
      .where('expiresAt', '>', now)
      .executeTakeFirst();
  }

  /**
   * Ends every registration of `email` inside `trx`, the transaction that makes its account; true
   * when the one with `tokenHash` was among them (false: another use of the link got there first).
   */
  async consumeAll(email: string, tokenHash: string, trx: Database): Promise<boolean> {
    const rows = await trx
      .selectFrom('pendingRegistrations')
      .select(['id', 'tokenHash'])
      .where('email', '=', email)
      .forUpdate()
      .execute();
    if (!rows.some((row) => row.tokenHash === tokenHash)) return false;
    await trx.deleteFrom('pendingRegistrations').where('email', '=', email).execute();
    return true;
  }

  /**
   * Counts one password given with the link, before it is checked, so guesses made at once cannot
   * exceed `max`; false once `max` were spent (the registration is then of no use: delete it).
   */
  async spendAttempt(id: string, max: number): Promise<boolean> {
    const { numUpdatedRows } = await (await this.database.get())
      .updateTable('pendingRegistrations')
      // The expression builder, not kysely's `sql` tag: a value import would load Kysely at a Lambda's init.
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('attempts', '<', max)
      .executeTakeFirst();
    return numUpdatedRows > 0n;
  }

  /** Deletes every registration of an address that has an account now. */
  async deleteForEmail(email: string): Promise<void> {
    await (await this.database.get()).deleteFrom('pendingRegistrations').where('email', '=', email).execute();
  }

  /** Deletes one registration (its link was opened, and the account could not be made). */
  async delete(id: string): Promise<void> {
    await (await this.database.get()).deleteFrom('pendingRegistrations').where('id', '=', id).execute();
  }

  /** Deletes registrations that expired before `before`, `batchSize` at a time; returns how many. */
  async deleteExpired(
    before: Date,
    { batchSize = 1000, mayContinue }: BatchedDeleteOptions = {},
  ): Promise<number> {
    const db = await this.database.get();
    return deleteExpiredBefore(db, 'pendingRegistrations', before, batchSize, mayContinue);
  }
}
