import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';
import { createIndexOnce } from './repeatable-ddl.js';

/**
 * The account's security activity: sign-ins and failed attempts, and every change to how the
 * account signs in (password, address, two-step, passkeys, API keys), written in the same
 * transaction as the change. `GET /auth/activity` lists them for the owner; the maintenance pass
 * deletes them after SECURITY_EVENT_RETENTION_DAYS, and an erased account's go with its data.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('security_events')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    // Where the request came from; null for what an administrator or the system did.
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    // What the type needs said: the sign-in method, a passkey's or API key's name, the new role.
    .addColumn('detail', 'varchar(100)')
    .addColumn('by_admin', t.boolean, (c) => c.notNull().defaultTo(false))
    .execute();
  // The owner's list, newest first, paged by (created_at, id).
  await createIndexOnce(db, 'security_events_user_created_idx', 'security_events', [
    'user_id',
    'created_at',
    'id',
  ]);
  // The retention sweep.
  await createIndexOnce(db, 'security_events_created_idx', 'security_events', ['created_at']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('security_events').execute();
}
