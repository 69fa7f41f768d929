import { Inject, Injectable } from '@nestjs/common';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { NewUserRow, UserRow, UserUpdate } from '../database/database.types.js';
import { isUniqueViolation } from '../database/database-errors.js';

/** Which unique column an insert collided with. */
export type UniqueUserField = 'email' | 'username';

/** All reads and writes of `users`. */
@Injectable()
export class UsersRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  /**
   * Inserts a user. Returns the colliding field instead of throwing when email or username is
   * already taken (including a race lost to a concurrent registration).
   */
  async create(user: NewUserRow): Promise<UniqueUserField | undefined> {
    try {
      await this.db.insertInto('users').values(user).execute();
      return undefined;
    } catch (error) {
      const field = uniqueViolationField(error);
      if (field) return field;
      throw error;
    }
  }

  async update(id: string, changes: UserUpdate): Promise<void> {
    await this.db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  /**
   * Atomically counts one failed sign-in and returns the new count (0 for an unknown id, which
   * still does the same queries: sign-in uses that to take equal time for unknown accounts).
   */
  async incrementFailedLogins(id: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('users')
        .select('failedLoginCount')
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      const count = row ? row.failedLoginCount + 1 : 0;
      await trx.updateTable('users').set({ failedLoginCount: count }).where('id', '=', id).execute();
      return count;
    });
  }
}

/** Recognises unique-constraint violations of users.email / users.username on PostgreSQL and MySQL. */
export function uniqueViolationField(error: unknown): UniqueUserField | undefined {
  if (!(error instanceof Error)) return undefined;
  if (!isUniqueViolation(error)) return undefined;
  const { constraint } = error as { constraint?: unknown };
  const where = `${typeof constraint === 'string' ? constraint : ''} ${error.message}`;
  if (where.includes('email')) return 'email';
  if (where.includes('username')) return 'username';
  return undefined;
}
