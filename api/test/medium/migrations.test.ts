import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectOf } from '../../src/database/database.factory.js';
import { migrations } from '../../src/database/migrations/index.js';
import {
  migrateDown,
  migrateToLatest,
  migrationStatus,
  pendingMigrations,
} from '../../src/database/migrator.js';
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
    expect(await pendingMigrations(database.db)).toEqual([]);
    const status = await migrationStatus(database.db);
    expect(status.map((m) => m.name)).toEqual(Object.keys(migrations));
    expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(database.db)).toEqual({ applied: [], pending: [] });
  });

  it('reverts the latest migration and re-applies it', async () => {
    const names = Object.keys(migrations);
    const last = names[names.length - 1];
    expect(await migrateDown(database.db)).toEqual([last]);
    expect(await pendingMigrations(database.db)).toEqual([last]);
    expect((await migrateToLatest(database.db)).applied).toEqual([last]);
  });

  it('serialises concurrent runs (the migration lock) so each migration applies once', async () => {
    const names = Object.keys(migrations);
    for (let i = 0; i < names.length; i++) await migrateDown(database.db);
    const runs = await Promise.all([
      migrateToLatest(database.db),
      migrateToLatest(database.db),
      migrateToLatest(database.db),
    ]);
    expect(runs.flatMap((run) => run.applied).sort()).toEqual([...names].sort());
    expect(await pendingMigrations(database.db)).toEqual([]);
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
    await expect(migrateToLatest(database.db, broken)).rejects.toThrow(/9999_broken/);
    expect(await tableExists(database.db, 'half_done')).toBe(false);
    expect(await pendingMigrations(database.db, broken)).toEqual(['9999_broken']);
  });
});
