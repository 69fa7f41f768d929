import { Inject, Injectable } from '@nestjs/common';
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { PasskeysTable } from '../database/database.types.js';
import { isUniqueViolation } from '../database/database-errors.js';
import type { DatabaseHandle } from '../database/database-handle.js';

export type PasskeyRow = Selectable<PasskeysTable>;

/** An account's passkeys (WebAuthn credentials): their public keys and how they were last used. */
@Injectable()
export class PasskeysRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** The account's passkeys, newest first. */
  async listByUser(userId: string): Promise<PasskeyRow[]> {
    const db = await this.database.get();
    return db
      .selectFrom('passkeys')
      .selectAll()
      .where('userId', '=', userId)
      .orderBy('createdAt', 'desc')
      .orderBy('id')
      .execute();
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
    const db = await this.database.get();
    return db.selectFrom('passkeys').selectAll().where('credentialId', '=', credentialId).executeTakeFirst();
  }

  /**
   * Stores a new passkey unless the account already has `limit` of them; 'duplicate' when the
   * credential is registered already (to this account or another).
   */
  async create(
    row: Insertable<PasskeysTable>,
    limit: number,
    within?: Database,
  ): Promise<'created' | 'limit' | 'duplicate'> {
    try {
      return await this.database.transaction(async (trx) => {
        // Locks the account's row so two registrations at once cannot both pass the count.
        await trx.selectFrom('users').select('id').where('id', '=', row.userId).forUpdate().execute();
        const { count } = await trx
          .selectFrom('passkeys')
          .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
          .where('userId', '=', row.userId)
          .executeTakeFirstOrThrow();
        if (Number(count) >= limit) return 'limit';
        await trx.insertInto('passkeys').values(row).execute();
        return 'created';
      }, within);
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /**
   * Renames one of the account's passkeys; resolves to it renamed, or undefined when it has none by
   * that id. Found and locked first, which also gives the row to answer with (the update's row
   * count would do for "found" on both engines: mysql2 asks MySQL for matched, not changed, rows).
   */
  async rename(userId: string, id: string, name: string): Promise<PasskeyRow | undefined> {
    return this.database.transaction(async (trx) => {
      const row = await lockOwnPasskey(trx, userId, id);
      if (!row) return undefined;
      await trx.updateTable('passkeys').set({ name }).where('id', '=', id).execute();
      return { ...row, name };
    });
  }

  /** Deletes every passkey of the account, inside the caller's transaction. */
  async deleteAllOf(userId: string, trx: Database): Promise<void> {
    await trx.deleteFrom('passkeys').where('userId', '=', userId).execute();
  }

  /** Deletes one of the account's passkeys; resolves to it, or undefined when it has none by that id. */
  async delete(userId: string, id: string, within?: Database): Promise<PasskeyRow | undefined> {
    return this.database.transaction(async (trx) => {
      const row = await lockOwnPasskey(trx, userId, id);
      if (row) await trx.deleteFrom('passkeys').where('id', '=', id).execute();
      return row;
    }, within);
  }

  /**
   * Records a sign-in: the authenticator's new signature counter, only if no other sign-in stored
   * a later one meanwhile (a counter that stops growing means a cloned authenticator); false then.
   */
  async recordUse(id: string, previousCounter: number, counter: number, now: Date): Promise<boolean> {
    const db = await this.database.get();
    const result = await db
      .updateTable('passkeys')
      .set({ counter, lastUsedAt: now })
      .where('id', '=', id)
      .where('counter', '=', previousCounter)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}

/** The account's passkey `id`, locked until `trx` ends; undefined when the account has none by that id. */
function lockOwnPasskey(trx: Database, userId: string, id: string): Promise<PasskeyRow | undefined> {
  return trx
    .selectFrom('passkeys')
    .selectAll()
    .where('id', '=', id)
    .where('userId', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}
