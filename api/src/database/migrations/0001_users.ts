import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';
import { createIndexOnce } from './repeatable-ddl.js';

/** Accounts. Later migrations add auth, files and mail tables that reference it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('users')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('email', 'varchar(320)', (c) => c.notNull().unique())
    .addColumn('username', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('password_hash', 'varchar(255)')
    .addColumn('email_verified_at', t.timestamp)
    .addColumn('display_name', 'varchar(100)')
    .addColumn('bio', 'varchar(500)')
    .addColumn('avatar_file_id', t.id)
    .addColumn('role', 'varchar(16)', (c) => c.notNull().defaultTo('user'))
    .addColumn('disabled_at', t.timestamp)
    .addColumn('deleted_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await createIndexOnce(db, 'users_created_at_idx', 'users', ['created_at']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('users').execute();
}
