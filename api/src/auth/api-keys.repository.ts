import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { ApiKeysTable } from '../database/database.types.js';
import type { DatabaseHandle } from '../database/database-handle.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

/** API keys, stored as SHA-256 digests with a short visible prefix for identification. */
@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** Inside `within` when that is a caller's transaction. */
  async create(key: Omit<ApiKeyRow, 'lastUsedAt' | 'revokedAt'>, within?: Database): Promise<void> {
    const db = within ?? (await this.database.get());
    await db.insertInto('apiKeys').values(key).execute();
  }

  async listActive(userId: string): Promise<ApiKeyRow[]> {
    const db = await this.database.get();
    return db
      .selectFrom('apiKeys')
      .selectAll()
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .orderBy('createdAt', 'desc')
      .execute();
  }

  /** The active key with this digest, with its owner's status. */
  async findActiveByHash(keyHash: string) {
    const db = await this.database.get();
    return db
      .selectFrom('apiKeys')
      .innerJoin('users', 'users.id', 'apiKeys.userId')
      .select(['apiKeys.id', 'apiKeys.userId', 'apiKeys.scopes', 'users.disabledAt', 'users.deletedAt'])
      .where('apiKeys.keyHash', '=', keyHash)
      .where('apiKeys.revokedAt', 'is', null)
      .executeTakeFirst();
  }

  async touch(id: string, now: Date): Promise<void> {
    const db = await this.database.get();
    await db.updateTable('apiKeys').set({ lastUsedAt: now }).where('id', '=', id).execute();
  }

  /** Revokes every active key of the user, inside the caller's transaction. */
  async revokeAllOf(userId: string, now: Date, trx: Database): Promise<void> {
    await trx
      .updateTable('apiKeys')
      .set({ revokedAt: now })
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .execute();
  }

  /**
   * Revokes one of the user's active keys; resolves to its name, or undefined when the user has no
   * active key by that id. Inside `within` when that is a caller's transaction.
   */
  async revoke(userId: string, id: string, now: Date, within?: Database): Promise<string | undefined> {
    return this.database.transaction(async (trx) => {
      const key = await trx
        .selectFrom('apiKeys')
        .select('name')
        .where('id', '=', id)
        .where('userId', '=', userId)
        .where('revokedAt', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (!key) return undefined;
      await trx.updateTable('apiKeys').set({ revokedAt: now }).where('id', '=', id).execute();
      return key.name;
    }, within);
  }
}
