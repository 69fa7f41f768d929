import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../database.factory.js';

/**
 * The foreign keys of 0002–0007 on MySQL 8. Those migrations declare each key inline on its column
 * (`references users (id) on delete cascade`), which PostgreSQL and MariaDB honour but MySQL 8
 * (InnoDB) parses and ignores: only a table-level `FOREIGN KEY` makes a key there. So MySQL 8
 * databases ran with no referential integrity, and nothing cascaded (when housekeeping or an
 * account's erasure deleted sessions, their refresh tokens stayed). This adds each key as a named
 * table-level constraint where the column has none (a MariaDB database has them all; then it does
 * nothing), and nothing on PostgreSQL. `database/migrations.spec.ts` fails a later migration that
 * declares a key inline without adding it this way.
 *
 * Adding a key on MySQL copies the table and blocks writes to it meanwhile: on a large MySQL 8
 * database, deploy this at a quiet time.
 */

/**
 * Every key the earlier migrations declared, each `on delete cascade` and referencing `id`; parents
 * before children (sessions before refresh tokens), so a child's orphans include the rows of
 * parents that were orphans themselves and have just gone.
 */
const FOREIGN_KEYS = [
  { table: 'sessions', column: 'user_id', parent: 'users' },
  { table: 'refresh_tokens', column: 'session_id', parent: 'sessions' },
  { table: 'one_time_tokens', column: 'user_id', parent: 'users' },
  { table: 'api_keys', column: 'user_id', parent: 'users' },
  { table: 'files', column: 'user_id', parent: 'users' },
  { table: 'totp_credentials', column: 'user_id', parent: 'users' },
  { table: 'mfa_recovery_codes', column: 'user_id', parent: 'users' },
  { table: 'passkeys', column: 'user_id', parent: 'users' },
  { table: 'security_events', column: 'user_id', parent: 'users' },
] as const;

type ForeignKey = (typeof FOREIGN_KEYS)[number];

/** Named so `down` can tell the keys this migration added from those the engine made inline. */
const constraintName = (key: ForeignKey) => `fk_${key.table}_${key.column}`;

type Found = { found: number };

/** Whether the column already has a key to its parent, whatever its name (MariaDB's `…_ibfk_1`). */
async function hasForeignKey(db: Kysely<unknown>, key: ForeignKey): Promise<boolean> {
  const { rows } = await sql<Found>`select count(*) as found from information_schema.key_column_usage
    where table_schema = database() and table_name = ${key.table} and column_name = ${key.column}
      and referenced_table_name = ${key.parent} and referenced_column_name = 'id'`.execute(db);
  return Number(rows[0]?.found) > 0;
}

async function hasConstraint(db: Kysely<unknown>, table: string, name: string): Promise<boolean> {
  const { rows } = await sql<Found>`select count(*) as found from information_schema.referential_constraints
    where constraint_schema = database() and table_name = ${table} and constraint_name = ${name}`.execute(db);
  return Number(rows[0]?.found) > 0;
}

async function hasIndex(db: Kysely<unknown>, table: string, name: string): Promise<boolean> {
  const { rows } = await sql<Found>`select count(*) as found from information_schema.statistics
    where table_schema = database() and table_name = ${table} and index_name = ${name}`.execute(db);
  return Number(rows[0]?.found) > 0;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  for (const key of FOREIGN_KEYS) {
    if (await hasForeignKey(db, key)) continue;
    // A database that ran without the key can hold rows whose parent is gone, and MySQL refuses to
    // add a key its rows break. They are what the cascade would have deleted with the parent, so
    // they are deleted now (every key cascades; none sets null). A null column has no parent to lose.
    // Rows orphaned between this and the ALTER fail it; the next run deletes them and adds the key.
    await sql`delete from ${sql.table(key.table)} where ${sql.ref(`${key.table}.${key.column}`)} is not null
      and not exists (select 1 from ${sql.table(key.parent)}
        where ${sql.ref(`${key.parent}.id`)} = ${sql.ref(`${key.table}.${key.column}`)})`.execute(db);
    await db.schema
      .alterTable(key.table)
      .addForeignKeyConstraint(constraintName(key), [key.column], key.parent, ['id'])
      .onDelete('cascade')
      .execute();
  }
}

/** Drops the keys `up` added (found by name), and nothing on MariaDB or PostgreSQL, where it added none. */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  for (const key of [...FOREIGN_KEYS].reverse()) {
    const name = constraintName(key);
    if (await hasConstraint(db, key.table, name)) {
      // DROP FOREIGN KEY rather than Kysely's DROP CONSTRAINT, which MySQL 8 accepts only from 8.0.19.
      await sql`alter table ${sql.table(key.table)} drop foreign key ${sql.id(name)}`.execute(db);
    }
    // For a column no index served (one_time_tokens.user_id), adding the key made an index of its
    // name, which would otherwise outlive it.
    if (await hasIndex(db, key.table, name)) await db.schema.dropIndex(name).on(key.table).execute();
  }
}
