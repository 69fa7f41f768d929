import { type Kysely, type KyselyPlugin, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dialectOf } from '../../src/database/database.factory.js';
import { migrations } from '../../src/database/migrations/index.js';
import {
  migrateDown,
  migrateToLatest,
  migrationConnection,
  migrationStatus,
  pendingMigrations,
} from '../../src/database/migrator.js';
import { holdTransaction } from '../support/held-transaction.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

async function tableExists<DB>(db: Kysely<DB>, table: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from information_schema.tables
    where table_name = ${table} and table_schema = ${sql.raw(
      dialectOf(db) === 'mysql' ? 'database()' : 'current_schema()',
    )}`.execute(db);
  return Number(rows[0]?.n) > 0;
}

describe.each(testDialects())('migrations on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('starts fully migrated with nothing pending', async () => {
    expect(await pendingMigrations(database.owner)).toEqual([]);
    const status = await migrationStatus(database.owner);
    expect(status.map((m) => m.name)).toEqual(Object.keys(migrations));
    expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(database.owner)).toEqual({ applied: [], pending: [] });
  });

  it('reverts the latest migration and re-applies it', async () => {
    const names = Object.keys(migrations);
    const last = names[names.length - 1];
    expect(await migrateDown(database.owner)).toEqual([last]);
    expect(await pendingMigrations(database.owner)).toEqual([last]);
    expect((await migrateToLatest(database.owner)).applied).toEqual([last]);
  });

  it('serialises concurrent runs (the migration lock) so each migration applies once', async () => {
    const names = Object.keys(migrations);
    for (let i = 0; i < names.length; i++) await migrateDown(database.owner);
    const runs = await Promise.all([
      migrateToLatest(database.owner),
      migrateToLatest(database.owner),
      migrateToLatest(database.owner),
    ]);
    expect(runs.flatMap((run) => run.applied).sort()).toEqual([...names].sort());
    expect(await pendingMigrations(database.owner)).toEqual([]);
  });
});

/**
 * Tables, columns (in order; PostgreSQL's ordinal positions count dropped ones), indexes and
 * constraints of the current schema, as comparable text.
 */
async function schemaOf<DB>(db: Kysely<DB>): Promise<string[]> {
  const schema = sql.raw(dialectOf(db) === 'mysql' ? 'database()' : 'current_schema()');
  const columns = await sql<Record<string, unknown>>`select table_name, column_name,
      data_type, character_maximum_length, is_nullable, column_default
    from information_schema.columns where table_schema = ${schema}
    order by table_name, ordinal_position`.execute(db);
  // Not the NOT NULL checks PostgreSQL lists here (the columns' is_nullable says the same): up to
  // PostgreSQL 17 their names hold the table's oid, which differs between two databases.
  const constraints = await sql<Record<string, unknown>>`select table_name, constraint_name, constraint_type
    from information_schema.table_constraints where table_schema = ${schema}
    and not (constraint_type = 'CHECK' and constraint_name like '%_not_null')
    order by table_name, constraint_name`.execute(db);
  const indexes =
    dialectOf(db) === 'mysql'
      ? await sql<
          Record<string, unknown>
        >`select table_name, index_name, seq_in_index, column_name, non_unique
          from information_schema.statistics where table_schema = database()
          order by table_name, index_name, seq_in_index`.execute(db)
      : await sql<Record<string, unknown>>`select indexdef from pg_indexes
          where schemaname = current_schema() order by indexname`.execute(db);
  return [...columns.rows, ...constraints.rows, ...indexes.rows].map((row) => JSON.stringify(row));
}

/** The database, failing its DDL statement number `n` (0-based) as a lost connection would. */
function failingAtDdl<DB>(db: Kysely<DB>, n: number): Kysely<DB> {
  let ddl = 0;
  const plugin: KyselyPlugin = {
    transformQuery: ({ node }) => {
      if (['CreateTableNode', 'AlterTableNode', 'CreateIndexNode'].includes(node.kind) && ddl++ === n) {
        throw new Error('injected failure');
      }
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return db.withPlugin(plugin);
}

/**
 * MySQL commits each DDL statement, so a migration that fails midway (a lock timeout, a lost
 * connection) keeps what it did before the failure, unrecorded; the next run starts it over and
 * must step over that (migrations/repeatable-ddl.ts). Each migration is cut before each of its
 * DDL statements in turn, then run properly; the result must be the schema of a clean run.
 */
describe.each(testDialects())('a migration cut short on %s', (dialect) => {
  let reference: TestDatabase;
  let database: TestDatabase;
  beforeAll(async () => {
    [reference, database] = await Promise.all([createTestDatabase(dialect), createTestDatabase(dialect)]);
  });
  afterAll(async () => {
    await Promise.all([reference?.drop(), database?.drop()]);
  });

  it('runs again to completion from every point it can fail at', { timeout: 180_000 }, async () => {
    const names = Object.keys(migrations);
    for (let i = 0; i < names.length; i++) await migrateDown(database.owner);
    expect(await tableExists(database.owner, 'users')).toBe(false);
    for (const [index, [name, migration]] of Object.entries(migrations).entries()) {
      const upTo = Object.fromEntries(Object.entries(migrations).slice(0, index + 1));
      for (let cut = 0; ; cut++) {
        const completed = await migration.up(failingAtDdl(database.owner, cut)).then(
          () => true,
          (error: unknown) => {
            if ((error as Error).message !== 'injected failure') throw error;
            return false;
          },
        );
        // Run for real over what the cut run left (all of it, once the cut is past its last statement).
        expect(await migrateToLatest(database.owner, upTo)).toEqual({ applied: [name], pending: [] });
        if (completed) break;
        expect(await migrateDown(database.owner)).toEqual([name]);
      }
    }
    expect(await schemaOf(database.owner)).toEqual(await schemaOf(reference.owner));
  });
});

describe.each(testDialects())('migration locks on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const withMigration = (name: string, up: (db: Kysely<unknown>) => Promise<void>) => ({
    ...migrations,
    [name]: { up },
  });

  it('gives up on a table lock it cannot get within the lock timeout, leaving the migration pending', async () => {
    const blocked = withMigration('9001_blocked', async (db) => {
      await db.schema.alterTable('users').addColumn('blocked_column', 'integer').execute();
    });
    // A transaction that has read users holds a shared lock on the table until it ends.
    const reader = await holdTransaction(database.owner, (trx) =>
      sql`select count(*) from users`.execute(trx),
    );
    const db = await createDatabase(migrationConnection(database.ownerConnection));
    try {
      // Without the bound the ALTER waits for the reader, which waits for the ALTER: the test times out.
      await expect(migrateToLatest(db, blocked, { lockTimeoutMs: 300 })).rejects.toThrow(/9001_blocked/);
      await reader.release();
      expect(await pendingMigrations(db, blocked)).toEqual(['9001_blocked']);
    } finally {
      await reader.release();
      await db.destroy();
    }
  });

  // Kysely's PostgreSQL migration lock raises lock_timeout for its transaction; a lock timeout set
  // on the connection was overridden by it, and one that covered the migration lock would fail a
  // run waiting behind another.
  it('still serialises concurrent runs that wait longer than the lock timeout', async () => {
    const slow = withMigration('9002_slow', async (db) => {
      await (dialectOf(db) === 'mysql' ? sql`select sleep(1)` : sql`select pg_sleep(1)`).execute(db);
    });
    const [a, b] = await Promise.all([
      createDatabase(migrationConnection(database.ownerConnection)),
      createDatabase(migrationConnection(database.ownerConnection)),
    ]);
    try {
      const runs = await Promise.all([
        migrateToLatest(a, slow, { lockTimeoutMs: 300 }),
        migrateToLatest(b, slow, { lockTimeoutMs: 300 }),
      ]);
      expect(runs.flatMap((run) => run.applied)).toEqual(['9002_slow']);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });
});

describe('a failing migration on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('leaves the schema as it was (transactional DDL)', async () => {
    const broken = {
      ...migrations,
      '9999_broken': {
        async up(db: Kysely<unknown>) {
          await db.schema.createTable('half_done').addColumn('id', 'integer').execute();
          await sql`select * from table_that_does_not_exist`.execute(db);
        },
      },
    };
    await expect(migrateToLatest(database.owner, broken)).rejects.toThrow(/9999_broken/);
    expect(await tableExists(database.owner, 'half_done')).toBe(false);
    expect(await pendingMigrations(database.owner, broken)).toEqual(['9999_broken']);
  });
});
