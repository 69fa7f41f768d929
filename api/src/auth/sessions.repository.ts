import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { type BatchedDeleteOptions, deleteInBatches } from '../database/batched-delete.js';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { SessionsTable, SignInMethod, UsersTable } from '../database/database.types.js';
import type { DatabaseHandle } from '../database/database-handle.js';
import { PrecompiledQuery } from '../database/precompiled-query.js';

export type SessionRow = Selectable<SessionsTable>;

/** What the guard needs to know about a session on each request. */
export interface SessionStatus {
  readonly userId: string;
  readonly active: boolean;
  readonly role: 'user' | 'admin';
}

/** The columns the session check reads: the session and its user. */
type SessionStatusRow = Pick<SessionRow, 'userId' | 'revokedAt' | 'expiresAt'> &
  Pick<Selectable<UsersTable>, 'role' | 'disabledAt' | 'deletedAt'>;

/** A refresh token joined with its session, as the refresh flow sees it. */
export interface RefreshTokenRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly parentId: string | null;
  readonly rotatedAt: Date | null;
  readonly userId: string;
  readonly sessionRevokedAt: Date | null;
  readonly sessionExpiresAt: Date;
}

/** New session and its first refresh token. */
export interface NewSession {
  readonly id: string;
  readonly userId: string;
  readonly now: Date;
  readonly expiresAt: Date;
  readonly userAgent: string | null;
  readonly ip: string | null;
  readonly refreshTokenId: string;
  readonly refreshTokenHash: string;
  readonly signInMethod: SignInMethod;
}

/** Sessions and their refresh-token rotation families. */
@Injectable()
export class SessionsRepository {
  // The guard's session check (once per session per AUTH_SESSION_CACHE_SECONDS): compiled once.
  private readonly statusById: PrecompiledQuery<SessionStatusRow, [sessionId: string]>;

  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {
    this.statusById = new PrecompiledQuery(database, 1, (db, sessionId: string) =>
      db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.userId')
        .select([
          'sessions.userId',
          'sessions.revokedAt',
          'sessions.expiresAt',
          'users.role',
          'users.disabledAt',
          'users.deletedAt',
        ])
        .where('sessions.id', '=', sessionId),
    );
  }

  /** Stores a session and its first refresh token; inside `db` when that is a caller's transaction. */
  async create(session: NewSession, db?: Database): Promise<void> {
    await this.database.transaction(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: session.id,
          userId: session.userId,
          createdAt: session.now,
          lastUsedAt: session.now,
          expiresAt: session.expiresAt,
          userAgent: session.userAgent,
          ip: session.ip,
          signInMethod: session.signInMethod,
        })
        .execute();
      await trx
        .insertInto('refreshTokens')
        .values({
          id: session.refreshTokenId,
          sessionId: session.id,
          parentId: null,
          tokenHash: session.refreshTokenHash,
          createdAt: session.now,
        })
        .execute();
    }, db);
  }

  /** The session's state for authorising a request, joined with the user's role and status. */
  async status(sessionId: string, now: Date): Promise<SessionStatus | undefined> {
    const row = await this.statusById.executeTakeFirst(sessionId);
    if (!row) return undefined;
    const active =
      row.revokedAt === null && row.expiresAt > now && row.disabledAt === null && row.deletedAt === null;
    return { userId: row.userId, active, role: row.role };
  }

  /**
   * Whether the session is neither revoked nor expired, read in `trx` with the session's row locked
   * (on MySQL a locking read is also what sees the latest committed row; see `revokeAll`).
   */
  async isLiveIn(sessionId: string, now: Date, trx: Database): Promise<boolean> {
    const row = await trx
      .selectFrom('sessions')
      .select(['revokedAt', 'expiresAt'])
      .where('id', '=', sessionId)
      .forUpdate()
      .executeTakeFirst();
    return row !== undefined && row.revokedAt === null && row.expiresAt > now;
  }

  async listActive(userId: string, now: Date): Promise<SessionRow[]> {
    const db = await this.database.get();
    return db
      .selectFrom('sessions')
      .selectAll()
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .where('expiresAt', '>', now)
      .orderBy('lastUsedAt', 'desc')
      .execute();
  }

  /**
   * Revokes one session of a user; false when it does not exist, is not theirs, or is already
   * revoked. Inside `within` when that is a caller's transaction.
   */
  async revoke(
    userId: string,
    sessionId: string,
    now: Date,
    reason: string,
    within?: Database,
  ): Promise<boolean> {
    const db = within ?? (await this.database.get());
    const result = await db
      .updateTable('sessions')
      .set({ revokedAt: now, revokedReason: reason })
      .where('id', '=', sessionId)
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Revokes every active session of a user except `keepSessionId`; returns the revoked ids.
   * Inside `within` when that is a caller's transaction.
   *
   * The sessions are read with a lock, which on MySQL is also what makes the read see the latest
   * committed rows: a plain read in InnoDB's REPEATABLE READ sees the transaction's snapshot, taken
   * at its first read. A password reset reads the account, waits for a sign-in that holds the
   * account's row, and then missed the session that sign-in committed (found in review,
   * 2026-12-07; PostgreSQL's READ COMMITTED reads each statement afresh).
   */
  async revokeAll(
    userId: string,
    now: Date,
    reason: string,
    keepSessionId?: string,
    within?: Database,
  ): Promise<string[]> {
    const db = within ?? (await this.database.get());
    let query = db
      .selectFrom('sessions')
      .select('id')
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null);
    if (keepSessionId) query = query.where('id', '!=', keepSessionId);
    const ids = (await query.forUpdate().execute()).map((row) => row.id);
    if (ids.length > 0) {
      await db
        .updateTable('sessions')
        .set({ revokedAt: now, revokedReason: reason })
        .where('id', 'in', ids)
        .where('revokedAt', 'is', null)
        .execute();
    }
    return ids;
  }

  /**
   * Deletes the sessions that ended (were revoked, or expired) before `before`, with their
   * refresh-token families (the foreign key cascades), `batchSize` at a time; resolves to how many
   * sessions. An ended session's tokens are refused either way (a revoked or expired session
   * answers INVALID_REFRESH_TOKEN whether its rows exist or not), so nothing a client holds
   * changes meaning.
   */
  async deleteEnded(
    before: Date,
    { batchSize = 500, mayContinue }: BatchedDeleteOptions = {},
  ): Promise<number> {
    const db = await this.database.get();
    return deleteInBatches(
      async (limit) =>
        (
          await db
            .selectFrom('sessions')
            .select('id')
            .where((eb) => eb.or([eb('revokedAt', '<', before), eb('expiresAt', '<', before)]))
            .limit(limit)
            .execute()
        ).map((row) => row.id),
      async (ids) =>
        Number((await db.deleteFrom('sessions').where('id', 'in', ids).executeTakeFirst()).numDeletedRows),
      batchSize,
      mayContinue,
    );
  }

  /**
   * Runs the refresh exchange atomically: the presented token's row is locked (SELECT … FOR UPDATE)
   * so two concurrent exchanges of one token are serialised and the second sees the first's rotation.
   */
  async withLockedRefreshToken<T>(
    tokenHash: string,
    exchange: (token: RefreshTokenRecord | undefined, tx: RefreshTransaction) => Promise<T>,
  ): Promise<T> {
    const db = await this.database.get();
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('refreshTokens')
        .innerJoin('sessions', 'sessions.id', 'refreshTokens.sessionId')
        .select([
          'refreshTokens.id',
          'refreshTokens.sessionId',
          'refreshTokens.parentId',
          'refreshTokens.rotatedAt',
          'sessions.userId',
          'sessions.revokedAt as sessionRevokedAt',
          'sessions.expiresAt as sessionExpiresAt',
        ])
        .where('refreshTokens.tokenHash', '=', tokenHash)
        .forUpdate()
        .executeTakeFirst();
      const tx: RefreshTransaction = {
        db: trx,
        async hasRotatedChild(tokenId) {
          const child = await trx
            .selectFrom('refreshTokens')
            .select('id')
            .where('parentId', '=', tokenId)
            .where('rotatedAt', 'is not', null)
            .executeTakeFirst();
          return child !== undefined;
        },
        async rotate(tokenId, rotatedAt, next) {
          await trx
            .updateTable('refreshTokens')
            .set({ rotatedAt })
            .where('id', '=', tokenId)
            .where('rotatedAt', 'is', null)
            .execute();
          await trx
            .insertInto('refreshTokens')
            .values({
              id: next.id,
              sessionId: next.sessionId,
              parentId: tokenId,
              tokenHash: next.tokenHash,
              createdAt: rotatedAt,
            })
            .execute();
          await trx
            .updateTable('sessions')
            .set({ lastUsedAt: rotatedAt })
            .where('id', '=', next.sessionId)
            .execute();
        },
        async revokeSession(sessionId, now, reason) {
          await trx
            .updateTable('sessions')
            .set({ revokedAt: now, revokedReason: reason })
            .where('id', '=', sessionId)
            .where('revokedAt', 'is', null)
            .execute();
        },
      };
      return exchange(row, tx);
    });
  }

  /** The session a refresh token belongs to (for logout with a refresh token). */
  async sessionOfRefreshToken(tokenHash: string): Promise<{ sessionId: string; userId: string } | undefined> {
    const db = await this.database.get();
    return db
      .selectFrom('refreshTokens')
      .innerJoin('sessions', 'sessions.id', 'refreshTokens.sessionId')
      .select(['sessions.id as sessionId', 'sessions.userId'])
      .where('refreshTokens.tokenHash', '=', tokenHash)
      .executeTakeFirst();
  }
}

/** Writes available inside the refresh exchange's transaction. */
export interface RefreshTransaction {
  /** The transaction itself, for another repository's writes that belong to the exchange (a security event). */
  readonly db: Database;
  /** Whether a child of this token has itself been exchanged (so it is not the immediate previous token). */
  hasRotatedChild(tokenId: string): Promise<boolean>;
  /** Marks the token used (if not already) and stores its successor. */
  rotate(
    tokenId: string,
    rotatedAt: Date,
    next: { id: string; sessionId: string; tokenHash: string },
  ): Promise<void>;
  revokeSession(sessionId: string, now: Date, reason: string): Promise<void>;
}
