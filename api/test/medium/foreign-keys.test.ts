import { randomUUID } from 'node:crypto';
import { type Migration, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database/database.factory.js';
import { migrations } from '../../src/database/migrations/index.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

/** Every key the migrations mean to make, as {@link foreignKeysOf} writes them. */
const EXPECTED_KEYS = [
  'api_keys.user_id -> users.id on delete cascade',
  'files.user_id -> users.id on delete cascade',
  'mfa_recovery_codes.user_id -> users.id on delete cascade',
  'one_time_tokens.user_id -> users.id on delete cascade',
  'passkeys.user_id -> users.id on delete cascade',
  'refresh_tokens.session_id -> sessions.id on delete cascade',
  'security_events.user_id -> users.id on delete cascade',
  'sessions.user_id -> users.id on delete cascade',
  'totp_credentials.user_id -> users.id on delete cascade',
];

interface KeyRow {
  childTable: string;
  childColumn: string;
  parentTable: string;
  parentColumn: string;
  deleteRule: string;
  constraintName: string;
}

/** The foreign keys of the current schema, from the engine's own catalog. */
async function foreignKeyRows(db: Database, dialect: 'postgres' | 'mysql'): Promise<KeyRow[]> {
  const { rows } =
    dialect === 'mysql'
      ? await sql<KeyRow>`select kcu.table_name as child_table, kcu.column_name as child_column,
            kcu.referenced_table_name as parent_table, kcu.referenced_column_name as parent_column,
            rc.delete_rule as delete_rule, kcu.constraint_name as constraint_name
          from information_schema.key_column_usage kcu
          join information_schema.referential_constraints rc on rc.constraint_schema = kcu.constraint_schema
            and rc.table_name = kcu.table_name and rc.constraint_name = kcu.constraint_name
          where kcu.table_schema = database() and kcu.referenced_table_name is not null`.execute(db)
      : await sql<KeyRow>`select child.relname as child_table, child_column.attname as child_column,
            parent.relname as parent_table, parent_column.attname as parent_column,
            case con.confdeltype when 'c' then 'CASCADE' when 'n' then 'SET NULL' when 'r' then 'RESTRICT'
              when 'd' then 'SET DEFAULT' else 'NO ACTION' end as delete_rule, con.conname as constraint_name
          from pg_constraint con
          join pg_class child on child.oid = con.conrelid
          join pg_class parent on parent.oid = con.confrelid
          join pg_attribute child_column on child_column.attrelid = con.conrelid and child_column.attnum = con.conkey[1]
          join pg_attribute parent_column on parent_column.attrelid = con.confrelid and parent_column.attnum = con.confkey[1]
          where con.contype = 'f' and con.connamespace = current_schema()::regnamespace`.execute(db);
  return rows;
}

async function foreignKeysOf(db: Database, dialect: 'postgres' | 'mysql'): Promise<string[]> {
  return (await foreignKeyRows(db, dialect))
    .map(
      (key) =>
        `${key.childTable}.${key.childColumn} -> ${key.parentTable}.${key.parentColumn} on delete ${key.deleteRule.toLowerCase()}`,
    )
    .sort();
}

async function insertUser(db: Database): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  const name = `fk_${id.slice(0, 8)}`;
  await db
    .insertInto('users')
    .values({ id, email: `${name}@example.com`, username: name, createdAt: now, updatedAt: now })
    .execute();
  return id;
}

async function insertSession(db: Database, userId: string): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await db
    .insertInto('sessions')
    .values({ id, userId, createdAt: now, lastUsedAt: now, expiresAt: new Date(now.getTime() + 3_600_000) })
    .execute();
  return id;
}

async function insertRefreshToken(db: Database, sessionId: string): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('refreshTokens')
    .values({ id, sessionId, parentId: null, tokenHash: randomUUID(), createdAt: new Date() })
    .execute();
  return id;
}

async function insertOneTimeToken(db: Database, userId: string | null): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await db
    .insertInto('oneTimeTokens')
    .values({
      id,
      purpose: 'password_reset',
      email: 'someone@example.com',
      userId,
      tokenHash: randomUUID(),
      createdAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    })
    .execute();
  return id;
}

const idsIn = async (db: Database, table: 'sessions' | 'refreshTokens' | 'oneTimeTokens', ids: string[]) =>
  (await db.selectFrom(table).select('id').where('id', 'in', ids).execute()).map((row) => row.id).sort();

/**
 * The keys 0002–0007 declare inline exist on every engine, so deleting an account or a session
 * takes its rows with it. MySQL 8 ignores inline keys (migration 0011 adds them there); MariaDB,
 * which this tier runs, honours them, so the MySQL 8 path is tested below by taking keys away.
 */
describe.each(testDialects())('foreign keys on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('exist for every column the migrations declare one on, each cascading', async () => {
    expect(await foreignKeysOf(database.owner, dialect)).toEqual(EXPECTED_KEYS);
  });

  it('delete an account’s sessions and their refresh tokens with it, and a session’s tokens with the session', async () => {
    const { db } = database;
    const userId = await insertUser(db);
    const sessions = [await insertSession(db, userId), await insertSession(db, userId)];
    const tokens = [
      await insertRefreshToken(db, sessions[0] ?? ''),
      await insertRefreshToken(db, sessions[1] ?? ''),
    ];
    // What SessionsRepository.deleteEnded does: the session goes, its refresh tokens must too.
    await db
      .deleteFrom('sessions')
      .where('id', '=', sessions[0] ?? '')
      .execute();
    expect(await idsIn(db, 'refreshTokens', tokens)).toEqual([tokens[1]]);
    await db.deleteFrom('users').where('id', '=', userId).execute();
    expect(await idsIn(db, 'sessions', sessions)).toEqual([]);
    expect(await idsIn(db, 'refreshTokens', tokens)).toEqual([]);
  });
});

/**
 * Migration 0011 on a MySQL database that lacks keys, as every MySQL 8 database migrated before it
 * does: MariaDB made them from the inline clauses, so the test drops some (and the index MySQL 8
 * would not have either), leaves rows whose parent is gone, as such a database collects, and runs
 * the migration's `up` again.
 */
describe.runIf(testDialects().includes('mysql'))('migration 0011 on a MySQL database without keys', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('mysql');
  });
  afterAll(async () => {
    await database?.drop();
  });

  // Through the registry, so the test also fails if the migration is not registered.
  const migration: Migration = migrations['0011_mysql_foreign_keys'] ?? {
    up: async () => {
      throw new Error('migration 0011_mysql_foreign_keys is not registered');
    },
  };

  const constraintOf = async (table: string, column: string) =>
    (await foreignKeyRows(database.owner, 'mysql')).find(
      (key) => key.childTable === table && key.childColumn === column,
    )?.constraintName;

  const indexesOf = async (table: string) =>
    (
      await sql<{
        indexName: string;
      }>`select distinct index_name as index_name from information_schema.statistics
        where table_schema = database() and table_name = ${table} order by index_name`.execute(database.owner)
    ).rows.map((row) => row.indexName);

  it('deletes the orphans, adds the missing keys under its own names, and down removes only those', async () => {
    // What a migration does, as the migrations do it: as the tables' owner.
    const db = database.owner;
    for (const [table, column] of [
      ['sessions', 'user_id'],
      ['refresh_tokens', 'session_id'],
      ['one_time_tokens', 'user_id'],
    ] as const) {
      const name = (await constraintOf(table, column)) ?? '';
      await sql`alter table ${sql.table(table)} drop foreign key ${sql.id(name)}`.execute(db);
    }
    // MariaDB indexed one_time_tokens.user_id for its inline key (named after the column); MySQL 8,
    // having made no key, has no such index.
    await sql`alter table one_time_tokens drop index user_id`.execute(db);
    const withoutKeys = await foreignKeysOf(db, 'mysql');
    const oneTimeTokenIndexes = await indexesOf('one_time_tokens');

    const userId = await insertUser(db);
    const kept = await insertSession(db, userId);
    const keptToken = await insertRefreshToken(db, kept);
    const goneUser = randomUUID();
    // A session of an account that is gone, and its token; a token of a session that is gone.
    const orphanSession = await insertSession(db, goneUser);
    const tokenOfOrphanSession = await insertRefreshToken(db, orphanSession);
    const orphanToken = await insertRefreshToken(db, randomUUID());
    const keptCodes = [await insertOneTimeToken(db, userId), await insertOneTimeToken(db, null)];
    const orphanCode = await insertOneTimeToken(db, goneUser);

    await migration.up(db);

    expect(await foreignKeysOf(db, 'mysql')).toEqual(EXPECTED_KEYS);
    expect(await constraintOf('sessions', 'user_id')).toBe('fk_sessions_user_id');
    expect(await constraintOf('refresh_tokens', 'session_id')).toBe('fk_refresh_tokens_session_id');
    expect(await constraintOf('one_time_tokens', 'user_id')).toBe('fk_one_time_tokens_user_id');
    expect(await idsIn(db, 'sessions', [kept, orphanSession])).toEqual([kept]);
    expect(await idsIn(db, 'refreshTokens', [keptToken, tokenOfOrphanSession, orphanToken])).toEqual([
      keptToken,
    ]);
    // A token with no account (a sign-in code for an unknown address) is no orphan.
    expect(await idsIn(db, 'oneTimeTokens', [...keptCodes, orphanCode])).toEqual([...keptCodes].sort());

    // Run again (MySQL commits each step, so a failed run is repeated): nothing left to do.
    await migration.up(db);
    expect(await foreignKeysOf(db, 'mysql')).toEqual(EXPECTED_KEYS);

    // The keys now hold: deleting the account takes the session and its token.
    await db.deleteFrom('users').where('id', '=', userId).execute();
    expect(await idsIn(db, 'sessions', [kept])).toEqual([]);
    expect(await idsIn(db, 'refreshTokens', [keptToken])).toEqual([]);

    // down drops the three keys it added (and the index made for one), not MariaDB's six.
    await migration.down?.(db);
    expect(await foreignKeysOf(db, 'mysql')).toEqual(withoutKeys);
    expect(await indexesOf('one_time_tokens')).toEqual(oneTimeTokenIndexes);
  });
});
