import { Inject, Injectable } from '@nestjs/common';
import type { PageCursor } from '../common/validation/page-cursor.dto.js';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { NewUserRow, UserRow, UserUpdate } from '../database/database.types.js';
import { isUniqueViolation } from '../database/database-errors.js';
import type { DatabaseHandle } from '../database/database-handle.js';
import { PrecompiledQuery } from '../database/precompiled-query.js';

/** Which unique column an insert collided with. */
export type UniqueUserField = 'email' | 'username';

/** All reads and writes of `users`. */
@Injectable()
export class UsersRepository {
  // Runs behind every GET /auth/me and most user routes: compiled once (see PrecompiledQuery).
  private readonly byId: PrecompiledQuery<UserRow, [id: string]>;

  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {
    this.byId = new PrecompiledQuery(database, 1, (db, id) =>
      db.selectFrom('users').selectAll().where('id', '=', id),
    );
  }

  /**
   * Inside `within` when that is a caller's transaction: on a pool of one connection (a Lambda's)
   * a read through the pool while the transaction holds the connection would wait for ever.
   */
  findById(id: string, within?: Database): Promise<UserRow | undefined> {
    if (within) return within.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return this.byId.executeTakeFirst(id);
  }

  /**
   * The account's row, locked until the caller's transaction ends: a change that updates the row
   * (a new password, two-step sign-in turned on) waits for that transaction, or that transaction
   * waits for the change and reads what it wrote.
   */
  lockById(id: string, trx: Database): Promise<UserRow | undefined> {
    return trx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /**
   * Marks the account deleted unless it already is; false when it was (two deletions racing: the
   * second waited for the first's row lock and must not delete, notify or restart the 30 days again).
   */
  async markDeleted(id: string, now: Date, trx: Database): Promise<boolean> {
    const result = await trx
      .updateTable('users')
      .set({ deletedAt: now, updatedAt: now })
      .where('id', '=', id)
      .where('deletedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * The ids of the active administrators (not disabled, not deleted), their rows locked until the
   * caller's transaction ends, always in id order: two changes that each take an admin away wait
   * for one another instead of both passing a count made before either committed.
   * @param alongside an account whose row is locked with theirs, in the same order, whatever its
   *   role (the account a change is about, or one deleting itself): its role is then read under
   *   the lock, not from before it.
   */
  async lockActiveAdmins(trx: Database, alongside?: string): Promise<string[]> {
    // Found unlocked, then locked by primary key and checked again: no index serves `role`, and
    // MySQL's FOR UPDATE over the scan locked every row of the table, holding up every sign-in
    // until the admin change committed (found in review, 2026-12-07).
    const candidates = (await activeAdmins(trx).execute()).map((row) => row.id);
    const ids =
      alongside === undefined || candidates.includes(alongside) ? candidates : [...candidates, alongside];
    if (ids.length === 0) return [];
    // One statement, in id order, the account alongside in its place in that order: every
    // transaction that locks several accounts' rows takes them in that one order.
    const rows = await trx
      .selectFrom('users')
      .select(['id', 'role', 'disabledAt', 'deletedAt'])
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
    return rows
      .filter((row) => row.role === 'admin' && row.disabledAt === null && row.deletedAt === null)
      .map((row) => row.id);
  }

  /** The ids of the active administrators, unlocked: for a refusal checked before a transaction. */
  async activeAdminIds(): Promise<string[]> {
    const rows = await activeAdmins(await this.database.get()).execute();
    return rows.map((row) => row.id);
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const db = await this.database.get();
    return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async findByUsername(username: string): Promise<UserRow | undefined> {
    const db = await this.database.get();
    return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  /**
   * Inserts a user. Returns the colliding field instead of throwing when email or username is
   * already taken (including a race lost to a concurrent registration).
   */
  async create(
    user: NewUserRow,
    /** Further writes that must commit with the user or not at all (registration's first session). */
    sameTransaction?: (trx: Database) => Promise<void>,
  ): Promise<UniqueUserField | undefined> {
    const db = await this.database.get();
    try {
      if (sameTransaction) {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('users').values(user).execute();
          await sameTransaction(trx);
        });
      } else {
        await db.insertInto('users').values(user).execute();
      }
      return undefined;
    } catch (error) {
      const field = uniqueViolationField(error);
      if (field) return field;
      throw error;
    }
  }

  /** Inside `db` when that is a caller's transaction (as every write here that takes one). */
  async update(id: string, changes: UserUpdate, db?: Database): Promise<void> {
    const target = db ?? (await this.database.get());
    await target.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  /**
   * Replaces the password hash only while it is still `expected` (a rehash on sign-in): a reset or
   * change that committed since the row was read keeps its password. True when it was replaced.
   */
  async replacePasswordHash(id: string, expected: string, next: string, now: Date): Promise<boolean> {
    const db = await this.database.get();
    const result = await db
      .updateTable('users')
      .set({ passwordHash: next, updatedAt: now })
      .where('id', '=', id)
      .where('passwordHash', '=', expected)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Atomically counts one failed sign-in and returns the new count (0 for an unknown id, which
   * still does the same queries: sign-in uses that to take equal time for unknown accounts).
   */
  async incrementFailedLogins(id: string, db?: Database): Promise<number> {
    return this.database.transaction(async (trx) => {
      const row = await trx
        .selectFrom('users')
        .select('failedLoginCount')
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      const count = row ? row.failedLoginCount + 1 : 0;
      await trx.updateTable('users').set({ failedLoginCount: count }).where('id', '=', id).execute();
      return count;
    }, db);
  }

  // ---------------------------------------------------------------- profiles and administration

  /**
   * Updates profile fields; returns the colliding field instead of throwing when a username is
   * taken. `alongside` writes what must commit with the change (a replaced avatar's retirement).
   */
  async updateProfile(
    id: string,
    changes: UserUpdate,
    db?: Database,
    /** Runs in the change's transaction with the row as it was, locked, before the change. */
    alongside?: (trx: Database, before: UserRow | undefined) => Promise<void>,
  ): Promise<UniqueUserField | undefined> {
    try {
      await this.database.transaction(async (trx) => {
        const before = alongside ? await this.lockById(id, trx) : undefined;
        await this.update(id, changes, trx);
        await alongside?.(trx, before);
      }, db);
      return undefined;
    } catch (error) {
      const field = uniqueViolationField(error);
      if (field) return field;
      throw error;
    }
  }

  /** Newest first, after `cursor`; `prefix` matches the start of the email or the username. */
  async search(options: { prefix?: string; cursor?: PageCursor; limit: number }): Promise<UserRow[]> {
    const db = await this.database.get();
    let query = db.selectFrom('users').selectAll();
    if (options.prefix) {
      // LIKE's wildcards in the search text are matched literally (backslash is the default escape on both dialects).
      const pattern = `${options.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb('email', 'like', pattern), eb('username', 'like', pattern)]));
    }
    const cursor = options.cursor;
    if (cursor) {
      query = query.where((eb) =>
        eb.or([
          eb('createdAt', '<', cursor.createdAt),
          eb.and([eb('createdAt', '=', cursor.createdAt), eb('id', '<', cursor.id)]),
        ]),
      );
    }
    return query.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  }

  /** Accounts deleted before `cutoff` whose personal data is not erased yet. */
  async listDeletedBefore(cutoff: Date, limit: number): Promise<UserRow[]> {
    const db = await this.database.get();
    return db
      .selectFrom('users')
      .selectAll()
      .where('deletedAt', '<', cutoff)
      .where('purgedAt', 'is', null)
      .orderBy('deletedAt')
      .limit(limit)
      .execute();
  }

  /**
   * Erases a deleted account's personal data in one transaction: email and username become
   * placeholders no one can register (freeing both), profile and password are cleared, and
   * sessions (IPs, user agents), API keys, two-step sign-in secrets, passkeys, one-time tokens, the
   * security activity and mail the outbox driver kept for the address are deleted. The row stays
   * as a tombstone.
   */
  async erasePersonalData(account: Pick<UserRow, 'id'>, now: Date): Promise<void> {
    const db = await this.database.get();
    await db.transaction().execute(async (trx) => {
      // The row as it is now, locked, and not erased yet: a run that listed it before another
      // instance's run erased it would otherwise erase again with the listed address, which a new
      // account may hold by then, and delete that account's codes and links (found in review,
      // 2026-12-07).
      const user = await trx
        .selectFrom('users')
        .select(['id', 'email'])
        .where('id', '=', account.id)
        .where('purgedAt', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (!user) return;
      await trx
        .updateTable('users')
        .set({
          email: `purged:${user.id}`,
          username: `~${user.id.replaceAll('-', '').slice(0, 31)}`,
          passwordHash: null,
          emailVerifiedAt: null,
          displayName: null,
          bio: null,
          avatarFileId: null,
          mfaEnabledAt: null,
          purgedAt: now,
          updatedAt: now,
        })
        .where('id', '=', user.id)
        .execute();
      await trx.deleteFrom('sessions').where('userId', '=', user.id).execute();
      await trx.deleteFrom('apiKeys').where('userId', '=', user.id).execute();
      await trx.deleteFrom('totpCredentials').where('userId', '=', user.id).execute();
      await trx.deleteFrom('mfaRecoveryCodes').where('userId', '=', user.id).execute();
      await trx.deleteFrom('passkeys').where('userId', '=', user.id).execute();
      await trx.deleteFrom('securityEvents').where('userId', '=', user.id).execute();
      await trx.deleteFrom('outbox').where('toAddress', '=', user.email).execute();
      await trx
        .deleteFrom('oneTimeTokens')
        .where((eb) => eb.or([eb('userId', '=', user.id), eb('email', '=', user.email)]))
        .execute();
    });
  }
}

/**
 * Recognises unique-constraint violations of users.email / users.username on PostgreSQL and MySQL,
 * by the violated key's name only: PostgreSQL's `constraint` (`users_email_key`), MySQL's message
 * `Duplicate entry '…' for key 'users.email'` (MariaDB: `'email'`). Never by the rest of the
 * message, which on MySQL quotes the duplicate value: a username containing "email" was taken for
 * a taken address (a profile change then answered 200 without saving it, a registration
 * EMAIL_TAKEN for an unused address).
 */
export function uniqueViolationField(error: unknown): UniqueUserField | undefined {
  if (!(error instanceof Error) || !isUniqueViolation(error)) return undefined;
  const { constraint } = error as { constraint?: unknown };
  const key =
    typeof constraint === 'string' ? constraint : (/ for key '([^']*)'\s*$/.exec(error.message)?.[1] ?? '');
  const column = key.replace(/^users[._]/, '').replace(/_key$/, '');
  return column === 'email' || column === 'username' ? column : undefined;
}

function activeAdmins(db: Database) {
  return db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('disabledAt', 'is', null)
    .where('deletedAt', 'is', null)
    .orderBy('id');
}
