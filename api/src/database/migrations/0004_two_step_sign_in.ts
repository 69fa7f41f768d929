import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';
import { addColumnOnce, createIndexOnce } from './repeatable-ddl.js';

/**
 * Two-step sign-in (TOTP): the authenticator secret of each account that set one up, its
 * single-use recovery codes, and `users.mfa_enabled_at`, so reading an account (every
 * `GET /auth/me`) tells whether sign-in asks for a code without a second query.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await addColumnOnce(db, 'users', 'mfa_enabled_at', t.timestamp);

  await db.schema
    .createTable('totp_credentials')
    .ifNotExists()
    .addColumn('user_id', t.id, (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // The base32 secret sealed by TotpSecretCipher (AES-256-GCM, ~83 characters), never in clear.
    .addColumn('secret', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('confirmed_at', t.timestamp)
    // The 30-second step of the last accepted code: a code is accepted once (RFC 6238 §5.2).
    .addColumn('last_used_step', 'integer')
    .execute();

  await db.schema
    .createTable('mfa_recovery_codes')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('used_at', t.timestamp)
    .execute();
  await createIndexOnce(db, 'mfa_recovery_codes_user_id_code_hash_idx', 'mfa_recovery_codes', [
    'user_id',
    'code_hash',
  ]);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mfa_recovery_codes').execute();
  await db.schema.dropTable('totp_credentials').execute();
  await db.schema.alterTable('users').dropColumn('mfa_enabled_at').execute();
}
