import { Inject, Injectable } from '@nestjs/common';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import { isTransientConflict } from '../database/database-errors.js';

const MAX_ATTEMPTS = 8;

/** The outcome of counting one request against a limit. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Seconds until the window resets (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/**
 * Fixed-window counters in the database, so a limit holds across every Lambda instance and
 * server process (no Redis). One row per key; the row lock serialises concurrent requests.
 */
@Injectable()
export class RateLimitRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async consume(key: string, limit: number, windowSeconds: number, now: Date): Promise<RateLimitDecision> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.consumeOnce(key, limit, windowSeconds, now);
      } catch (error) {
        // Concurrent first requests for a key race to insert its row (or deadlock on MySQL's gap
        // locks); the loser simply counts again, so no request goes uncounted.
        if (attempt >= MAX_ATTEMPTS || !isTransientConflict(error)) throw error;
      }
    }
  }

  private consumeOnce(
    key: string,
    limit: number,
    windowSeconds: number,
    now: Date,
  ): Promise<RateLimitDecision> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('rateLimits')
        .select(['windowStart', 'count'])
        .where('key', '=', key)
        .forUpdate()
        .executeTakeFirst();
      if (!row) {
        await trx.insertInto('rateLimits').values({ key, windowStart: now, count: 1 }).execute();
        return { allowed: true, retryAfterSeconds: 0 };
      }
      const windowEnds = row.windowStart.getTime() + windowSeconds * 1000;
      if (windowEnds <= now.getTime()) {
        await trx
          .updateTable('rateLimits')
          .set({ windowStart: now, count: 1 })
          .where('key', '=', key)
          .execute();
        return { allowed: true, retryAfterSeconds: 0 };
      }
      if (row.count >= limit) {
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil((windowEnds - now.getTime()) / 1000)),
        };
      }
      await trx
        .updateTable('rateLimits')
        .set({ count: row.count + 1 })
        .where('key', '=', key)
        .execute();
      return { allowed: true, retryAfterSeconds: 0 };
    });
  }

  /** Deletes counters whose window ended before `olderThan` (housekeeping). */
  async prune(olderThan: Date): Promise<void> {
    await this.db.deleteFrom('rateLimits').where('windowStart', '<', olderThan).execute();
  }
}
