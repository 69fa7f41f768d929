import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import type { DatabaseConnectionOptions } from './database.factory.js';
import { migrations } from './migrations/index.js';

/** Outcome of a migration run, in the shape the migration Lambda returns. */
export interface MigrationReport {
  readonly applied: string[];
  readonly pending: string[];
}

/**
 * The connection migrations run on: one connection; statements may run long (an index built on a
 * large table; Lambda stops the function at 15 minutes anyway), but a wait for a lock is short,
 * since DDL queued behind a long transaction would hold every later query on its table behind it.
 * A migration that fails on the lock is not recorded; the next deploy runs it again (on MySQL over
 * whatever DDL it had committed: see migrations/repeatable-ddl.ts).
 */
export function migrationConnection(connection: DatabaseConnectionOptions): DatabaseConnectionOptions {
  return { ...connection, poolMax: 1, statementTimeoutMs: 15 * 60_000, lockTimeoutMs: 5000 };
}

/** The application's migrations; tests may pass another list through the `available` parameters. */
type MigrationList = Record<string, Migration>;

function migratorFor<DB>(db: Kysely<DB>, available: MigrationList = migrations): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => available },
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
 * GET_LOCK on MySQL) so concurrent runs are serialised, and on PostgreSQL each migration runs in
 * a transaction, so a failure leaves the schema as it was.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  available?: MigrationList,
): Promise<MigrationReport> {
  const applied = unwrap(await migratorFor(db, available).migrateToLatest(), 'up');
  return { applied, pending: await pendingMigrations(db, available) };
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
