import type { Kysely } from 'kysely';
import { dialectOf } from '../database.factory.js';
import { columnTypes } from './column-types.js';
import { addColumnOnce, createIndexOnce } from './repeatable-ddl.js';

/**
 * Files uploaded directly to storage (one row per upload, pending until completed), and
 * `users.purged_at`, set when a deleted account's personal data has been erased.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('files')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
    .addColumn('storage_key', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('content_type', 'varchar(100)', (c) => c.notNull())
    // Bytes; integer suffices (the largest purpose allows 100 MB) and reads back as a number on both dialects.
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('completed_at', t.timestamp)
    .execute();
  await createIndexOnce(db, 'files_user_id_idx', 'files', ['user_id']);
  // The cleanup job scans pending uploads and temp files by age.
  await createIndexOnce(db, 'files_status_created_at_idx', 'files', ['status', 'created_at']);
  await createIndexOnce(db, 'files_purpose_created_at_idx', 'files', ['purpose', 'created_at']);
  await addColumnOnce(db, 'users', 'purged_at', t.timestamp);
  await createIndexOnce(db, 'users_deleted_at_idx', 'users', ['deleted_at']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const dropIndex = db.schema.dropIndex('users_deleted_at_idx');
  // MySQL names indexes per table; PostgreSQL per schema and rejects ON.
  await (dialectOf(db) === 'mysql' ? dropIndex.on('users') : dropIndex).execute();
  await db.schema.alterTable('users').dropColumn('purged_at').execute();
  await db.schema.dropTable('files').execute();
}
