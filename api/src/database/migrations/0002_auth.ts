import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';
import { addColumnOnce, createIndexOnce } from './repeatable-ddl.js';

/**
 * Auth: sessions (one refresh-token rotation family each), refresh tokens, one-time tokens (email
 * verification, password reset, email codes), API keys, database-backed rate limits, the dev mail
 * outbox, and lockout counters on users.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await addColumnOnce(db, 'users', 'failed_login_count', 'integer', (c) => c.notNull().defaultTo(0));
  await addColumnOnce(db, 'users', 'lockout_count', 'integer', (c) => c.notNull().defaultTo(0));
  await addColumnOnce(db, 'users', 'locked_until', t.timestamp);

  await db.schema
    .createTable('sessions')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('last_used_at', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('revoked_at', t.timestamp)
    .addColumn('revoked_reason', 'varchar(32)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('ip', 'varchar(64)')
    .execute();
  await createIndexOnce(db, 'sessions_user_id_idx', 'sessions', ['user_id']);

  await db.schema
    .createTable('refresh_tokens')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('session_id', t.id, (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('parent_id', t.id)
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('rotated_at', t.timestamp)
    .execute();
  await createIndexOnce(db, 'refresh_tokens_session_id_idx', 'refresh_tokens', ['session_id']);
  await createIndexOnce(db, 'refresh_tokens_parent_id_idx', 'refresh_tokens', ['parent_id']);

  await db.schema
    .createTable('one_time_tokens')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('user_id', t.id, (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('used_at', t.timestamp)
    .execute();
  await createIndexOnce(db, 'one_time_tokens_email_purpose_idx', 'one_time_tokens', ['email', 'purpose']);

  await db.schema
    .createTable('api_keys')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('prefix', 'varchar(32)', (c) => c.notNull())
    .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('scopes', 'varchar(1000)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('last_used_at', t.timestamp)
    .addColumn('revoked_at', t.timestamp)
    .execute();
  await createIndexOnce(db, 'api_keys_user_id_idx', 'api_keys', ['user_id']);

  await db.schema
    .createTable('rate_limits')
    .ifNotExists()
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('window_start', t.timestamp, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('outbox')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('to_address', 'varchar(320)', (c) => c.notNull())
    .addColumn('subject', 'varchar(200)', (c) => c.notNull())
    .addColumn('text_body', t.text, (c) => c.notNull())
    .addColumn('html_body', t.text, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await createIndexOnce(db, 'outbox_created_at_idx', 'outbox', ['created_at']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'outbox',
    'rate_limits',
    'api_keys',
    'one_time_tokens',
    'refresh_tokens',
    'sessions',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  for (const column of ['locked_until', 'lockout_count', 'failed_login_count']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
}
