import { Inject, Injectable } from '@nestjs/common';
import type { ExpressionBuilder } from 'kysely';
import { type BatchedDeleteOptions, deleteInBatches } from '../database/batched-delete.js';
import { dialectOf, loadKysely } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { DatabaseSchema } from '../database/database.types.js';
import { isTransientConflict } from '../database/database-errors.js';
import type { DatabaseHandle } from '../database/database-handle.js';

const MAX_ATTEMPTS = 8;

/** Keys starting with `prefix` whose windows are longer: their counters end before `olderThan`. */
export interface PrefixWindow {
  readonly prefix: string;
  readonly olderThan: Date;
}

/** The outcome of counting one request against a limit. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Seconds until the window resets (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/**
 * Fixed-window counters in the database, so a limit holds across every Lambda instance and
 * server process (no Redis). One row per key, counted by a single atomic upsert: the row is locked
 * only for that one statement, so many requests on one key (every sign-in from one address behind
 * an unnamed proxy) queue for microseconds, not for whole transactions holding pool connections.
 */
@Injectable()
export class RateLimitRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async consume(key: string, limit: number, windowSeconds: number, now: Date): Promise<RateLimitDecision> {
    for (let attempt = 1; ; attempt++) {
      try {
        const row = await this.count(key, windowSeconds, now);
        if (row.count <= limit) return { allowed: true, retryAfterSeconds: 0 };
        const windowEnds = row.windowStart.getTime() + windowSeconds * 1000;
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil((windowEnds - now.getTime()) / 1000)),
        };
      } catch (error) {
        // MySQL can still report a deadlock between concurrent first inserts of a key; count again.
        if (attempt >= MAX_ATTEMPTS || !isTransientConflict(error)) throw error;
      }
    }
  }

  /** Adds one to the key's counter (starting a new window when the old one has ended); returns it. */
  private async count(
    key: string,
    windowSeconds: number,
    now: Date,
  ): Promise<{ windowStart: Date; count: number }> {
    const db = await this.database.get();
    const { sql } = await loadKysely();
    const expired = new Date(now.getTime() - windowSeconds * 1000);
    if (dialectOf(db) === 'mysql') {
      // MySQL has no RETURNING: LAST_INSERT_ID(expr) hands this statement's own count back on the
      // same connection, untouched by concurrent increments. Assignments apply left to right, so
      // `count` is decided before `window_start` moves.
      return db.connection().execute(async (connection) => {
        await connection
          .insertInto('rateLimits')
          .values({ key, windowStart: now, count: sql<number>`last_insert_id(1)` })
          .onDuplicateKeyUpdate({
            count: sql`last_insert_id(if(window_start <= ${expired}, 1, count + 1))`,
            windowStart: sql`if(window_start <= ${expired}, ${now}, window_start)`,
          })
          .execute();
        const { rows } = await sql<{ count: number | string }>`select last_insert_id() as count`.execute(
          connection,
        );
        const { windowStart } = await connection
          .selectFrom('rateLimits')
          .select('windowStart')
          .where('key', '=', key)
          .executeTakeFirstOrThrow();
        return { windowStart, count: Number(rows[0]?.count) };
      });
    }
    const insert = db.insertInto('rateLimits').values({ key, windowStart: now, count: 1 });
    return insert
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          count: sql`case when rate_limits.window_start <= ${expired} then 1 else rate_limits.count + 1 end`,
          windowStart: sql`case when rate_limits.window_start <= ${expired} then ${now} else rate_limits.window_start end`,
        }),
      )
      .returning(['windowStart', 'count'])
      .executeTakeFirstOrThrow();
  }

  /** The count of `key` in its current window of `windowSeconds` (0 when none or ended), not counting. */
  async peek(key: string, windowSeconds: number, now: Date): Promise<number> {
    const db = await this.database.get();
    const row = await db
      .selectFrom('rateLimits')
      .select(['windowStart', 'count'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row || row.windowStart.getTime() <= now.getTime() - windowSeconds * 1000) return 0;
    return Number(row.count);
  }

  /**
   * Deletes the counters whose window started before `olderThan`, and those of keys starting with
   * one of `longerWindows`' prefixes before that entry's own `olderThan` (budgets counted over
   * longer windows than the request limits); resolves to how many. With each cutoff at least its
   * window ago, each deleted counter had ended, and a deleted counter is what an ended one means
   * to `consume` (the next request starts a new window at 1), so a request racing the delete is
   * counted the same either way.
   */
  async prune(
    olderThan: Date,
    {
      batchSize = 1000,
      mayContinue,
      longerWindows = [],
    }: BatchedDeleteOptions & { readonly longerWindows?: readonly PrefixWindow[] } = {},
  ): Promise<number> {
    const db = await this.database.get();
    // The prefixes are fixed names without LIKE wildcards (`secondStep:`), never user input.
    const ended = (eb: ExpressionBuilder<DatabaseSchema, 'rateLimits'>) =>
      eb.or([
        eb.and([
          ...longerWindows.map((window) => eb('key', 'not like', `${window.prefix}%`)),
          eb('windowStart', '<', olderThan),
        ]),
        ...longerWindows.map((window) =>
          eb.and([eb('key', 'like', `${window.prefix}%`), eb('windowStart', '<', window.olderThan)]),
        ),
      ]);
    return deleteInBatches(
      async (limit) =>
        (await db.selectFrom('rateLimits').select('key').where(ended).limit(limit).execute()).map(
          (row) => row.key,
        ),
      // Still ended: a counter that started a new window since it was selected stays.
      async (keys) =>
        Number(
          (await db.deleteFrom('rateLimits').where('key', 'in', keys).where(ended).executeTakeFirst())
            .numDeletedRows,
        ),
      batchSize,
      mayContinue,
    );
  }
}
