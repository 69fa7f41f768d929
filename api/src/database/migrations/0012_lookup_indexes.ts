import type { Kysely } from 'kysely';
import { dialectOf } from '../database.factory.js';
import { createIndexOnce } from './repeatable-ddl.js';

/**
 * Indexes two lookups scanned whole tables (found in review, 2026-12-07): retiring an account's
 * one-time tokens by `user_id` (every password change, reset and "sign out everywhere", and the
 * purge's erasure), and the hourly delete of ended sessions by `revoked_at` or `expires_at`, a
 * scan per batch of 500. MySQL already indexes `one_time_tokens.user_id` for its foreign key
 * (0011), so that one is PostgreSQL's only.
 */
const INDEXES = [
  { index: 'one_time_tokens_user_id_idx', table: 'one_time_tokens', column: 'user_id', postgresOnly: true },
  { index: 'sessions_revoked_at_idx', table: 'sessions', column: 'revoked_at', postgresOnly: false },
  { index: 'sessions_expires_at_idx', table: 'sessions', column: 'expires_at', postgresOnly: false },
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const { index, table, column, postgresOnly } of INDEXES) {
    if (postgresOnly && dialectOf(db) === 'mysql') continue;
    await createIndexOnce(db, index, table, [column]);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const { index, table, postgresOnly } of [...INDEXES].reverse()) {
    if (postgresOnly && dialectOf(db) === 'mysql') continue;
    const drop = db.schema.dropIndex(index).ifExists();
    // MySQL names indexes per table; PostgreSQL per schema and rejects ON.
    await (dialectOf(db) === 'mysql' ? drop.on(table) : drop).execute();
  }
}
