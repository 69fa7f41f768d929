import type { Kysely } from 'kysely';
import { addColumnOnce } from './repeatable-ddl.js';

/**
 * How each session was signed in (password, emailed code, passkey, two-step…), so the sessions
 * list can show it: a session started by a way the owner never uses is worth a second look.
 * Sessions from before this migration have none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await addColumnOnce(db, 'sessions', 'sign_in_method', 'varchar(32)');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('sign_in_method').execute();
}
