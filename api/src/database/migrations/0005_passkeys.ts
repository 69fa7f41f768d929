import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';
import { createIndexOnce } from './repeatable-ddl.js';

/**
 * Passkeys (WebAuthn credentials): a public key per authenticator an account registered, looked
 * up by the credential id the browser sends when signing in. The ceremonies' challenges live in
 * `one_time_tokens` (purposes `passkey_registration`, `passkey_sign_in`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('passkeys')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    // base64url of the authenticator's credential id; registration refuses longer ones (the
    // unique index must fit MySQL's 3072-byte key limit in utf8mb4).
    .addColumn('credential_id', 'varchar(512)', (c) => c.notNull().unique())
    // base64url of the COSE public key; public, so stored as is.
    .addColumn('public_key', 'varchar(1024)', (c) => c.notNull())
    // The authenticator's signature counter (0 for synced passkeys, which do not count).
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'varchar(200)', (c) => c.notNull())
    .addColumn('device_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('backed_up', 'boolean', (c) => c.notNull())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('last_used_at', t.timestamp)
    .execute();
  await createIndexOnce(db, 'passkeys_user_id_idx', 'passkeys', ['user_id']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('passkeys').execute();
}
