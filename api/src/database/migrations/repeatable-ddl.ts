import { type ColumnDataType, type ColumnDefinitionBuilder, type Expression, type Kysely, sql } from 'kysely';
import { dialectOf } from '../database.factory.js';

/*
 * DDL steps a migration can repeat. MySQL commits each DDL statement on its own, so a migration
 * that fails midway (a lock timeout, a lost connection, a deploy stopped) leaves the statements
 * before the failure applied and is not recorded as applied; the next run starts it again from the
 * top and must step over what is already there. (PostgreSQL runs each migration in a transaction
 * and needs none of this, but takes the same path.) Tables: `createTable(…).ifNotExists()`, which
 * both engines support; indexes and added columns: these, since MySQL 8 has no `IF NOT EXISTS`
 * for either (MariaDB has).
 */

/** The schema the connection works in, as information_schema names it. */
const currentSchema = (db: Kysely<unknown>) =>
  sql.raw(dialectOf(db) === 'mysql' ? 'database()' : 'current_schema()');

async function hasColumn(db: Kysely<unknown>, table: string, column: string): Promise<boolean> {
  const { rows } = await sql<{ found: number }>`select count(*) as found from information_schema.columns
    where table_schema = ${currentSchema(db)} and table_name = ${table} and column_name = ${column}`.execute(
    db,
  );
  return Number(rows[0]?.found) > 0;
}

async function hasIndex(db: Kysely<unknown>, table: string, index: string): Promise<boolean> {
  const { rows } =
    dialectOf(db) === 'mysql'
      ? await sql<{ found: number }>`select count(*) as found from information_schema.statistics
          where table_schema = database() and table_name = ${table} and index_name = ${index}`.execute(db)
      : await sql<{ found: number }>`select count(*) as found from pg_indexes
          where schemaname = current_schema() and tablename = ${table} and indexname = ${index}`.execute(db);
  return Number(rows[0]?.found) > 0;
}

/** `ALTER TABLE … ADD COLUMN`, unless the column exists. */
export async function addColumnOnce(
  db: Kysely<unknown>,
  table: string,
  column: string,
  type: ColumnDataType | Expression<unknown>,
  build?: (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder,
): Promise<void> {
  if (await hasColumn(db, table, column)) return;
  await db.schema.alterTable(table).addColumn(column, type, build).execute();
}

/** `CREATE INDEX` on the columns, unless an index of that name exists on the table. */
export async function createIndexOnce(
  db: Kysely<unknown>,
  index: string,
  table: string,
  columns: readonly string[],
): Promise<void> {
  if (await hasIndex(db, table, index)) return;
  await db.schema
    .createIndex(index)
    .on(table)
    .columns([...columns])
    .execute();
}
