import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { ApiKeysTable } from '../database/database.types.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

/** API keys, stored as SHA-256 digests with a short visible prefix for identification. */
@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async create(key: Omit<ApiKeyRow, 'lastUsedAt' | 'revokedAt'>): Promise<void> {
    await this.db.insertInto('apiKeys').values(key).execute();
  }

  listActive(userId: string): Promise<ApiKeyRow[]> {
    return this.db
      .selectFrom('apiKeys')
      .selectAll()
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .orderBy('createdAt', 'desc')
      .execute();
  }

  /** The active key with this digest, with its owner's status. */
  findActiveByHash(keyHash: string) {
    return this.db
      .selectFrom('apiKeys')
      .innerJoin('users', 'users.id', 'apiKeys.userId')
      .select([
        'apiKeys.id',
        'apiKeys.userId',
        'apiKeys.scopes',
        'users.role',
        'users.disabledAt',
        'users.deletedAt',
      ])
      .where('apiKeys.keyHash', '=', keyHash)
      .where('apiKeys.revokedAt', 'is', null)
      .executeTakeFirst();
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.db.updateTable('apiKeys').set({ lastUsedAt: now }).where('id', '=', id).execute();
  }

  async revoke(userId: string, id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('apiKeys')
      .set({ revokedAt: now })
      .where('id', '=', id)
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
