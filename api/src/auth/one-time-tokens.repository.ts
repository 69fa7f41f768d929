import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { type BatchedDeleteOptions, deleteExpiredBefore } from '../database/batched-delete.js';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { OneTimeTokenPurpose, OneTimeTokensTable } from '../database/database.types.js';
import type { DatabaseHandle } from '../database/database-handle.js';

export type OneTimeTokenRow = Selectable<OneTimeTokensTable>;

/** A token to store: its digest, whom it is for, and when it was made and expires. */
export interface NewOneTimeToken {
  readonly id: string;
  readonly purpose: OneTimeTokenPurpose;
  readonly email: string;
  readonly userId: string | null;
  readonly tokenHash: string;
  readonly now: Date;
  readonly expiresAt: Date;
}

/** Single-use tokens (links) and email codes, stored as SHA-256 digests. */
@Injectable()
export class OneTimeTokensRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * Stores a new token and retires the earlier unused ones of the same purpose and address; inside
   * `within` when that is a caller's transaction (a new account and its verification link).
   */
  async issue(token: NewOneTimeToken, within?: Database): Promise<void> {
    await this.database.transaction(async (trx) => {
      // The account's row first (the insert's foreign key takes a share of it anyway): changes
      // that retire an account's tokens hold that row and then wait for the tokens, so retiring
      // the address's tokens before it deadlocked with them (found in review, 2026-12-07).
      if (token.userId) await lockAccount(trx, token.userId);
      await trx
        .updateTable('oneTimeTokens')
        .set({ usedAt: token.now })
        .where('email', '=', token.email)
        .where('purpose', '=', token.purpose)
        .where('usedAt', 'is', null)
        .execute();
      await insertToken(trx, token);
    }, within);
  }

  /**
   * Stores a new token for what one account asked, retiring that account's earlier unused ones of
   * the same purpose whatever address they went to (an address change: a new request replaces the
   * account's pending one, and leaves another account's request for the same address alone; found
   * in review, 2026-12-07, when retiring by address let anyone void someone's pending change).
   */
  async issueForAccount(
    token: NewOneTimeToken & { readonly userId: string },
    within: Database,
  ): Promise<void> {
    await lockAccount(within, token.userId);
    await this.retireAll(token.userId, token.purpose, token.now, within);
    await insertToken(within, token);
  }

  /**
   * Retires the account's unused tokens of `purpose`, inside `within` (the change that outdates
   * them): a second step's challenge issued for the old password, when the password changes.
   */
  async retireAll(userId: string, purpose: OneTimeTokenPurpose, now: Date, within: Database): Promise<void> {
    await within
      .updateTable('oneTimeTokens')
      .set({ usedAt: now })
      .where('userId', '=', userId)
      .where('purpose', '=', purpose)
      .where('usedAt', 'is', null)
      .execute();
  }

  /**
   * Stores a token that belongs to no address yet (a passkey sign-in's challenge: who signs in is
   * known only from the answer), without retiring any other.
   */
  async issueUnbound(token: Omit<NewOneTimeToken, 'email' | 'userId'>): Promise<void> {
    await insertToken(await this.database.get(), { ...token, email: '', userId: null });
  }

  /**
   * Consumes a link token: marks it used and returns it, atomically (a second use finds nothing).
   * Returns undefined for unknown, used or expired tokens.
   */
  async consume(
    purpose: OneTimeTokenPurpose,
    tokenHash: string,
    now: Date,
    within?: Database,
  ): Promise<OneTimeTokenRow | undefined> {
    // Inside a caller's transaction the token is spent only if the change it authorises commits.
    return this.database.transaction(async (trx) => {
      const row = await trx
        .selectFrom('oneTimeTokens')
        .selectAll()
        .where('tokenHash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .forUpdate()
        .executeTakeFirst();
      if (!row || row.usedAt !== null || row.expiresAt <= now) return undefined;
      await trx.updateTable('oneTimeTokens').set({ usedAt: now }).where('id', '=', row.id).execute();
      return row;
    }, within);
  }

  /**
   * Checks an email code against the newest live code for the address. Each call counts an
   * attempt, committed whatever the answer; after `maxAttempts` the code is dead. `matches`
   * compares in constant time. A matching code is used at once, or with `onMatch: 'keep'` left
   * for the caller to use (`markUsed`) in the transaction of the change it authorises, so a change
   * that fails does not cost the code.
   */
  async attemptCode(
    email: string,
    purpose: Extract<OneTimeTokenPurpose, 'email_code' | 'reauthentication_code'>,
    now: Date,
    maxAttempts: number,
    matches: (row: OneTimeTokenRow) => boolean,
    onMatch: 'use' | 'keep' = 'use',
  ): Promise<OneTimeTokenRow | undefined> {
    const db = await this.database.get();
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('oneTimeTokens')
        .selectAll()
        .where('email', '=', email)
        .where('purpose', '=', purpose)
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', now)
        .orderBy('createdAt', 'desc')
        .limit(1)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return undefined;
      const attempts = row.attempts + 1;
      const ok = matches(row);
      const exhausted = !ok && attempts >= maxAttempts;
      const used = (ok && onMatch === 'use') || exhausted;
      await trx
        .updateTable('oneTimeTokens')
        .set({ attempts, ...(used ? { usedAt: now } : {}) })
        .where('id', '=', row.id)
        .execute();
      return ok ? row : undefined;
    });
  }

  /** A live (unused, unexpired) token of `purpose` by its digest, without using it. */
  async findLive(
    purpose: OneTimeTokenPurpose,
    tokenHash: string,
    now: Date,
    within?: Database,
  ): Promise<OneTimeTokenRow | undefined> {
    const db = within ?? (await this.database.get());
    return db
      .selectFrom('oneTimeTokens')
      .selectAll()
      .where('tokenHash', '=', tokenHash)
      .where('purpose', '=', purpose)
      .where('usedAt', 'is', null)
      .where('expiresAt', '>', now)
      .executeTakeFirst();
  }

  /**
   * Counts an attempt against a live token before its guess is checked; false once `maxAttempts`
   * were made (or it was used). One statement, so concurrent guesses cannot exceed the limit.
   */
  async spendAttempt(id: string, maxAttempts: number): Promise<boolean> {
    const db = await this.database.get();
    const result = await db
      .updateTable('oneTimeTokens')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('usedAt', 'is', null)
      .where('attempts', '<', maxAttempts)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /**
   * Deletes the tokens that expired before `before`, used or not (neither kind can be used again);
   * resolves to how many. Without it every sign-in challenge and emailed code would stay forever.
   */
  async deleteExpired(
    before: Date,
    { batchSize = 1000, mayContinue }: BatchedDeleteOptions = {},
  ): Promise<number> {
    return deleteExpiredBefore(await this.database.get(), 'oneTimeTokens', before, batchSize, mayContinue);
  }

  /** Uses a token; true when this call used it (false when it already was). */
  async markUsed(id: string, now: Date, within?: Database): Promise<boolean> {
    const db = within ?? (await this.database.get());
    const result = await db
      .updateTable('oneTimeTokens')
      .set({ usedAt: now })
      .where('id', '=', id)
      .where('usedAt', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}

/** Locks the account's row for the caller's transaction (the order every token change keeps). */
async function lockAccount(trx: Database, userId: string): Promise<void> {
  await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
}

function insertToken(db: Database, token: NewOneTimeToken): Promise<unknown> {
  return db
    .insertInto('oneTimeTokens')
    .values({
      id: token.id,
      purpose: token.purpose,
      email: token.email,
      userId: token.userId,
      tokenHash: token.tokenHash,
      createdAt: token.now,
      expiresAt: token.expiresAt,
    })
    .execute();
}
