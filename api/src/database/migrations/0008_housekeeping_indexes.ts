import type { Kysely } from 'kysely';
import { dialectOf } from '../database.factory.js';
import { createIndexOnce } from './repeatable-ddl.js';

/**
 * Indexes for the housekeeping deletes of expired one-time tokens and ended rate-limit windows:
 * without them each batch scanned the whole table, and on MySQL the scan locked every row it
 * passed, which the rate-limit checks of sign-ins then waited for (found in review).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createIndexOnce(db, 'one_time_tokens_expires_at_idx', 'one_time_tokens', ['expires_at']);
  await createIndexOnce(db, 'rate_limits_window_start_idx', 'rate_limits', ['window_start']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [index, table] of [
    ['rate_limits_window_start_idx', 'rate_limits'],
    ['one_time_tokens_expires_at_idx', 'one_time_tokens'],
  ] as const) {
    const drop = db.schema.dropIndex(index);
    // MySQL names indexes per table; PostgreSQL per schema and rejects ON.
    await (dialectOf(db) === 'mysql' ? drop.on(table) : drop).execute();
  }
}
