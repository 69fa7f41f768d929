import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';
import { createIndexOnce } from './repeatable-ddl.js';

/**
 * `pending_registrations`: with email verification required, a registration is kept here until
 * its link is opened, and only then becomes an account. Created as an unverified account, it took
 * its username at once and answered sign-ins with EMAIL_NOT_VERIFIED, while a registration of an
 * address that had an account made nothing: registering the same fresh username again, or signing
 * in with the password just chosen, told which addresses have accounts (docs/auth.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('pending_registrations')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('username', 'varchar(32)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    // Wrong passwords given with the link; the registration ends at five.
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .execute();
  await createIndexOnce(db, 'pending_registrations_email_idx', 'pending_registrations', ['email']);
  await createIndexOnce(db, 'pending_registrations_expires_at_idx', 'pending_registrations', ['expires_at']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pending_registrations').execute();
}
