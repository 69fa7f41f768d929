import { type Kysely, type Migration, type MigrationResultSet, Migrator, sql } from 'kysely';
import { type DatabaseConnectionOptions, dialectOf } from './database.factory.js';
import { migrations } from './migrations/index.js';

/** Outcome of a migration run, in the shape the migration Lambda returns. */
export interface MigrationReport {
  readonly applied: string[];
  readonly pending: string[];
}

/**
 * The connection migrations run on: one connection, whose statements may run long (an index built
 * on a large table; Lambda stops the function at 15 minutes anyway).
 */
export function migrationConnection(connection: DatabaseConnectionOptions): DatabaseConnectionOptions {
  return { ...connection, poolMax: 1, statementTimeoutMs: 15 * 60_000 };
}

/**
 * How long a migration's statement may wait for a lock. DDL queued behind a long transaction
 * would hold every later query on its table behind it, so it gives up instead; the migration is
 * not recorded and the next deploy runs it again (on MySQL over whatever DDL it had committed:
 * see migrations/repeatable-ddl.ts). Waiting for another run's migration lock is not bounded by it.
 */
const MIGRATION_LOCK_TIMEOUT_MS = 5000;

/** Options of {@link migrateToLatest}. */
export interface MigrateOptions {
  /** @default 5000 (see MIGRATION_LOCK_TIMEOUT_MS) */
  readonly lockTimeoutMs?: number;
}

/** The application's migrations; tests may pass another list through the `available` parameters. */
type MigrationList = Record<string, Migration>;

/**
 * Sets the lock timeout as each migration starts, not on the connection: the wait for Kysely's
 * migration lock (a concurrent run holding it) must not be cut short by the 5 s meant for DDL.
 */
function withLockTimeout(migration: Migration, lockTimeoutMs: number): Migration {
  const bounded =
    (step: (db: Kysely<unknown>) => Promise<void>) =>
    async (db: Kysely<unknown>): Promise<void> => {
      const seconds = Math.max(1, Math.ceil(lockTimeoutMs / 1000));
      await (dialectOf(db) === 'mysql'
        ? // Metadata locks (DDL) and row locks (a data step).
          sql`set session lock_wait_timeout = ${sql.lit(seconds)}, innodb_lock_wait_timeout = ${sql.lit(seconds)}`
        : sql`select set_config('lock_timeout', ${String(lockTimeoutMs)}, true)`
      ).execute(db);
      await step(db);
    };
  const { down } = migration;
  return { up: bounded(migration.up), ...(down ? { down: bounded(down) } : {}) };
}

function migratorFor<DB>(
  db: Kysely<DB>,
  available: MigrationList = migrations,
  lockTimeoutMs = MIGRATION_LOCK_TIMEOUT_MS,
): Migrator {
  const bounded = Object.fromEntries(
    Object.entries(available).map(([name, migration]) => [name, withLockTimeout(migration, lockTimeoutMs)]),
  );
  return new Migrator({
    db,
    provider: { getMigrations: async () => bounded },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
}

function unwrap(result: MigrationResultSet, direction: string): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `Migration ${direction} failed at ${failed}: ${String((result.error as Error).message ?? result.error)}`,
      {
        cause: result.error,
      },
    );
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Applies every pending migration. Kysely takes a lock first (advisory lock on PostgreSQL,
 * GET_LOCK on MySQL) so concurrent runs are serialised, and on PostgreSQL the pending migrations
 * run in one transaction, so a failure leaves the schema as it was.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  available?: MigrationList,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  await assertUnicodeDatabase(db);
  const applied = unwrap(await migratorFor(db, available, options.lockTimeoutMs).migrateToLatest(), 'up');
  return { applied, pending: await pendingMigrations(db, available) };
}

/**
 * Refuses a database whose text encoding cannot hold what users type. The tables take the
 * database's default, and on a latin1 (or utf8mb3, or SQL_ASCII) database a display name in
 * Korean, an emoji in a passkey's name or a user agent outside Latin-1 failed with a 500 (found
 * in review, 2026-12-08: upstream MariaDB and MySQL 5.7 long defaulted to latin1; RDS MySQL 8
 * defaults to utf8mb4). The migration step creates a MySQL database as utf8mb4 itself; a
 * PostgreSQL one takes the server's template encoding (UTF8 on RDS and in the embedded server,
 * whose cluster is initialised so). This names the problem where a database is not UTF-8 all the
 * same.
 */
async function assertUnicodeDatabase<DB>(db: Kysely<DB>): Promise<void> {
  const mysql = dialectOf(db) === 'mysql';
  const { rows } = await (mysql
    ? sql<{ name: string; encoding: string }>`select database() as name, @@character_set_database as encoding`
    : sql<{
        name: string;
        encoding: string;
      }>`select datname as name, pg_encoding_to_char(encoding) as encoding
          from pg_database where datname = current_database()`
  ).execute(db);
  const { name = '?', encoding = '?' } = rows[0] ?? {};
  if (mysql && encoding !== 'utf8mb4') {
    throw new Error(
      `The database ${name} stores text as ${encoding}; CloudNest needs utf8mb4. Run ALTER DATABASE \`${name}\` CHARACTER SET utf8mb4, and ALTER TABLE … CONVERT TO CHARACTER SET utf8mb4 for each table created before.`,
    );
  }
  if (!mysql && encoding !== 'UTF8') {
    throw new Error(
      `The database ${name} stores text as ${encoding}; CloudNest needs UTF8. Create it with ENCODING 'UTF8' (PostgreSQL cannot change a database's encoding in place: dump and restore into the new one).`,
    );
  }
}

/** Reverts the most recent migration. */
export async function migrateDown<DB>(db: Kysely<DB>): Promise<string[]> {
  return unwrap(await migratorFor(db).migrateDown(), 'down');
}

/** Names of known migrations not yet applied. */
export async function pendingMigrations<DB>(db: Kysely<DB>, available?: MigrationList): Promise<string[]> {
  const all = await migratorFor(db, available).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Every known migration with when it was applied. */
export async function migrationStatus<DB>(
  db: Kysely<DB>,
): Promise<{ name: string; executedAt: Date | null }[]> {
  const all = await migratorFor(db).getMigrations();
  return all.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}
